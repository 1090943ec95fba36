"""Build tables.

National tables (the CBS reader), regionalisation (placement of output, trade, assembly),
balancing (RAS/GRAS), concordances and regrouping, the bundled datasets and their cache.

It may import :mod:`mrio.core`, :mod:`mrio.kernels` and :mod:`mrio.errors`; never analysis, shocks,
report or cli.
"""
