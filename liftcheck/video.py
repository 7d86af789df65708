"""Reading and writing video: the only module (with ``draw.py``'s images) that decodes or encodes frames.

Frames come out upright (phone rotation metadata applied), as RGB ``uint8`` arrays of
shape (H, W, 3), each with its time on the video's own clock. Times are strictly
increasing: frames with a duplicate or out-of-order timestamp are skipped and counted,
because the pose landmarker refuses them. The reader can thin a high-frame-rate file
to a chosen analysis rate and shrink large frames before inference. The writer makes the
annotated H.264 video; ``cut_video``, ``encode_constant_rate`` and ``repeat_packets`` make
whole files for the workshop (the sample clips, long test videos).
"""

from __future__ import annotations

import bisect
import contextlib
import io
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import av
import av.error
import numpy as np

from liftcheck.config import CLI_LIMITS, LimitsConfig

# FFmpeg's demuxers for the containers liftcheck reads, and the only ones it lets parse a file:
# "mov" is MP4/MOV/M4V/3GP, "matroska" is MKV and WebM, and an animated GIF is a short video.
# (FFmpeg matches a demuxer named "mov,mp4,m4a,3gp,3g2,mj2" by any of its names.) Everything
# else (a playlist, a concat script, a network description, ~350 other demuxers) is refused
# before its header is read.
VIDEO_CONTAINERS = ("mov", "matroska", "avi", "gif")
# Demuxers a refused file may be read with only to say what it is (the message names it):
# still images, audio and other video containers, none of which opens any other file.
_NAMEABLE_FORMATS = (
    "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "tiff_pipe", "apng", "j2k_pipe", "qoi_pipe",
    "wav", "mp3", "aac", "flac", "ogg", "w64", "aiff",
    "mpegts", "mpeg", "flv", "asf", "yuv4mpegpipe", "h264", "hevc", "mjpeg", "rm",
)  # fmt: skip
# Of those, the ones that hold a still image.
_IMAGE_FORMATS = ("png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "tiff_pipe", "apng", "j2k_pipe", "qoi_pipe")
# What a text file that FFmpeg would follow to other files or addresses starts with, and what it is.
_SCRIPTS = (
    (b"ffconcat version", "an ffconcat script (a list of other files to read)"),
    (b"#EXTM3U", "an HLS playlist (a list of other files or addresses to read)"),
    (b"<MPD", "a DASH manifest (a list of other files or addresses to read)"),
    (b"v=0", "an SDP session description (it names network streams)"),
)
# Options for opening a file: FFmpeg parses it only with the demuxers above and opens nothing
# else on its behalf (no protocol at all is allowed for a nested open; the file itself is a
# Python file object, so no name is ever taken for a URL).
# Written files are named "file:" + their absolute path, so a name like "http:host:80" is a file too.
_FILE_ONLY = {"protocol_whitelist": "file"}
_FASTSTART = {"movflags": "+faststart"}
_OPEN_OPTIONS = {"format_whitelist": ",".join(VIDEO_CONTAINERS), "protocol_whitelist": "none"}
_NAME_OPTIONS = {"format_whitelist": ",".join(_NAMEABLE_FORMATS), "protocol_whitelist": "none"}
# Box types an MP4/MOV file can start with, and the first bytes of a Matroska/WebM file.
_MP4_FIRST_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"styp")
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"


# Decoder threads per file: 0 lets FFmpeg choose (frame threads: one per core and one more).
_decode_threads = 0


def one_thread_each() -> None:
    """For a process that is one of as many workers as there are cores: OpenCV and each decoder on one thread.

    With every core busy with a worker, more threads per worker only contend, and each FFmpeg
    frame thread holds pictures of its own (about 25 MiB for a 720p H.264 file, our measurement).
    OpenCV is told through its environment setting, so a worker that never draws never loads it
    (it takes 27 MiB of a worker's memory, our measurement); one that already has it is told directly.
    """
    global _decode_threads
    import os
    import sys

    os.environ["OPENCV_FOR_THREADS_NUM"] = "1"
    if "cv2" in sys.modules:
        sys.modules["cv2"].setNumThreads(1)
    _decode_threads = 1


class VideoError(ValueError):
    """The file is not a video that can be analysed; the message says why."""


class VideoWriteError(OSError):
    """A video could not be written (a full disk, a frame the encoder cannot take); the message says why.

    The half-written file is removed before this is raised.
    """


@dataclass(frozen=True)
class VideoInfo:
    """What a video file says about itself, with width and height as displayed (upright)."""

    width: int
    height: int
    rotation_deg: int  # how far the stored pixels are turned from upright (0, 90, 180, 270)
    fps: float  # the nominal (average) frame rate; variable-rate files vary around it
    duration_s: float
    frame_count: int  # as the container says; 0 when it does not say
    codec: str
    container: str = ""  # FFmpeg's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "gif"
    stream_index: int = 0  # which of the file's streams holds the video (see _video_stream)


@dataclass(frozen=True, eq=False)
class Frame:
    """One upright frame: ``rgb`` is (H, W, 3) uint8, ``t_s`` its time in seconds."""

    index: int  # position among the file's frames (a ``SpanReader``'s: since its seek, when unplanned), from 0
    t_s: float
    rgb: np.ndarray


@dataclass
class ReadStats:
    """What happened while reading: how many frames, and what was skipped or broken."""

    decoded: int = 0
    kept: int = 0
    thinned: int = 0  # skipped on purpose to keep to the analysis rate
    passed_over: int = 0  # of the thinned, frames not even decoded (see ``_PassOver``)
    bad_timestamps: int = 0  # skipped because the time was not after the previous frame's
    truncated: bool = False  # the file ended in the middle of its data
    stopped_at_limit: bool = False  # reading stopped at LimitsConfig.max_frames or max_duration_s
    problems: list[str] = field(default_factory=list)

    @property
    def read(self) -> int:
        """Frames read from the file: decoded, or passed over undecoded."""
        return self.decoded + self.passed_over


def _label(path: Path) -> str:
    # The name alone keeps messages short; "." or "/" have no name, so show those whole.
    return path.name or str(path)


