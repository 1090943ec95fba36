"""Ensembles with uncertainty bands.

Any analysis or scenario over draws of the regional build, in-process or on a Dask cluster.

It may import :mod:`mrio.shocks`, :mod:`mrio.analysis` and everything below them; never report or cli.
"""
