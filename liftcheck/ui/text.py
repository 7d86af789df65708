"""User-given names (a file's name, a session's source) shown as text: never Markdown, HTML, a link or a path.

Streamlit renders the text of ``st.subheader``, ``st.error``, ``st.markdown`` and most other
elements as Markdown, so a file named ``![t](http://host/x.png).mp4`` made every visitor's
browser fetch that address. Our own text goes through ``plain``: a backslash before every ASCII
punctuation mark is CommonMark's way to say "this character, literally", and it also stops
Streamlit's extras (``:red[…]`` colours, ``:emoji:`` codes, ``$…$`` maths). A name goes in a
code span (``name``): shown exactly as written, in the monospace of file names, and never made
into a link (Streamlit turns any ``http://…`` in ordinary text into one, escaped or not).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_NOT_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def plain(text: object) -> str:
    """``text`` escaped so that Streamlit's Markdown shows it as it is (for our own sentences)."""
    return _PUNCTUATION.sub(r"\\\1", str(text))


def name(text: object) -> str:
    """A user-given name as a Markdown code span: exactly its characters, no formatting, no link."""
    value = " ".join(str(text).splitlines()) or " "
    fence = "`" * (max((len(run) for run in re.findall(r"`+", value)), default=0) + 1)
    # CommonMark takes one space off each end of a code span that starts and ends with one: pad so the
    # name keeps its own backticks and spaces at its ends.
    pad = " " if value[0] in "` " or value[-1] in "` " else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def with_names(text: str, names: Iterable[str] = ()) -> str:
    """``text`` for Streamlit's Markdown: our words as they are, each of ``names`` in it as a code span."""
    wanted = sorted({n for n in names if n}, key=len, reverse=True)
    if not wanted:
        return plain(text)
    parts = re.split("(" + "|".join(re.escape(n) for n in wanted) + ")", text)
    return "".join(name(part) if i % 2 else plain(part) for i, part in enumerate(parts))


def file_stem(text: object, default: str = "session", max_chars: int = 60) -> str:
    """A safe stem for a download's file name from a user-given name: letters, digits, '.', '_' and '-' only."""
    stem = str(text or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if "." in stem:
        stem = stem.rsplit(".", 1)[0]
    ascii_only = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    cleaned = _NOT_FILENAME.sub("_", ascii_only).strip("._-")[:max_chars].strip("._-")
    return cleaned or default
