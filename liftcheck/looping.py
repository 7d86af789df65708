"""Long videos made from a short clip, for the benchmarks and tests (never for users' videos).

``encode_loop`` re-encodes a clip once at a constant rate without B-frames, so that
``loop_video`` can repeat its packets, timestamps shifted, into a video of any length
in seconds, without encoding again.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from liftcheck.video import VideoReader


def encode_loop(clip: Path, out: Path, fps: int = 30, max_side_px: int | None = None) -> tuple[int, float]:
    """The clip once, re-encoded as H.264 at a constant ``fps`` (no B-frames); (frames, seconds).

    ``max_side_px`` shrinks it (None keeps its size)."""
    count = 0
    with av.open(str(out), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.pix_fmt = "yuv420p"
        # No B-frames: every packet's dts equals its pts, so loops join by shifting both.
        stream.options = {"crf": "23", "preset": "veryfast", "bf": "0"}
        for frame in VideoReader(clip, max_fps=fps, max_side_px=max_side_px):
            rgb = frame.rgb
            height, width = rgb.shape[0] // 2 * 2, rgb.shape[1] // 2 * 2
            if count == 0:
                stream.width, stream.height = width, height
            picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb[:height, :width]), format="rgb24")
            picture.pts = count
            picture.time_base = Fraction(1, fps)
            for packet in stream.encode(picture):
                container.mux(packet)
            count += 1
        for packet in stream.encode():
            container.mux(packet)
    return count, count / fps


def loop_video(one_loop: Path, out: Path, seconds: float) -> float:
    """Copy the packets of ``one_loop`` over and over, timestamps shifted, until ``seconds``; its length."""
    with av.open(str(one_loop)) as source:
        src = source.streams.video[0]
        time_base = src.time_base
        packets = [
            (bytes(p), p.pts, p.dts, p.duration, p.is_keyframe)
            for p in source.demux(src)
            if p.size and p.pts is not None and p.dts is not None
        ]
        first = min(p[1] for p in packets)
        last = max(p[1] + (p[3] or 0) for p in packets)
        span = last - first  # one loop, in the stream's time base
        limit = int(seconds / time_base)
        end = 0
        with av.open(str(out), mode="w", format="mp4") as target:
            dst = target.add_stream_from_template(src)
            shift = 0
            done = False
            while not done:
                for data, pts, dts, duration, key in packets:
                    if pts - first + shift >= limit:
                        done = True
                        break
                    packet = av.Packet(data)
                    packet.pts, packet.dts = pts - first + shift, dts - first + shift
                    packet.duration = duration
                    packet.is_keyframe = key
                    packet.time_base = time_base
                    packet.stream = dst
                    target.mux(packet)
                    end = packet.pts + (duration or 0)
                shift += span
    return float(end * time_base)
