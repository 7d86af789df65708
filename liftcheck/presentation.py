"""How liftcheck looks and speaks, in one place: colours, labels, the disclaimer, the privacy line, citations.

Pure: the standard library only. The overlay on frames (``draw.py``), the charts and the printable
report (``charts.py``, ``html_report.py``), the app and the CLI all take their words and colours from
here, so a verdict has one name, one colour on video and one on paper wherever it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

RGB = tuple[int, int, int]

VERDICTS = ("good", "caution", "poor", "not judged")

# -- on video: bright colours that read over any picture (RGB triples)

SEVERITY_RGB: dict[str, RGB] = {
    "ok": (80, 210, 110),  # green
    "info": (205, 205, 205),  # light grey: worth knowing, not graded
    "near": (225, 215, 140),  # pale amber: near a limit, within the measurement's error
    "caution": (255, 180, 30),  # amber
    "poor": (240, 70, 60),  # red
}
# A lift's overall verdict takes the colour of the matching severity.
VERDICT_RGB: dict[str, RGB] = {
    "good": SEVERITY_RGB["ok"],
    "caution": SEVERITY_RGB["caution"],
    "poor": SEVERITY_RGB["poor"],
    "not judged": (150, 175, 205),  # grey-blue: not a pass, not a fault
}


@dataclass(frozen=True)
class PaperColours:
    """One level's colours on white paper: text (``ink``), background and edge, as CSS hex strings."""

    ink: str
    background: str
    edge: str


# -- on paper and screen: dark enough for 4.5:1 against white (WCAG AA); colour is always the
# second signal after a word or a mark, so a grey printout still reads.
PAPER: dict[str, PaperColours] = {
    "good": PaperColours("#1b5e20", "#e6f4ea", "#2e7d32"),
    "caution": PaperColours("#6d4600", "#fff3cd", "#d49b00"),
    "poor": PaperColours("#a31515", "#fde8e8", "#c62828"),
    "note": PaperColours("#2f4054", "#eaf0f7", "#5b7590"),
    "not judged": PaperColours("#2f4054", "#eaf0f7", "#5b7590"),
    "near": PaperColours("#5a4a00", "#fbf6e0", "#b8a040"),
}
# How strongly a lift's band is shaded in the timeline chart, by verdict.
BAND_OPACITY: dict[str, float] = {"good": 0.14, "caution": 0.22, "poor": 0.16, "not judged": 0.14}

# -- words and marks

VERDICT_LABEL = {"good": "Good", "caution": "Caution", "poor": "Poor", "not judged": "Not judged"}
# A symbol beside the word, so the verdict survives a grey printout and colour blindness.
VERDICT_MARK = {"good": "✓", "caution": "!", "poor": "✗", "not judged": "?"}
VERDICT_ICON = {"good": "✅", "caution": "⚠️", "poor": "⛔", "not judged": "❔"}
SEVERITY_LABEL = {"ok": "OK", "info": "Note", "near": "Near the limit", "caution": "Caution", "poor": "Poor"}
SEVERITY_ICON = {"poor": "⛔", "caution": "⚠️", "near": "〰️", "info": "ℹ️", "ok": "✅"}
# What "near the limit" means, wherever a finding carries it.
NEAR_LIMIT_NOTE = (
    "Near the limit: the value lies within the measurement's own uncertainty of the threshold, so it does not "
    "change the verdict on its own."
)
STYLE_LABEL = {"stoop": "Stoop", "semi-squat": "Semi-squat", "squat": "Squat", "unknown": "Unknown"}

DISCLAIMER = "Guidance on lifting technique, not a diagnosis or a medical device."
PRIVACY_LINE = "The video was analysed on this machine and did not leave it."
# A task or lift whose NIOSH limit is 0 kg, where a table gives its lifting index (it has none: no load is
# recommended at all, worse than any index).
NO_LOAD_WORDS = "no load (limit 0 kg)"
# What every report carries in its ``disclaimer`` field.
REPORT_DISCLAIMER = f"{DISCLAIMER} {PRIVACY_LINE}"
SEE_A_PROFESSIONAL = "If you have back pain, see a health professional."


