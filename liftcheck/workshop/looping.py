"""Long videos made from a short clip, for the benchmarks and tests (never for users' videos).

``encode_loop`` re-encodes a clip once at a constant rate without B-frames, so that
``loop_video`` can repeat its packets, timestamps shifted, into a video of any length
in seconds, without encoding again. The encoding itself is ``video.py``'s.
"""

from __future__ import annotations

from pathlib import Path

from liftcheck.video import VideoReader, encode_constant_rate, repeat_packets


def encode_loop(clip: Path, out: Path, fps: int = 30, max_side_px: int | None = None) -> tuple[int, float]:
    """The clip once, re-encoded as H.264 at a constant ``fps`` (no B-frames); (frames, seconds).

    ``max_side_px`` shrinks it (None keeps its size)."""
    frames = (frame.rgb for frame in VideoReader(clip, max_fps=fps, max_side_px=max_side_px))
    count = encode_constant_rate(frames, out, fps=fps)
    return count, count / fps


def loop_video(one_loop: Path, out: Path, seconds: float) -> float:
    """Copy the packets of ``one_loop`` over and over, timestamps shifted, until ``seconds``; its length."""
    return repeat_packets(one_loop, out, seconds)
