"""``python -m liftcheck.evaluate [DIR]``: accuracy on the labelled clips (``workshop/evaluate.py`` does it)."""

import sys

from liftcheck.workshop.evaluate import main

if __name__ == "__main__":
    sys.exit(main())
