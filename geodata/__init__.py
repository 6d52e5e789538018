"""Data loading, validation and storage for zonemap (no Streamlit here).

Importing the package changes nothing in the process. GDAL is locked down for
users' files by the entry points, before anything imports pyogrio: each calls
:func:`geodata.io.gdal.lock_environment` first (the app server through
``web.startup.configure``, ``app.py``, ``python -m geodata``, ``python -m
access.batch``, ``python -m reports.cli``, the sample builder, the import
worker, the test suite). Reading a user's file refuses to start when it did not
take effect (:func:`geodata.io.gdal.check_locked`).
"""