def _read_vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int | None, int]:
    """An EBML variable-length integer at ``pos``: (value, position after it); value None if unknown or cut."""
    if pos >= len(data) or data[pos] == 0:
        return None, len(data)
    length = 8 - data[pos].bit_length() + 1
    if pos + length > len(data):
        return None, len(data)
    value = int.from_bytes(data[pos : pos + length], "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
        if value == (1 << (7 * length)) - 1:  # all ones: "size unknown", written by live recorders
            return None, pos + length
    return value, pos + length


def _mp4_cut_short(handle: BinaryIO, size: int) -> str | None:
    offset = 0
    seen: set[bytes] = set()
    while offset + 8 <= size:
        handle.seek(offset)
        header = handle.read(16)
        box_size = int.from_bytes(header[:4], "big")
        kind = header[4:8]
        if not all(32 <= b < 127 for b in kind):
            return None  # not a box any more: say nothing rather than guess
        if box_size == 1:
            if len(header) < 16:
                return f"it ends inside the header of its '{kind.decode()}' box"
            box_size = int.from_bytes(header[8:16], "big")
        elif box_size == 0:
            box_size = size - offset  # "runs to the end of the file"
        if box_size < 8:
            return None
        seen.add(kind)
        if offset + box_size > size:
            return (
                f"it ends {size - offset:,} bytes into its '{kind.decode()}' box, which should hold {box_size:,} bytes"
            )
        offset += box_size
    if b"mdat" in seen and not seen & {b"moov", b"moof"}:
        return "it holds picture data but not the index (the 'moov' box) that is written when recording ends"
    return None


def _matroska_cut_short(handle: BinaryIO, size: int) -> str | None:
    head = handle.read(64)
    _, pos = _read_vint(head, 0, keep_marker=True)  # EBML header id
    header_size, pos = _read_vint(head, pos, keep_marker=False)
    if header_size is None:
        return None
    handle.seek(pos + header_size)
    segment = handle.read(12)
    segment_id, seg_pos = _read_vint(segment, 0, keep_marker=True)
    if segment_id != 0x18538067:
        return None
    segment_size, seg_pos = _read_vint(segment, seg_pos, keep_marker=False)
    if segment_size is None:
        return None
    expected = pos + header_size + seg_pos + segment_size
    if expected > size:
        return f"it holds {size:,} of the {expected:,} bytes its header says it has"
    return None


def _cut_short(path: Path) -> str | None:
    """Why the file looks cut off (an MP4/MOV or Matroska/WebM whose own structure runs past its end), or None.

    FFmpeg decodes a cut file up to the cut and then just stops, with no error, so the
    only sure sign is the container's own byte counts.
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            magic = handle.read(8)
            handle.seek(0)
            if magic[4:8] in _MP4_FIRST_BOXES:
                return _mp4_cut_short(handle, size)
            if magic[:4] == _EBML_MAGIC:
                return _matroska_cut_short(handle, size)
    except OSError:
        return None
    return None


class _Opened:
    """An open input file: the container, the stream that holds the video, and the file object under both."""

    def __init__(self, container: av.container.InputContainer, stream: Any, handle: BinaryIO) -> None:
        self.container = container
        self.stream = stream
        self.handle = handle

    def close(self) -> None:
        try:
            self.container.close()
        finally:
            self.handle.close()


def _create(path: str | Path, options: dict[str, str]) -> tuple[av.container.OutputContainer, io.FileIO]:
    """An MP4 written to ``path`` through a file object of ours, so a failed write can always be closed.

    The object's name is "file:" + the absolute path: FFmpeg reopens the file by that name to move
    the index to the front (faststart), and the prefix keeps a name like "http:host:80" a file.
    """
    handle = io.FileIO(Path(path), "w+")
    try:
        handle.name = "file:" + str(Path(path).absolute())
        container = av.open(handle, mode="w", format="mp4", options={**options, **_FILE_ONLY})
    except BaseException:
        handle.close()
        raise
    return container, handle


def _refuse_nested(url: str, flags: int, options: dict) -> BinaryIO:
    # FFmpeg asks this to open another file or address on the file's behalf: never.
    raise PermissionError(f"liftcheck opens no other file or address for a video (asked for {url!r})")


def _threads(limits: LimitsConfig) -> int:
    """Decoder threads for a file: the limit's, or one in a worker process (``one_thread_each``)."""
    return min(limits.decoder_threads, _decode_threads) if _decode_threads else limits.decoder_threads


def _decoder_options(limits: LimitsConfig, threads: int) -> dict[str, str]:
    # max_pixels makes FFmpeg's decoders refuse a larger frame instead of allocating it, also while
    # av.open looks at the first frames (16000×16000: 118 MB instead of 620 MB for that look).
    return {"max_pixels": str(limits.max_pixels), "threads": str(threads)}


def _open_raw(path: Path, limits: LimitsConfig) -> tuple[av.container.InputContainer, BinaryIO]:
    """The file opened as a file (never as a URL), parsed only by the allowed demuxers."""
    handle = path.open("rb")
    try:
        container = av.open(
            handle,
            mode="r",
            container_options=_OPEN_OPTIONS,
            options=_decoder_options(limits, _threads(limits)),
            io_open=_refuse_nested,
        )
    except BaseException:
        handle.close()
        raise
    return container, handle


def _what_it_is(path: Path, limits: LimitsConfig) -> tuple[str | None, list[str]]:
    """(FFmpeg's name for a refused file's format, the kinds of its streams), read with the nameable demuxers only."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
            for magic, what in _SCRIPTS:
                if head.startswith(magic):
                    return what, []
            handle.seek(0)
            with av.open(
                handle,
                container_options=_NAME_OPTIONS,
                options=_decoder_options(limits, _threads(limits)),
                io_open=_refuse_nested,
            ) as container:
                kinds = sorted({str(s.type) for s in container.streams})
                return f"{container.format.name}", kinds
    except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError):
        return None, []


def _not_a_video(path: Path, limits: LimitsConfig, exc: BaseException) -> VideoError:
    """The error for a file the allowed demuxers would not open: cut short, an image, audio, or something else."""
    name = _label(path)
    cut = _cut_short(path)
    if cut:
        return VideoError(
            f"{name} was cut short ({cut}), so nothing in it can be read: copy or upload the whole file again"
        )
    what, kinds = _what_it_is(path, limits)
    if what is None:
        return VideoError(f"{name} is not a video file that can be read (FFmpeg recognises no video container in it)")
    if what in _IMAGE_FORMATS:
        kind = what.removesuffix("_pipe").upper()
        return VideoError(f"{name} is a still image ({kind}), not a video: film the lift and upload the video")
    if kinds and "video" not in kinds:
        return VideoError(f"{name} has no video track (it holds {', '.join(kinds)}; FFmpeg reads it as {what})")
    readable = "MP4/MOV, Matroska/WebM, AVI or an animated GIF"
    if what.startswith(("an ", "a ")):
        return VideoError(f"{name} is not a video file: it is {what}. liftcheck reads only {readable} files")
    return VideoError(
        f"{name} is not a video file liftcheck reads: FFmpeg detects the {what} format; liftcheck reads {readable}"
    )


def _is_cover(stream: Any) -> bool:
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _stream_frames(stream: Any) -> int:
    if stream.frames:
        return int(stream.frames)
    # Matroska keeps the count in a statistics tag when the muxer wrote one.
    tag = str(stream.metadata.get("NUMBER_OF_FRAMES", "") or "")
    return int(tag) if tag.isdigit() else 0


def _stream_duration_s(stream: Any) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    tag = str(stream.metadata.get("DURATION", "") or "")  # Matroska: "00:01:02.500000000"
    try:
        hours, minutes, seconds = tag.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        return 0.0


def _video_stream(container: av.container.InputContainer, name: str) -> Any:
    """The stream that holds the video: never a cover picture, else the one with the most frames (or longest).

    A file can carry a cover or poster picture as a video stream of its own (marked as an
    attached picture, or just a stream of a frame or two) before the real video.
    """
    streams = [s for s in container.streams.video if not _is_cover(s)]
    if not streams:
        if container.streams.video:
            raise VideoError(f"{name} holds only a cover picture, no video")
        kinds: list[str] = sorted({str(s.type) for s in container.streams}) or ["nothing"]
        raise VideoError(f"{name} has no video track (it holds {', '.join(kinds)})")
    decodable = [s for s in streams if s.codec_context is not None]
    if not decodable:
        raise VideoError(f"{name}'s video is in a format ({streams[0].codec_tag or 'unknown'}) that cannot be decoded")
    streams = decodable
    if len(streams) == 1:
        return streams[0]
    if all(_stream_frames(s) for s in streams):
        return max(streams, key=lambda s: (_stream_frames(s), -s.index))
    return max(streams, key=lambda s: (_stream_duration_s(s), -s.index))


def _duration_s(container: av.container.InputContainer, stream: Any) -> float:
    duration = _stream_duration_s(stream)
    if duration <= 0 and container.duration is not None:
        duration = container.duration / av.time_base
    return max(0.0, duration)


def _check_limits(name: str, container: av.container.InputContainer, stream: Any, limits: LimitsConfig) -> None:
    """Refuse a file that asks for more than ``limits`` allow, from what it states, before any frame is decoded."""
    width, height = stream.codec_context.width, stream.codec_context.height
    if width and height:
        if width * height > limits.max_pixels:
            raise VideoError(
                f"{name} has frames of {width}×{height} pixels ({width * height / 1e6:.1f} megapixels); liftcheck "
                f"reads at most {limits.max_pixels / 1e6:.1f} megapixels a frame (the max_pixels limit): "
                "shrink the video"
            )
        if min(width, height) < limits.min_side_px:
            raise VideoError(
                f"{name} has frames of {width}×{height} pixels, too small to show a person: liftcheck needs at least "
                f"{limits.min_side_px} pixels on each side (the min_side_px limit)"
            )
    duration = _duration_s(container, stream)
    if duration > limits.max_duration_s:
        raise VideoError(
            f"{name} lasts {_hms(duration)}; liftcheck analyses at most {_hms(limits.max_duration_s)} of video in one "
            "file (the max_duration_s limit): cut it into parts"
        )
    frames = _stream_frames(stream)
    rate = stream.average_rate or stream.guessed_rate
    if not frames and rate and duration:
        frames = int(duration * float(rate))
    if frames > limits.max_frames:
        raise VideoError(
            f"{name} holds {frames:,} frames; liftcheck analyses at most {limits.max_frames:,} frames in one file "
            "(the max_frames limit): cut it into parts"
        )


def _hms(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h {rest // 60:02d} min" if hours else f"{rest // 60} min {rest % 60:02d} s"


def _open(path: Path, limits: LimitsConfig) -> _Opened:
    """``path`` opened as a video file: refused with a VideoError if it is not one, or asks too much of ``limits``."""
    name = _label(path)
    if not path.exists():
        raise VideoError(f"no such file: {name}")
    if path.is_dir():
        raise VideoError(f"{name} is a folder, not a video file")
    if not path.is_file():
        raise VideoError(f"{name} is not a regular file (a device, a pipe or a socket), not a video file")
    if path.stat().st_size == 0:
        raise VideoError(f"{name} is empty (0 bytes): there is no video in it")
    try:
        container, handle = _open_raw(path, limits)
    except (av.error.FFmpegError, UnicodeDecodeError, PermissionError) as exc:
        raise _not_a_video(path, limits, exc) from exc
    opened = _Opened(container, None, handle)
    try:
        opened.stream = _video_stream(container, name)
        _check_limits(name, container, opened.stream, limits)
        threads = _threads(limits)
        opened.stream.codec_context.thread_count = threads
        opened.stream.codec_context.options = _decoder_options(limits, threads)
    except BaseException:
        opened.close()
        raise
    return opened


def _rotation_of(stream: av.video.stream.VideoStream, first: av.VideoFrame | None) -> int:
    """Degrees (0, 90, 180, 270) to turn the stored picture counter-clockwise to show it upright."""
    rotation = 0.0
    if first is not None:
        rotation = float(getattr(first, "rotation", 0) or 0)
    # FFmpeg's display matrix angle is counter-clockwise; np.rot90 with k=angle/90 turns the same way.
    return int(round(rotation / 90.0)) % 4 * 90


def probe(path: str | Path, *, limits: LimitsConfig = CLI_LIMITS) -> VideoInfo:
    """Read a video's size, rotation, rate and length without decoding all of it.

    Raises VideoError when the file is not a video liftcheck reads, or states more pixels,
    frames or length than ``limits`` allow (checked before any frame is decoded).
    """
    path = Path(path)
    opened = _open(path, limits)
    container, stream = opened.container, opened.stream
    try:
        first = None
        more = False
        try:
            for frame in container.decode(stream):
                if first is not None:
                    more = True
                    break
                first = frame
                if not _is_gif(container):
                    break
        except av.error.FFmpegError as exc:
            raise VideoError(f"{path.name}: no frame could be decoded ({exc.__class__.__name__})") from exc
        if first is None:
            raise VideoError(f"{path.name} has a video track with no frames in it")
        if _is_gif(container) and not more:
            raise VideoError(f"{path.name} is a still image (a GIF with a single frame), not a video")
        rotation = _rotation_of(stream, first)
        width, height = first.width, first.height
        if rotation in (90, 270):
            width, height = height, width
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
        return VideoInfo(
            width=width,
            height=height,
            rotation_deg=rotation,
            fps=fps,
            duration_s=_duration_s(container, stream),
            frame_count=_stream_frames(stream),
            codec=stream.codec_context.name,
            container=container.format.name,
            stream_index=stream.index,
        )
    finally:
        opened.close()


def _is_gif(container: av.container.InputContainer) -> bool:
    return container.format.name == "gif"


def _scaled_size(width: int, height: int, max_side_px: int | None) -> tuple[int, int]:
    if not max_side_px or max(width, height) <= max_side_px:
        return width, height
    scale = max_side_px / max(width, height)
    # Even sizes keep every later step (yuv420p encoding) happy.
    return max(2, int(round(width * scale / 2)) * 2), max(2, int(round(height * scale / 2)) * 2)


class VideoReader:
    """Upright RGB frames of a file, with strictly increasing times, at most ``max_fps`` a second.

    Use as a context manager and iterate; ``stats`` says afterwards what was skipped,
    and whether the file was cut short.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        max_fps: float | None = 30.0,
        max_side_px: int | None = 1280,
        limits: LimitsConfig = CLI_LIMITS,
    ) -> None:
        if max_fps is not None and not (max_fps > 0 and math.isfinite(max_fps)):
            raise ValueError(f"max_fps must be a positive number of frames per second or None, got {max_fps!r}")
        self.path = Path(path)
        self.limits = limits
        self.info = probe(self.path, limits=limits)
        self.max_fps = max_fps
        self.max_side_px = max_side_px
        self.stats = ReadStats()
        self._opened: _Opened | None = None
        self._last_t: float | None = None
        self._pass_over: _PassOver | None = None
        self._last_passed_t: float | None = None

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def frame_size(self) -> tuple[int, int]:
        """(width, height) of the frames it gives: upright, shrunk to ``max_side_px``."""
        return _scaled_size(self.info.width, self.info.height, self.max_side_px)

    def close(self) -> None:
        if self._opened is not None:
            self._opened.close()
            self._opened = None

    def __iter__(self) -> Iterator[Frame]:
        self.close()
        self.stats = ReadStats()
        self._last_t = self._last_passed_t = self._pass_over = None
        opened = _open(self.path, self.limits)
        self._opened = opened
        container, stream = opened.container, opened.stream
        # Frame-parallel decoding, on at most limits.decoder_threads threads (set in _open).
        stream.thread_type = "AUTO"
        if _is_gif(container):
            self.stats.problems.append(
                f"{_label(self.path)} is an animated GIF: it was analysed as a video of {self.info.width}×"
                f"{self.info.height} pixels at {self.info.fps:.3g} frames a second. A GIF keeps 256 colours and is "
                "often cut down from a video: the camera's own video file gives the pose model more to see."
            )
        k = self.info.rotation_deg // 90
        stored_w, stored_h = (self.info.height, self.info.width) if k % 2 else (self.info.width, self.info.height)
        out_w, out_h = _scaled_size(stored_w, stored_h, self.max_side_px)
        thinning = _Thinning(self.max_fps)
        # Thinning a file, the pictures no other picture needs are not decoded unless kept (``_PassOver``).
        # A file whose frame rate is within the analysis rate is thinned little if at all: not planned.
        max_fps = self.max_fps
        if max_fps and self.info.fps > max_fps:
            self._pass_over = _PassOver.planned(
                self.path, self.limits, lambda stamps, start, base: _thinned_stamps(stamps, start, base, max_fps)
            )
        try:
            for index, frame, t_s in self._timed(container, stream):
                if not thinning.keep(t_s):
                    self.stats.thinned += 1
                    continue
                self.stats.kept += 1
                yield Frame(index=index, t_s=t_s, rgb=_upright_rgb(frame, out_w, out_h, k))
        except av.error.FFmpegError as exc:
            # A file cut off mid-write: keep what decoded, and say so.
            self.stats.truncated = True
            self.stats.problems.append(
                f"{self.path.name} stops in the middle of its data after {self.stats.read} frames "
                f"({exc.__class__.__name__}); the rest could not be read"
            )
        finally:
            self.close()
        self._check_the_end()

    def _nominal_s(self) -> float:
        return 1.0 / self.info.fps if self.info.fps > 0 else 1.0 / 30.0

    def _decoded(self, container: av.container.InputContainer, stream: Any) -> Iterator[Any]:
        """The decoded frames of ``stream``, less the pictures ``self._pass_over`` lets through undecoded."""
        for packet in container.demux(stream):
            pass_over = self._pass_over
            if pass_over is not None and pass_over.skips(packet):
                self.stats.passed_over += 1
                self.stats.thinned += 1
                t_s = float((packet.pts - (stream.start_time or 0)) * stream.time_base)
                self._last_passed_t = t_s if self._last_passed_t is None else max(self._last_passed_t, t_s)
                continue
            yield from packet.decode()

    def _timed(self, container: av.container.InputContainer, stream: Any) -> Iterator[tuple[int, Any, float]]:
        """(index, decoded frame, time in s) with strictly increasing times; the others are counted and skipped."""
        time_base = stream.time_base
        start = stream.start_time or 0
        limits = self.limits
        pass_over = self._pass_over
        for frame in self._decoded(container, stream):
            index = self.stats.read if pass_over is None else pass_over.position(frame.pts, self.stats.read)
            if index >= limits.max_frames:
                # For containers that state no frame count (checked at open for the others).
                self._stop_at_limit(f"{limits.max_frames:,} frames (the max_frames limit)")
                return
            self.stats.decoded += 1
            if frame.pts is not None and time_base is not None:
                t_s = float((frame.pts - start) * time_base)
            elif self._last_t is not None:
                t_s = self._last_t + self._nominal_s()
            else:
                t_s = 0.0
            if self._last_t is not None and t_s <= self._last_t:
                self.stats.bad_timestamps += 1
                self._pass_over = pass_over = None  # the plan from the packets does not hold for this file
                continue
            if t_s > limits.max_duration_s:
                self._stop_at_limit(f"{_hms(limits.max_duration_s)} (the max_duration_s limit)")
                return
            self._last_t = t_s
            yield index, frame, t_s

    def _stop_at_limit(self, limit: str) -> None:
        # Reported, not raised: what was read so far is analysed, and the report says where it stopped.
        self.stats.stopped_at_limit = True
        self.stats.problems.append(
            f"{_label(self.path)} goes on past {limit}: the analysis stopped there and the rest was not analysed"
        )

    def _check_the_end(self) -> None:
        """After reading: say whether the file was cut short, and how many frames had bad times."""
        last_t = self._last_t
        if self._last_passed_t is not None and (last_t is None or self._last_passed_t > last_t):
            last_t = self._last_passed_t  # the file's last frame was passed over, not missing
        cut = None if self.stats.truncated or self.stats.stopped_at_limit else _cut_short(self.path)
        if cut:
            self.stats.truncated = True
            upto = f"up to {last_t:.1f} s " if last_t is not None else ""
            self.stats.problems.append(
                f"{_label(self.path)} was cut short ({cut}): the {self.stats.read} frames {upto}were read, "
                "the rest of the recording is missing"
            )
        if (
            self.info.duration_s
            and last_t is not None
            and not self.stats.truncated
            and not self.stats.stopped_at_limit
            and last_t + 2 * self._nominal_s() < self.info.duration_s - 1.0
        ):
            # For containers whose byte counts are not checked above: the clock says frames are missing.
            self.stats.truncated = True
            self.stats.problems.append(
                f"{self.path.name} ends at {last_t:.1f} s although it says it lasts {self.info.duration_s:.1f} s: "
                "the file looks cut short"
            )
        if self.stats.bad_timestamps:
            self.stats.problems.append(
                f"{self.stats.bad_timestamps} frames had a time not after the frame before and were skipped"
            )


