"""Configs into parameters: the declared schema, composing, checks, policy schedules, quarters.

Holds the structured-config schema, every key declared once with its range, unit, source and
meaning (``schema``, built with ``declare.param``), composing ``conf/`` (``compose``), the checks
that read the declarations (``checks``), building the frozen
:class:`~crossstrait_sim.config.parameters.Params` (``parameters``) with every policy schedule
(``schedule``), quarter labels (``quarters``) and the generator of ODD.md's parameter table
(``paramdoc``).

May import: ``crossstrait_sim.errors`` and third-party packages only (the bottom layer).
"""