def citation(title: str, publisher: str = "") -> str:
    """An article as liftcheck cites it: “Title”, Publisher (the publisher only where the article names one)."""
    return f"“{title}”" + (f", {publisher}" if publisher else "")


def level_name(level: str | Enum) -> str:
    """The plain string of a severity or verdict ("poor"), whether given as a str or an Enum member."""
    return str(level.value) if isinstance(level, Enum) else str(level)


def severity_rgb(severity: str | Enum) -> RGB:
    """The video colour of a severity ("ok", "info", "caution", "poor") or a verdict ("good", ...)."""
    name = level_name(severity)
    if name in SEVERITY_RGB:
        return SEVERITY_RGB[name]
    if name in VERDICT_RGB:
        return VERDICT_RGB[name]
    raise ValueError(f"unknown severity or verdict {name!r}; expected one of {sorted({**SEVERITY_RGB, **VERDICT_RGB})}")


def rgb_hex(rgb: Sequence[int]) -> str:
    """The CSS colour ("#rrggbb") of an RGB triple."""
    r, g, b = (int(c) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


# The phases of a lift under way (``reps.Phase`` values), as the live banner says them.
LIFT_UNDER_WAY = {"going down": "going down…", "coming up": "coming up…"}


@dataclass(frozen=True)
class Hud:
    """What the overlay shows besides the skeleton: plain data, made by ``engine.hud_for``, drawn by ``draw``.

    ``cue_severity`` is "ok", "info", "caution" or "poor"; ``last_verdict`` is "good",
    "caution", "poor" or None (no lift has ended yet). Enum members (``Severity``,
    ``Verdict``, ``Style``) are accepted and stored as their plain strings.
    """

    lift_count: int
    phase: str  # e.g. "standing", "going down"
    cue: str  # short text, e.g. "Bend your knees"
    cue_severity: str
    last_verdict: str | None
    last_lift_index: int | None
    last_lift_style: str | None
    message: str = ""  # e.g. framing advice: "Step back: knees and ankles are out of frame"
    # A cue about what is happening now (a twist in progress), shown at once, before any lift ends.
    now_cue: str = ""
    now_severity: str = "ok"

    def __post_init__(self) -> None:
        if self.lift_count < 0:
            raise ValueError(f"Hud.lift_count must be >= 0, got {self.lift_count}")
        for name in ("phase", "cue_severity", "last_verdict", "last_lift_style", "now_severity"):
            value = getattr(self, name)
            if isinstance(value, Enum):
                object.__setattr__(self, name, level_name(value))
        for name in ("cue_severity", "now_severity"):
            if getattr(self, name) not in SEVERITY_RGB:
                raise ValueError(f"Hud.{name} must be one of {list(SEVERITY_RGB)}, got {getattr(self, name)!r}")
        if self.last_verdict is not None and self.last_verdict not in VERDICT_RGB:
            raise ValueError(f"Hud.last_verdict must be one of {list(VERDICT_RGB)} or None, got {self.last_verdict!r}")

    @property
    def current(self) -> str:
        """The lift under way, e.g. "Lift 4 – going down…"; "" between lifts (then ``banner`` says the last one).

        During a lift the overlay shows this, not the previous lift's verdict, which would read as this one's.
        """
        words = LIFT_UNDER_WAY.get(self.phase)
        return f"Lift {self.lift_count + 1} – {words}" if words else ""

    @property
    def banner(self) -> str:
        """The line about the lift that just ended, e.g. "Lift 3: semi-squat — caution"; "" before any."""
        if self.last_verdict is None:
            return ""
        head = f"Lift {self.last_lift_index}" if self.last_lift_index is not None else "Last lift"
        style = f": {self.last_lift_style}" if self.last_lift_style else ""
        return f"{head}{style} — {self.last_verdict}"


# -- the lifting equation in words (the CLI, the app and the printable report say it the same way)


def _number(data: object, key: str) -> float | None:
    value = data.get(key) if isinstance(data, dict) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def recommends_no_load(result: Mapping[str, object]) -> bool:
    """Whether a lift's ``niosh`` dict (or the summary's) has a load and a limit of 0 kg: no index, because the
    equation recommends no load at all. ``NioshResult.no_load`` and ``NioshSummary.no_load``, read from a
    report dict (by History, the team report), so every reader draws the line in the same place."""
    if result.get("applicable") is False or result.get("li", result.get("task_li")) is not None:
        return False
    task = result.get("task")
    load_kg = _number(task, "load_kg") if isinstance(task, Mapping) else _number(result, "load_kg")
    rwl_kg = _number(result, "rwl_kg")
    return load_kg is not None and rwl_kg is not None and rwl_kg <= 0


def no_load_why(result: dict[str, object]) -> tuple[str, bool]:
    """Why a lift's (or the task's) limit is 0 kg, in words, and whether the pace is (one of) the causes.

    From the result's ``no_load_because`` and ``zero_multipliers``; a lift saved by an older version has
    only its multipliers, from which the same words are made. ("", False) when nothing says.
    """
    because = result.get("no_load_because")
    zeros = result.get("zero_multipliers")
    if not isinstance(because, str) or not isinstance(zeros, list):
        if "task" not in result or "origin" not in result:
            return "", False
        from liftcheck.niosh import NioshResult  # pure Python, like this module

        try:
            old = NioshResult.from_dict(result)
        except (KeyError, TypeError, ValueError):
            return "", False
        because, zeros = old.no_load_because, list(old.zero_multipliers)
    return because, "fm" in zeros


def niosh_verdict(result: dict[str, object]) -> str:
    """One lift's (or the task's) lifting equation in one line: its index and limit, or why it has none.

    ``result`` is a lift's ``niosh`` dict (``NioshResult.to_dict``, or a not-assessed reason) or the
    summary's. A limit of 0 kg (a reach, height, travel or turn beyond the equation's range, or a pace
    beyond its frequency table) is said in words with its cause, not as an index of infinity.
    """
    if not result:
        return ""
    li = _number(result, "li") if "li" in result else _number(result, "task_li")
    rwl = _number(result, "rwl_kg")
    task = result.get("task")
    load = _number(task, "load_kg") if isinstance(task, dict) else _number(result, "load_kg")
    if result.get("applicable") is False or ("origin" not in result and "task_li" not in result):
        reason = str(result.get("reason") or "not measured")
        return f"outside the lifting equation: {reason}"
    band = str(result.get("band") or "")
    if li is not None and rwl is not None:
        return f"lifting index {li:.2f} ({band}): recommended limit {rwl:.1f} kg, the load {load or 0:.1f} kg"
    if rwl is not None and rwl <= 0.0:
        because, pace = no_load_why(result)
        words = "recommended limit 0 kg, no load at all" + (f": {because}" if because else "")
        if pace:
            words += " (a short clip of back-to-back lifts is not a working pace: give the task's own rate)"
        return words
    if rwl is not None:
        return f"recommended limit {rwl:.1f} kg (give the load for a lifting index)"
    return ""


def niosh_inputs(result: dict[str, object]) -> str:
    """A lift's measured inputs at the grasp: "H 23 cm, V 25 cm, D 55 cm, A 34°, F 1.0/min", uncertain ones marked."""
    task = result.get("task")
    if not isinstance(task, dict) or not isinstance(task.get("origin"), dict):
        return ""
    origin = task["origin"]
    given = task.get("frequency")
    frequency: dict[str, object] = given if isinstance(given, dict) else {}

    def flag(reliability: object) -> str:
        return "?" if isinstance(reliability, dict) and reliability.get("reliable") is False else ""

    parts = [
        f"H {_number(origin, 'h_cm') or 0:.0f} cm{flag(origin.get('h_reliability'))}",
        f"V {_number(origin, 'v_cm') or 0:.0f} cm{flag(origin.get('v_reliability'))}",
        f"D {_number(result, 'd_cm') or 0:.0f} cm",
        f"A {_number(origin, 'a_deg') or 0:.0f}°{flag(origin.get('a_reliability'))}",
        f"F {_number(frequency, 'lifts_per_min') or 0:.1f}/min{flag(frequency.get('reliability'))}",
    ]
    text = ", ".join(parts)
    return text + (" (? uncertain)" if "?" in text else "")
