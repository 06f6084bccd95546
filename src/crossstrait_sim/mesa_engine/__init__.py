"""The Mesa engine: the same rules as the vectorized model, stated agent by agent.

Holds the Mesa model (``model``), its firm and professional agents (``agents``) and the
engine-equivalence check (``equivalence``) that holds both engines equal.

May import: ``crossstrait_sim.model`` and ``crossstrait_sim.config`` (below it).
"""
