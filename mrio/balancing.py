"""Former module path, kept working: this is :mod:`mrio.build.balancing`."""

import sys

from mrio.build import balancing as _module

sys.modules[__name__] = _module
