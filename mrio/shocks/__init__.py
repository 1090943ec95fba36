"""Shocks: demand (Leontief), supply (Ghosh), mixed, IIM/DIIM and ARIO models, scenario files and runner.

It may import :mod:`mrio.analysis` and everything below it; never ensemble, report or cli. The
demand/supply/mixed/inoperability models (:mod:`mrio.shocks.models`) are re-exported here, so
``mrio.shocks.propagate_demand`` keeps working.
"""

from mrio.shocks.models import *  # noqa: F403  (the public names of the former mrio.shocks module)
from mrio.shocks.models import __all__  # noqa: F401
