"""Report: the self-contained HTML report, plots and maps, benchmark comparisons.

It may import every layer below it (ensemble, shocks, analysis, build, core); never cli. The HTML
report's entry points (:mod:`mrio.report.html`) are re-exported here, so ``mrio.report.build_report``
keeps working.
"""

from mrio.report.html import *  # noqa: F403  (the public names of the former mrio.report module)
from mrio.report.html import __all__  # noqa: F401
