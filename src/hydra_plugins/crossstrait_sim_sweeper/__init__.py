"""The crossstrait-sim multirun sweeper, a Hydra plugin (found by Hydra in the ``hydra_plugins`` namespace).

May import: hydra, omegaconf and ``crossstrait_sim.config`` (lazily, when a sweep starts).
"""
