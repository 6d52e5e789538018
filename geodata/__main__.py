"""``python -m geodata validate|convert|export`` (see :mod:`geodata.cli`)."""

import sys

from geodata.cli import main

sys.exit(main())
