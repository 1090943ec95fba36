"""Former module path, kept working: this is :mod:`mrio.build.concordances`."""

import sys

from mrio.build import concordances as _module

sys.modules[__name__] = _module
