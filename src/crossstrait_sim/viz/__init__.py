"""Pictures: figures drawn from results tables (they never run the model).

May import: ``crossstrait_sim.simulation`` and the layers below it (model, config).
"""
