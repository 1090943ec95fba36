"""Core: the validated :class:`~mrio.MRIO` system, labels, solve results, reading and writing, pymrio interop.

Everything else stands on this layer. It may import only :mod:`mrio.kernels` and :mod:`mrio.errors`
(plus numpy, scipy, pandas, pyarrow).
"""
