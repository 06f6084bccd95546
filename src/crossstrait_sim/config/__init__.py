"""Configs into parameters: the schema, composing with Hydra, checks, policy schedules, quarters.

Holds the structured-config schema (``schema``), composing ``conf/`` (``compose``), building and
checking the frozen :class:`~crossstrait_sim.config.parameters.Params` with every policy schedule
(``parameters``), quarter labels (``quarters``) and the generator of ODD.md's parameter table
(``paramdoc``).

May import: ``crossstrait_sim.errors`` and third-party packages only (the bottom layer).
"""