def _upright_rgb(frame: av.VideoFrame, width: int, height: int, quarter_turns: int) -> np.ndarray:
    """A decoded frame as RGB at ``width``×``height`` (its stored orientation), turned upright."""
    rgb: np.ndarray = frame.to_ndarray(format="rgb24", width=width, height=height)
    return np.ascontiguousarray(np.rot90(rgb, quarter_turns)) if quarter_turns else rgb


class _Thinning:
    """Which frames to keep to analyse at most ``max_fps`` a second (None: every frame).

    A frame is kept when it is at least most of a period after the last kept one (so a 60 fps
    file analysed at 30 keeps every other frame despite timestamp jitter) and when it falls in
    a new 1/max_fps slot of a grid starting at the first frame: without the grid, a file up to a
    third faster than max_fps (35 fps for 30) would keep every frame.
    """

    EARLY = 0.25  # of a period

    def __init__(self, max_fps: float | None) -> None:
        self.max_fps = max_fps
        self.period = 1.0 / max_fps if max_fps else 0.0
        self.first_t: float | None = None
        self.last_slot = -1
        self.last_kept_t: float | None = None

    def keep(self, t_s: float) -> bool:
        if not self.max_fps:
            return True
        if self.first_t is None:
            self.first_t = t_s
        slot = math.floor((t_s - self.first_t) * self.max_fps + self.EARLY)
        too_soon = self.last_kept_t is not None and t_s - self.last_kept_t < (1.0 - self.EARLY) * self.period
        if slot <= self.last_slot or too_soon:
            return False
        self.last_slot, self.last_kept_t = slot, t_s
        return True


