"""Former module path, kept working: this is :mod:`mrio.report.plot`."""

import sys

from mrio.report import plot as _module

sys.modules[__name__] = _module
