"""Former module path, kept working: this is :mod:`mrio.core.testing`."""

import sys

from mrio.core import testing as _module

sys.modules[__name__] = _module