# -- the frames of a file without decoding it, and a planned stretch of them (one long video on every core)


def _packet_stamps(container: av.container.InputContainer, stream: Any) -> list[int] | None:
    """Every frame's presentation time (in ``stream.time_base``), sorted, read from the packets alone.

    Demuxing costs a few milliseconds a minute of video, decoding it about a thousand times more. A
    decoder gives each frame its packet's presentation time, so the packets' times, sorted, are the
    frames' times. None when that cannot be trusted: a packet without a time, or two packets with one
    time (``VideoReader`` would skip one).
    """
    if stream.time_base is None:
        return None
    stamps = []
    try:
        for packet in container.demux(stream):
            if (packet.dts is None and packet.pts is None) or getattr(packet, "is_discard", False):
                continue  # the demuxer's flush packet, or one an edit list cuts (its frame is never shown)
            if packet.pts is None:
                return None
            stamps.append(packet.pts)
    except av.error.FFmpegError:
        return None
    stamps.sort()
    if any(b == a for a, b in zip(stamps, stamps[1:])):
        return None
    return stamps


def _thinned_stamps(stamps: Sequence[int], start: int, time_base: Fraction, max_fps: float | None) -> list[int]:
    """Of the frames' sorted times, those ``VideoReader`` keeps at ``max_fps``."""
    thinning = _Thinning(max_fps)
    return [pts for pts in stamps if thinning.keep(float((pts - start) * time_base))]


