"""Studies: run folders and manifests, sweeps, comparison of scenarios, findings.

Holds the rules of a run folder (``rundir``), manifests (``manifest``), writing one run as a
set of files (``runs``), resumable sweeps (``sweep``), the comparison of a sweep's scenarios
(``compare``, ``crossstrait-sim-compare``) and the generated findings (``findings``).

May import: ``crossstrait_sim.evidence``, ``crossstrait_sim.viz``, ``crossstrait_sim.simulation``
and the layers below them.
"""
