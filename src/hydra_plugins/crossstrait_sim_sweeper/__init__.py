"""The crossstrait-sim multirun sweeper and launchers, Hydra plugins (found in the ``hydra_plugins`` namespace).

May import: hydra, omegaconf, Hydra's joblib and submitit launcher plugins (the latter optional: the `cluster`
extra), ``crossstrait_sim.config`` and ``crossstrait_sim.errors`` (lazily, when a sweep or launcher starts).
"""
