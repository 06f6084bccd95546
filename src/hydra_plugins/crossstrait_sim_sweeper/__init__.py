"""The crossstrait-sim multirun sweeper and launchers, Hydra plugins (found in the ``hydra_plugins`` namespace).

May import: hydra, omegaconf, Hydra's joblib and submitit launcher plugins (the latter optional: the `cluster`
extra) and ``crossstrait_sim.config`` (lazily, when a sweep starts).
"""
