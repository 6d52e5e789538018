"""``python -m geodata validate|convert|export|synth|copy`` (see :mod:`geodata.cli`).

Library output (warnings, GDAL's messages, tracebacks) goes to the log, the command's own sentences to the
terminal (:mod:`geodata.terminal`).
"""

import sys

from geodata.terminal import library_output_to_log

with library_output_to_log():
    from geodata.cli import main

    code = main()
sys.exit(code)
