"""``python -m liftcheck.workshop.synthetic``: a summary of the synthetic demo clip."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from liftcheck.workshop.synthetic.scenarios import _summary, demo_clip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m liftcheck.workshop.synthetic", description="Print a summary of the synthetic demo clip."
    )
    parser.add_argument("--view-yaw-deg", type=float, default=60.0, help="0 front, 90 side (facing image-left)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(_summary(demo_clip(view_yaw_deg=args.view_yaw_deg, seed=args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
