"""mrio.data: bundled datasets (files only) and the scripts that derive them from public tables.

See README.md in this folder for sources, licences and how each dataset was built.
"""