def frame_times(path: str | Path, max_fps: float | None, *, limits: LimitsConfig = CLI_LIMITS) -> list[float] | None:
    """The times (s) of the frames a ``VideoReader`` with ``max_fps`` would give, read from the packets alone.

    Thinning the packets' times (``_packet_stamps``) as ``VideoReader`` does gives its frames. None
    when the packets' times cannot be trusted.
    """
    opened = _open(Path(path), limits)
    container, stream = opened.container, opened.stream
    try:
        stamps = _packet_stamps(container, stream)
    finally:
        opened.close()
    if stamps is None:
        return None
    start, time_base = stream.start_time or 0, stream.time_base
    return [float((pts - start) * time_base) for pts in _thinned_stamps(stamps, start, time_base, max_fps)]


# H.264 network abstraction layer unit types: a coded slice of a picture other than an IDR picture (1), and
# units that only describe the picture they come with (6: SEI, 9: access unit delimiter, 12: filler).
_AVC_SLICE = 1
_AVC_ALONGSIDE = (6, 9, 12)


class _PassOver:
    """Which of an H.264 file's packets a thinned read may pass over without decoding them.

    A picture whose slices all have ``nal_ref_idc`` 0 is never used to predict another, so leaving
    it out changes no other picture, to the last bit. Such a picture that the thinning drops anyway
    need not be decoded: in a 60 fps phone video analysed at 30 fps, about four frames in five of those
    dropped (our measurement on the shared clips), which was a fifth to a third of the decoding.
    Only packets of coded slices and the units that travel with them qualify (a packet that also
    carries parameter sets is decoded). Only H.264 in MP4/MOV/Matroska (length-prefixed units) is read
    this way; any other file is decoded whole, as before.
    """

    def __init__(self, stamps: Sequence[int], kept: Iterable[int], length_size: int) -> None:
        self.stamps = stamps
        self.kept = frozenset(kept)
        self.length_size = length_size

    @classmethod
    def planned(
        cls, path: Path, limits: LimitsConfig, keep: Callable[[Sequence[int], int, Fraction], list[int]]
    ) -> _PassOver | None:
        """The plan for reading ``path`` for the frames ``keep`` picks; None when nothing may be passed over.

        ``keep`` gets every frame's time, sorted, with the stream's start and time base, and gives those read.
        """
        opened = _open(path, limits)
        try:
            container, stream = opened.container, opened.stream
            context = stream.codec_context
            extradata = bytes(context.extradata or b"")
            # An "avcC" record (ISO/IEC 14496-15): version 1, then the units' length prefix size in byte 4.
            if context.name != "h264" or len(extradata) < 7 or extradata[0] != 1:
                return None
            stamps = _packet_stamps(container, stream)
            if stamps is None:
                return None
            kept = keep(stamps, stream.start_time or 0, stream.time_base)
            if len(kept) == len(stamps):
                return None  # nothing is thinned
            return cls(stamps, kept, (extradata[4] & 0x03) + 1)
        finally:
            opened.close()

    def position(self, pts: int | None, fallback: int) -> int:
        """Where the frame at ``pts`` stands among the file's frames (``fallback`` for an unplanned one)."""
        if pts is None:
            return fallback
        at = bisect.bisect_left(self.stamps, pts)
        return at if at < len(self.stamps) and self.stamps[at] == pts else fallback

    def skips(self, packet: av.Packet) -> bool:
        """True for a packet whose picture is dropped by the thinning and is no other picture's reference."""
        if packet.pts is None or packet.pts in self.kept or getattr(packet, "is_discard", False):
            return False
        return self.unreferenced(memoryview(packet), self.length_size)

    @staticmethod
    def unreferenced(data: memoryview | bytes, length_size: int) -> bool:
        """True when the packet's units are slices of a picture no other uses, and units that go with them."""
        pos, slices = 0, 0
        while pos < len(data):
            if pos + length_size > len(data):
                return False
            size = int.from_bytes(data[pos : pos + length_size], "big")
            pos += length_size
            if size == 0 or pos + size > len(data):
                return False  # not a well-formed packet: decode it and let the decoder judge
            header = data[pos]
            kind, referenced = header & 0x1F, header & 0x60
            if kind == _AVC_SLICE and not referenced:
                slices += 1
            elif kind not in _AVC_ALONGSIDE:
                return False  # a referenced slice, an IDR picture, parameter sets or anything else
            pos += size
        return slices > 0


