"""``python -m geodata validate|convert|export|synth|copy|import|report`` (:mod:`geodata.cli`, :mod:`access.batch`).

An entry script, not a module the app imports: ``import`` writes as an
account (its scope, its audit name), which is the sign-in package's business,
so that one command lives in :mod:`access.batch`.
"""

import sys

if len(sys.argv) > 1 and sys.argv[1] == "import":
    from access.batch import main

    sys.exit(main(sys.argv[2:]))

if len(sys.argv) > 1 and sys.argv[1] == "report":  # files for meetings are the reports package's business
    from reports.cli import main

    sys.exit(main(sys.argv[2:]))

from geodata.cli import main

sys.exit(main())
