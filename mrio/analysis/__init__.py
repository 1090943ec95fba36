"""Analysis of a given system.

Multipliers, footprints, dependency, extraction, linkages, structural paths, structure indices and
value added in trade.

It may import :mod:`mrio.build`, :mod:`mrio.core`, :mod:`mrio.kernels` and :mod:`mrio.errors`; never
shocks, ensemble, report or cli.
"""
