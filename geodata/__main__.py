"""``python -m geodata validate|convert|export|synth|copy|import|report`` (:mod:`geodata.cli`, :mod:`access.batch`).

Library output (warnings, GDAL's messages, tracebacks) goes to the log, the command's own sentences to the
terminal (:mod:`geodata.terminal`).

An entry script, not a module the app imports: ``import`` writes as an
account (its scope, its audit name), which is the sign-in package's business,
and ``report`` writes files for meetings, which is the reports package's, so
those two commands are run from :mod:`access.batch` and :mod:`reports.cli`
(geodata itself never imports the packages above it).
"""

import runpy
import sys

from geodata.io.gdal import lock_environment

lock_environment()  # before anything imports pyogrio (see geodata/__init__.py)

from geodata.atomic import private_umask  # noqa: E402
from geodata.terminal import library_output_to_log  # noqa: E402

private_umask()  # outputs, working files and GDAL's side files: 0600, folders 0700

DELEGATED = {"import": "access.batch", "report": "reports.cli"}

with library_output_to_log():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command in DELEGATED:
        sys.argv = [f"python -m geodata {command}", *sys.argv[2:]]
        code = 0
        try:
            runpy.run_module(DELEGATED[command], run_name="__main__", alter_sys=True)
        except SystemExit as done:  # the command exits with its own code
            code = done.code
    else:
        from geodata.cli import main

        code = main()
sys.exit(code)
