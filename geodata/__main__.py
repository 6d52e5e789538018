"""``python -m geodata validate|convert|export`` (see :mod:`geodata.cli`)."""

import sys

from geodata.atomic import private_umask
from geodata.cli import main

private_umask()  # outputs, working files and GDAL's side files: 0600, folders 0700
sys.exit(main())
