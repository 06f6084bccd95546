"""The model: agent state, random streams, pure kernels, shared tables, the vectorized model.

Holds the declared agent state (``state``), the random-number streams (``streams``), the pure
array kernels (``kernels``), the aggregate tables both engines share (``tables``), the
vectorized step loop (``vectorized``), the initial steady state (``steady_state``) and the
indicators and results table (``results``).

May import: ``crossstrait_sim.config`` (below it) and ``crossstrait_sim.errors``.
"""
