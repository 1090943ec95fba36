"""Former module path, kept working: this is :mod:`mrio.build.regional`."""

import sys

from mrio.build import regional as _module

sys.modules[__name__] = _module
