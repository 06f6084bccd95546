"""Evidence: the shipped data and its strict loader, moments, calibration and validation.

Holds the observed series and literature inputs with their sources (``data/``), the loader
(``datasets``), the data moments and their model counterparts (``moments``), the calibration
(``calibrate``, ``crossstrait-sim-calibrate``) and the out-of-sample validation (``validation``).

May import: ``crossstrait_sim.viz``, ``crossstrait_sim.simulation`` and the layers below them.
"""
