"""The one downloader: a URL into a file, verified, never half-written.

The body goes to a temporary file beside the target, its length is checked against the
server's ``Content-Length`` and, when a SHA-256 is pinned, its hash against the pin; only
then is it renamed into place (atomic on one file system). Used for the pose models
(``models.py``) and the originals of the sample clips (``workshop/samples.py``).
Standard library only.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from liftcheck import __version__

Progress = Callable[[int, int], None]  # (bytes done, bytes in all)


class DownloadError(OSError):
    """A download failed; the message names the URL and the reason. Nothing was left at the target."""


class CutShort(DownloadError):
    """The server sent fewer bytes than it promised."""

    def __init__(self, url: str, done: int, total: int) -> None:
        super().__init__(f"the download of {url} stopped after {done:,} of {total:,} bytes")
        self.done, self.total = done, total


class WrongChecksum(DownloadError):
    """The bytes arrived whole but are not the pinned file."""

    def __init__(self, url: str, actual: str, expected: str) -> None:
        super().__init__(f"the file downloaded from {url} has sha256 {actual[:12]}…, expected {expected[:12]}…")
        self.actual, self.expected = actual, expected


def download_verified(
    url: str,
    target: Path,
    *,
    sha256: str | None = None,
    expected_bytes: int = 0,
    progress: Progress | None = None,
    timeout_s: float = 60.0,
) -> Path:
    """Fetch ``url`` into ``target`` (made atomically, only when whole and, with ``sha256``, verified).

    ``progress(done, total)`` is called after each block; ``total`` is the server's length, else
    ``expected_bytes``. Raises ``CutShort``, ``WrongChecksum`` or ``DownloadError``.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    request = urllib.request.Request(url, headers={"User-Agent": f"liftcheck/{__version__}"})
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=timeout_s) as response:
            length = (response.headers.get("Content-Length") or "").strip()
            total = int(length) if length.isdigit() else expected_bytes
            done = 0
            while block := response.read(1 << 16):
                out.write(block)
                digest.update(block)
                done += len(block)
                if progress:
                    progress(done, total)
        # http.client ends a body that stops short of its Content-Length without an error.
        if length.isdigit() and done < total:
            raise CutShort(url, done, total)
        if sha256 is not None and digest.hexdigest() != sha256:
            raise WrongChecksum(url, digest.hexdigest(), sha256)
        os.replace(tmp, target)
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"{url} answered HTTP {exc.code} ({exc.reason})") from exc
    except urllib.error.URLError as exc:
        raise DownloadError(f"could not reach {url}: {exc.reason}") from exc
    except DownloadError:
        raise
    except (TimeoutError, ConnectionError, http.client.HTTPException, OSError) as exc:
        # HTTPException covers a connection dropped mid-body (IncompleteRead), which is not an OSError.
        raise DownloadError(f"the download of {url} broke off: {exc!r}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return target
