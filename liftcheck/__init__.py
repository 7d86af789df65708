"""liftcheck: check lifting form from video, lift by lift."""

__version__ = "0.1.0"
