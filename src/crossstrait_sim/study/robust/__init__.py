"""The robustness study (issue 11): Taiwan's responses across futures, exploratory-modelling style.

``crossstrait-sim-robust robust=smoke|study`` (:mod:`.cli`): a design of futures over what we do not know
(:mod:`.space`: posterior draws or the prior box, the assumed parameters' plausible ranges, structural
alternatives; :mod:`.design`: Latin hypercube, SALib's Sobol or Morris, nominal seeds) crossed with
Taiwan's responses (:mod:`.levers`), run through the sweep machinery (resumable), gathered into two
Parquet tables (:mod:`.tables`), analysed (:mod:`.analysis`: robustness, regret, cost per professional
kept, sensitivity; :mod:`.discovery`: PRIM) and reported (:mod:`.report`). Imports only the layers
below ``study`` and its siblings.
"""