class SpanReader(VideoReader):
    """The frames of a file at exactly ``times_s`` (sorted, as ``frame_times`` gave them), decoded from a seek.

    Seeks to the key frame before the first time and decodes to the last, giving the frames whose
    times are planned and skipping the others (thinned out, as ``VideoReader`` would). ``missing``
    counts planned times no frame had: the plan was not this file's frames after all.
    """

    def __init__(
        self,
        path: str | Path,
        times_s: Sequence[float],
        *,
        max_side_px: int | None = 1280,
        limits: LimitsConfig = CLI_LIMITS,
    ) -> None:
        super().__init__(path, max_fps=None, max_side_px=max_side_px, limits=limits)
        self.times_s = tuple(times_s)
        self.missing = 0

    def __iter__(self) -> Iterator[Frame]:
        self.close()
        self.stats = ReadStats()
        self.missing = 0
        self._last_t = self._last_passed_t = None
        if not self.times_s:
            return
        self._pass_over = _PassOver.planned(self.path, self.limits, self._planned)
        opened = _open(self.path, self.limits)
        self._opened = opened
        container, stream = opened.container, opened.stream
        stream.thread_type = "AUTO"
        k = self.info.rotation_deg // 90
        stored_w, stored_h = (self.info.height, self.info.width) if k % 2 else (self.info.width, self.info.height)
        out_w, out_h = _scaled_size(stored_w, stored_h, self.max_side_px)
        first, last = self.times_s[0], self.times_s[-1]
        tolerance = 1e-6
        wanted = iter(self.times_s)
        next_t: float | None = next(wanted)
        try:
            if first > 0 and stream.time_base is not None:
                target = int(first / stream.time_base) + (stream.start_time or 0)
                container.seek(target, stream=stream, backward=True, any_frame=False)
            for index, frame, t_s in self._timed(container, stream):
                if t_s < first - tolerance:
                    continue
                if t_s > last + tolerance:
                    break
                while next_t is not None and next_t < t_s - tolerance:
                    self.missing += 1
                    next_t = next(wanted, None)
                if next_t is None or abs(next_t - t_s) > tolerance:
                    self.stats.thinned += 1
                    continue
                next_t = next(wanted, None)
                self.stats.kept += 1
                yield Frame(index=index, t_s=t_s, rgb=_upright_rgb(frame, out_w, out_h, k))
        except av.error.FFmpegError as exc:
            self.stats.truncated = True
            self.stats.problems.append(f"{self.path.name}: decoding stopped ({exc.__class__.__name__})")
        finally:
            self.close()
        self.missing += sum(1 for _ in wanted) + (next_t is not None)

    def _planned(self, stamps: Sequence[int], start: int, time_base: Fraction) -> list[int]:
        """Of the frames' times, those planned (within the tolerance ``__iter__`` matches them by)."""
        times = self.times_s
        kept = []
        for pts in stamps:
            t_s = float((pts - start) * time_base)
            at = bisect.bisect_left(times, t_s - 1e-6)
            if at < len(times) and abs(times[at] - t_s) <= 1e-6:
                kept.append(pts)
        return kept


def read_frames(
    path: str | Path,
    *,
    max_fps: float | None = 30.0,
    max_side_px: int | None = 1280,
    limits: LimitsConfig = CLI_LIMITS,
) -> Iterator[Frame]:
    """Shorthand for iterating a ``VideoReader``."""
    with VideoReader(path, max_fps=max_fps, max_side_px=max_side_px, limits=limits) as reader:
        yield from reader


