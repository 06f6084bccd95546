"""One simulation, whatever the engine: ``simulate(params)``, runs in memory, the summary.

Picks the engine (vectorized or Mesa) and runs it; nothing here writes files. It is the layer
the public API, the studies and the calibration share, so none of them imports another to run
the model.

May import: ``crossstrait_sim.mesa_engine``, ``crossstrait_sim.model``, ``crossstrait_sim.config``.
"""
