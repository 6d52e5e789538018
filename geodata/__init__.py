"""Data loading, validation and storage for zonemap (no Streamlit here).

Importing the package locks GDAL down for users' files (see :mod:`geodata.io.gdal`)
before anything imports pyogrio.
"""

from geodata.io.gdal import lock_environment

lock_environment()
