"""``python -m geodata validate|convert|export|synth|copy|import`` (see :mod:`geodata.cli`, :mod:`access.batch`).

An entry script, not a module the app imports: ``import`` writes as an
account (its scope, its audit name), which is the sign-in package's business,
so that one command is run from :mod:`access.batch` (geodata itself never
imports the package above it).
"""

import runpy
import sys

from geodata.atomic import private_umask

private_umask()  # outputs, working files and GDAL's side files: 0600, folders 0700

if len(sys.argv) > 1 and sys.argv[1] == "import":
    sys.argv = ["python -m geodata import", *sys.argv[2:]]
    runpy.run_module("access.batch", run_name="__main__", alter_sys=True)
    sys.exit(0)  # access.batch exits with its own code

from geodata.cli import main  # noqa: E402

sys.exit(main())
