"""Former module path, kept working: this is :mod:`mrio.report.bench`."""

import sys

from mrio.report import bench as _module

sys.modules[__name__] = _module
