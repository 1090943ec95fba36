"""Sphinx configuration of the mrio documentation.

Build with ``python -m sphinx -W -b html docs docs/_build/html`` (warnings are errors; the
tutorials in ``tutorials/`` are executed on the bundled data while the site is built). With
``MRIO_DOCS_EXECUTE=off`` nothing is executed: a quick check of every page and reference.
"""

from __future__ import annotations

import os
from importlib.metadata import version as _version

project = "mrio"
author = "the mrio developers"
copyright = "2026, the mrio developers"  # noqa: A001 (Sphinx's name)
release = _version("mrio-engine")
version = release

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # MathJax 3 from the sphinx-mathjax-offline wheel, copied into _static/mathjax/ when the
    # build finishes (mathjax_path = "mathjax/tex-chtml.js"): formulas render without a network.
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_click",
    "sphinx_design",
]

root_doc = "index"
exclude_patterns = ["_build", "jupyter_execute", "**.ipynb_checkpoints", "README.md"]
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["mrio.css"]
html_title = f"mrio {release}"
html_theme = "pydata_sphinx_theme"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"**": ["sidebar-nav-bs"]}
html_show_sourcelink = False

# MyST: $...$ and $$...$$ maths, ::: fences, anchors for every heading down to level 3 so that
# docstrings can cite "the methods page, section '...'".
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# Tutorials are MyST markdown notebooks executed at build time. "cache" re-runs a notebook only
# when its code changed; CI builds from a clean clone, so everything runs there. A failing cell
# fails the build.
nb_execution_mode = os.environ.get("MRIO_DOCS_EXECUTE", "cache")
nb_execution_cache_path = os.path.join(os.path.dirname(__file__), "_build", ".jupyter_cache")
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True

# API reference: autosummary pages generated from the numpydoc docstrings.
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Every cross-reference must resolve (a broken {func} role is an error under -W).
nitpicky = True
# No intersphinx: CI reaches PyPI only, and no package ships the inventories of Python, NumPy,
# SciPy, pandas, Dask or pymrio, so references to their objects cannot be checked offline. They
# render as code, unlinked; everything of mrio's own must resolve.
nitpick_ignore_regex = [
    (r"py:.*", r"(functools|numpy|scipy|pandas|pymrio|dask|distributed|matplotlib)(\..*)?"),
]
