"""Former module path, kept working: this is :mod:`mrio.core.io`."""

import sys

from mrio.core import io as _module

sys.modules[__name__] = _module
