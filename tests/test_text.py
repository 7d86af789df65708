"""User-given names are shown as they are: Markdown and Streamlit's extras in them do nothing, and a download's
file name keeps only safe characters."""

from __future__ import annotations

import re

import pytest

from liftcheck.ui.text import file_stem, name, plain, with_names

HOSTILE = [
    "![t](http://127.0.0.1:8999/x.png).mp4",
    "<img src=http://127.0.0.1:8999/y.png>.mov",
    ":red[loud] :smile: $x^2$ **bold** _it_ # head.mp4",
    "``` fenced `tick` ``.mkv",
    "`.mp4",
    " spaced .mp4 ",
    "[link](javascript:alert(1)).webm",
    "1. list\n- item.avi",
]


def _code_span_text(markdown: str) -> str:
    """The text CommonMark gives a single code span (the whole of ``markdown``)."""
    found = re.fullmatch(r"(`+)(.*)\1", markdown, re.DOTALL)
    assert found, markdown
    inner = found.group(2)
    if len(inner) >= 2 and inner[0] == inner[-1] == " " and inner.strip():
        inner = inner[1:-1]
    return inner


@pytest.mark.parametrize("text", HOSTILE)
def test_a_name_is_one_code_span_holding_exactly_the_name(text: str) -> None:
    """Each hostile name becomes one code span whose text is the name (line breaks as spaces)."""
    markdown = name(text)
    assert _code_span_text(markdown) == " ".join(text.splitlines())
    fence = re.match(r"`+", markdown)
    assert fence and fence.group(0) not in _code_span_text(markdown)  # the name cannot close the span early


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_escapes_every_markdown_character(text: str) -> None:
    """Every ASCII punctuation mark is backslash-escaped, so nothing in the text is Markdown; unescaped, it is the
    text again."""
    escaped = plain(text)
    assert not re.search(r"(?<!\\)[!\[\]()<>*_`:$#]", escaped.replace("\\\\", ""))
    assert re.sub(r"\\(.)", r"\1", escaped) == text


def test_with_names_marks_only_the_names() -> None:
    """Our sentence is escaped text; the user's name in it is a code span."""
    text = "This file cannot be analysed: ![t](http://h/x.png).mp4 is empty"
    markdown = with_names(text, ["![t](http://h/x.png).mp4"])
    assert markdown.startswith("This file cannot be analysed\\: `![t](http://h/x.png).mp4` is empty")


@pytest.mark.parametrize(
    ("text", "stem"),
    [
        ("![t](http://127.0.0.1:8999/x.png).mp4", "x.png"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\lift 1.mov", "lift_1"),
        ("Überkopf-Übung.mp4", "Uberkopf-Ubung"),
        ("...", "session"),
        ("", "session"),
        ("a" * 200 + ".mp4", "a" * 60),
    ],
)
def test_download_names_keep_only_safe_characters(text: str, stem: str) -> None:
    assert file_stem(text) == stem
