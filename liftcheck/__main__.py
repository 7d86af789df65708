"""``python -m liftcheck`` is the ``liftcheck`` command."""

import sys

from liftcheck.cli import main

sys.exit(main())
