"""``python -m geodata validate|convert|export|synth|copy|import`` (see :mod:`geodata.cli`, :mod:`access.batch`).

Library output (warnings, GDAL's messages, tracebacks) goes to the log, the command's own sentences to the
terminal (:mod:`geodata.terminal`).

An entry script, not a module the app imports: ``import`` writes as an
account (its scope, its audit name), which is the sign-in package's business,
so that one command is run from :mod:`access.batch` (geodata itself never
imports the package above it).
"""

import runpy
import sys

from geodata.atomic import private_umask
from geodata.terminal import library_output_to_log

private_umask()  # outputs, working files and GDAL's side files: 0600, folders 0700

with library_output_to_log():
    if len(sys.argv) > 1 and sys.argv[1] == "import":
        sys.argv = ["python -m geodata import", *sys.argv[2:]]
        code = 0
        try:
            runpy.run_module("access.batch", run_name="__main__", alter_sys=True)
        except SystemExit as done:  # access.batch exits with its own code
            code = done.code
    else:
        from geodata.cli import main

        code = main()
sys.exit(code)
