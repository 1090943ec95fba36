"""Former module path, kept working: this is :mod:`mrio.shocks.scenario`."""

import sys

from mrio.shocks import scenario as _module

sys.modules[__name__] = _module