class VideoWriter:
    """Writes RGB frames to an H.264 MP4 (yuv420p, moov atom first) that browsers play.

    The "superfast" x264 preset halves the encoding cost of "veryfast" at 720p (benchmarks/throughput.py),
    for somewhat larger files. Frames are timed by the ``t_s`` given with each, so a variable-rate source keeps its
    timing. Odd widths or heights are trimmed by one pixel, as yuv420p needs even sizes.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        fps_hint: float = 30.0,
        crf: int = 23,
        preset: str = "superfast",
        b_frames: bool = True,
    ) -> None:
        self.path = Path(path)
        # Without B-frames every packet's decoding time is its presentation time, so pieces of one
        # video written apart can be joined by copying their packets (``join_videos``).
        self._b_frames = b_frames
        self._fps_hint = fps_hint
        self._crf = crf
        self._preset = preset
        self._container: av.container.OutputContainer | None = None
        self._handle: io.FileIO | None = None
        self._stream: av.video.stream.VideoStream | None = None
        self._size: tuple[int, int] | None = None
        self._last_pts = -1
        self.frames_written = 0

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def _start(self, width: int, height: int) -> None:
        self._container, self._handle = _create(self.path, _FASTSTART)
        rate = Fraction(self._fps_hint).limit_denominator(1001) if self._fps_hint > 0 else Fraction(30)
        stream = self._container.add_stream("libx264", rate=rate)
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, 1000)
        stream.codec_context.time_base = Fraction(1, 1000)
        stream.options = {"crf": str(self._crf), "preset": self._preset, **({} if self._b_frames else {"bf": "0"})}
        self._stream = stream
        self._size = (width, height)

    def write(self, rgb: np.ndarray, t_s: float) -> None:
        """Append one (H, W, 3) uint8 RGB frame shown at ``t_s`` seconds.

        Raises VideoWriteError (the half-written file removed) when the frame cannot be
        encoded or the file cannot be written, e.g. on a full disk.
        """
        if rgb.ndim != 3 or rgb.shape[2] != 3:
            raise ValueError(f"VideoWriter.write needs an (H, W, 3) RGB frame, got shape {rgb.shape}")
        height, width = rgb.shape[0] // 2 * 2, rgb.shape[1] // 2 * 2
        if self._stream is not None and (width, height) != self._size:
            raise ValueError(f"frame size changed from {self._size} to {(width, height)} in one video")
        if width < 2 or height < 2:
            raise VideoWriteError(
                f"cannot write {self.path.name}: its frames would be {width}×{height} pixels, and H.264 needs at "
                "least 2×2"
            )
        pts = max(int(round(t_s * 1000)), self._last_pts + 1)
        try:
            if self._stream is None:
                self._start(width, height)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb[:height, :width]), format="rgb24")
            frame.pts = pts
            frame.time_base = Fraction(1, 1000)
            assert self._container is not None and self._stream is not None
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
        except (av.error.FFmpegError, OSError) as exc:
            self.abort()
            raise self._failed(exc) from exc
        self._last_pts = pts
        self.frames_written += 1

    def close(self) -> None:
        """Finish the file; on a failure, remove it and raise VideoWriteError."""
        if self._container is None:
            return
        assert self._stream is not None
        try:
            for packet in self._stream.encode():
                self._container.mux(packet)
            container, self._container = self._container, None
            container.close()
        except (av.error.FFmpegError, OSError) as exc:
            self.abort()
            raise self._failed(exc) from exc
        finally:
            self._close_handle()

    def abort(self) -> None:
        """Close without finishing, and remove the half-written file. Never raises."""
        container, self._container = self._container, None
        if container is not None:
            # The file object is closed next, whatever state a failed close leaves PyAV in.
            with contextlib.suppress(av.error.FFmpegError, OSError):
                container.close()
        started = self._handle is not None
        self._close_handle()
        if started:
            with contextlib.suppress(OSError):
                self.path.unlink(missing_ok=True)

    def _close_handle(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            with contextlib.suppress(OSError):
                handle.close()

    def _failed(self, exc: BaseException) -> VideoWriteError:
        reason = getattr(exc, "strerror", None) or str(exc)
        return VideoWriteError(f"could not write the video {self.path.name}: {reason}")


def av_frame_to_rgb(frame: av.VideoFrame) -> tuple[np.ndarray, float | None]:
    """An (H, W, 3) uint8 RGB array and the frame's time in seconds (None when it carries none).

    For camera frames arriving over WebRTC; the frame's own rotation tag is applied.
    """
    rgb: np.ndarray = frame.to_ndarray(format="rgb24")
    k = int(round(float(getattr(frame, "rotation", 0) or 0) / 90.0)) % 4
    if k:
        rgb = np.ascontiguousarray(np.rot90(rgb, k))
    t_s = float(frame.time) if frame.time is not None else None
    return rgb, t_s


def rgb_to_av_frame(rgb: np.ndarray, like: av.VideoFrame | None = None) -> av.VideoFrame:
    """An av.VideoFrame holding ``rgb``, with the timing of ``like`` so the stream stays in step."""
    out = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    if like is not None:
        out.pts = like.pts
        out.time_base = like.time_base
    return out


# -- re-encoding and remuxing whole files (the sample clips tool, long test videos)


def encode_constant_rate(
    frames: Iterable[np.ndarray], out: str | Path, *, fps: int = 30, crf: int = 23, preset: str = "veryfast"
) -> int:
    """H.264 MP4 of (H, W, 3) uint8 RGB frames at a constant ``fps``, without B-frames; the number written.

    Without B-frames every packet's dts equals its pts, so ``repeat_packets`` can join copies
    of the file by shifting both. Odd sizes are trimmed to even, as yuv420p needs.
    """
    count = 0
    container, handle = _create(out, {})
    with handle, container:
        stream = container.add_stream("libx264", rate=fps)
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf), "preset": preset, "bf": "0"}
        for rgb in frames:
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
    return count


def repeat_packets(source: str | Path, out: str | Path, seconds: float) -> float:
    """Copy the video packets of ``source`` over and over, timestamps shifted, until ``seconds``; its length in s.

    No re-encoding: ``source`` must have no B-frames (``encode_constant_rate`` writes such files).
    """
    container, handle = _open_raw(Path(source), CLI_LIMITS)
    with handle, container as src_file:
        src = src_file.streams.video[0]
        time_base = src.time_base
        packets = [
            (bytes(p), p.pts, p.dts, p.duration, p.is_keyframe)
            for p in src_file.demux(src)
            if p.size and p.pts is not None and p.dts is not None
        ]
        first = min(p[1] for p in packets)
        span = max(p[1] + (p[3] or 0) for p in packets) - first  # one copy, in the stream's time base
        limit = int(seconds / time_base)
        end = 0
        target, out_handle = _create(out, {})
        with out_handle, target:
            dst = target.add_stream_from_template(src)
            shift = 0
            while True:
                for data, pts, dts, duration, key in packets:
                    if pts - first + shift >= limit:
                        return float(end * time_base)
                    packet = av.Packet(data)
                    packet.pts, packet.dts = pts - first + shift, dts - first + shift
                    packet.duration = duration
                    packet.is_keyframe = key
                    packet.time_base = time_base
                    packet.stream = dst
                    target.mux(packet)
                    end = packet.pts + (duration or 0)
                shift += span


def join_videos(parts: Sequence[str | Path], out: str | Path) -> int:
    """One MP4 (moov first, for browsers) of the packets of ``parts`` in order; the packets written.

    The parts must be one video written in pieces: H.264 from ``VideoWriter`` with ``b_frames=False``
    and the same size and settings, each starting with a key frame, on one clock (their times follow
    on from one part to the next). Nothing is encoded again.
    """
    written = 0
    with av.open(str(out), mode="w", format="mp4", options={"movflags": "+faststart"}) as target:
        dst = None
        last_dts = None
        for part in parts:
            with av.open(str(part)) as source:
                src = source.streams.video[0]
                if dst is None:
                    dst = target.add_stream_from_template(src)
                for packet in source.demux(src):
                    if packet.dts is None:
                        continue
                    if last_dts is not None and packet.dts * packet.time_base <= last_dts:
                        continue  # a time the previous part already has
                    last_dts = packet.dts * packet.time_base
                    packet.stream = dst
                    target.mux(packet)
                    written += 1
    return written


@dataclass(frozen=True)
class Cut:
    """Which part of a file to keep and how to write it (see ``cut_video``).

    Times are seconds on the source's video clock from its first frame; frames with
    ``start_s <= t < end_s`` are kept (None: from the start / to the end). ``copy`` keeps the
    encoded packets as they are (no trimming then). ``rotate_display_deg`` tags the output
    (counter-clockwise, as FFmpeg reports it); None keeps the source's tag.
    """

    start_s: float | None = None
    end_s: float | None = None
    copy: bool = False
    crf: int = 20
    pix_fmt: str = "yuv420p"
    rotate_display_deg: int | None = None


def cut_video(source: str | Path, target: str | Path, cut: Cut) -> int:
    """Write ``target`` (MP4, video only) from ``source`` as ``cut`` says; the number of frames or packets kept.

    Raises VideoError when the source cannot be read or has no video track.
    """
    source = Path(source)
    try:
        container, handle = _open_raw(source, CLI_LIMITS)
        with handle, container as inp:
            if not inp.streams.video:
                raise VideoError(f"{source.name} has no video track to cut")
            video_in = inp.streams.video[0]
            video_in.thread_type = "AUTO"
            out, out_handle = _create(target, _FASTSTART)
            with out_handle, out:
                return (_remux if cut.copy else _reencode)(inp, video_in, out, cut)
    except av.error.FFmpegError as exc:
        raise VideoError(f"could not cut {source.name}: {exc}") from exc


def _remux(inp: Any, video_in: Any, out: Any, cut: Cut) -> int:
    video_out = out.add_stream_from_template(video_in)
    if cut.rotate_display_deg is not None:
        video_out.set_display_rotation(cut.rotate_display_deg)
    written = 0
    for packet in inp.demux(video_in):
        if packet.dts is None:  # the demuxer's flush packet
            continue
        packet.stream = video_out
        out.mux(packet)
        written += 1
    return written


def _reencode(inp: Any, video_in: Any, out: Any, cut: Cut) -> int:
    time_base = video_in.time_base
    origin = video_in.start_time  # the first frame's pts; None in some containers, then taken from the first frame
    start = cut.start_s if cut.start_s is not None else 0.0
    end = cut.end_s if cut.end_s is not None else float("inf")
    # A hair of slack so a frame stamped exactly on a boundary falls on the side the cut means.
    eps = 1e-6
    video_out = None
    first_pts: int | None = None
    last_pts = -1
    written = 0
    for frame in inp.decode(video_in):
        if frame.pts is None:
            continue
        if origin is None:
            origin = frame.pts
        t_s = float((frame.pts - origin) * time_base)
        if t_s < start - eps:
            continue
        if t_s >= end - eps:
            break
        if video_out is None:
            video_out = _cut_stream(out, video_in, frame, cut)
            first_pts = frame.pts
        assert first_pts is not None
        pts = frame.pts - first_pts
        if pts <= last_pts:  # duplicate or out-of-order stamp: the encoder would refuse it
            continue
        last_pts = pts
        picture = frame.reformat(format=video_out.pix_fmt) if frame.format.name != video_out.pix_fmt else frame
        picture.pts = pts
        picture.time_base = time_base
        for packet in video_out.encode(picture):
            out.mux(packet)
        written += 1
    if video_out is not None:
        for packet in video_out.encode():
            out.mux(packet)
    return written


def _cut_stream(out: Any, video_in: Any, first: Any, cut: Cut) -> Any:
    rate = video_in.average_rate or video_in.guessed_rate or Fraction(30)
    video_out = out.add_stream("libx264", rate=rate)
    video_out.width = first.width
    video_out.height = first.height
    video_out.pix_fmt = cut.pix_fmt
    # The source's clock, so frame times (even variable ones) pass through unchanged.
    video_out.time_base = video_in.time_base
    video_out.codec_context.time_base = video_in.time_base
    video_out.options = {"crf": str(cut.crf)}
    rotation = cut.rotate_display_deg if cut.rotate_display_deg is not None else int(first.rotation or 0)
    if rotation:
        video_out.set_display_rotation(rotation)
    return video_out


def cut_clip(
    source: str | Path,
    start_s: float,
    end_s: float,
    out: str | Path,
    *,
    limits: LimitsConfig = CLI_LIMITS,
) -> int:
    """The part of ``source`` from ``start_s`` to ``end_s`` as its own H.264 MP4 at ``out``; the frames written.

    Re-encoded rather than copied: a copy can only start at a key frame, seconds before the lift. Decoding
    starts from a seek (``SpanReader``), so a clip from the end of a long video costs its own length.
    The clip's time starts at 0. Raises VideoError when ``source`` has no frames in the span.
    """
    if not (math.isfinite(start_s) and math.isfinite(end_s)) or end_s <= start_s:
        raise ValueError(f"a clip needs finite start_s < end_s, got {start_s!r} to {end_s!r}")
    times = frame_times(source, None, limits=limits)
    if times is None:  # packets without times: read the whole file, keeping the span
        frames: Iterable[Frame] = (
            f for f in VideoReader(source, max_fps=None, max_side_px=None, limits=limits) if start_s <= f.t_s <= end_s
        )
    else:
        wanted = [t for t in times if start_s <= t <= end_s]
        frames = SpanReader(source, wanted, max_side_px=None, limits=limits)
    rate = probe(source, limits=limits).fps or 30.0
    written = 0
    with VideoWriter(out, fps_hint=rate) as writer:
        for frame in frames:
            writer.write(frame.rgb, frame.t_s - start_s)
            written += 1
    if written == 0:
        Path(out).unlink(missing_ok=True)
        raise VideoError(f"{Path(source).name} has no frames between {start_s:.2f} s and {end_s:.2f} s")
    return written
