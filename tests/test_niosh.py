"""Tests of the lifting equation against hand-worked examples, the tables, and every edge of every multiplier."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from liftcheck.niosh import (
    RELIABLE,
    Band,
    Coupling,
    End,
    Frequency,
    HandLocation,
    LiftTask,
    NioshResult,
    Reliability,
    WorkDuration,
    assess,
    asymmetry_multiplier,
    best_change,
    coupling_multiplier,
    distance_multiplier,
    frequency_multiplier,
    frequency_row,
    horizontal_multiplier,
    li_band,
    lifting_frequency,
    most_helpful_change,
    vertical_multiplier,
)

SHORT, MODERATE, LONG = WorkDuration.SHORT, WorkDuration.MODERATE, WorkDuration.LONG
GOOD, FAIR, POOR = Coupling.GOOD, Coupling.FAIR, Coupling.POOR


def task(
    origin: tuple[float, float, float] = (25.0, 75.0, 0.0),
    destination: tuple[float, float, float] | None = None,
    *,
    f: float = 0.2,
    duration: WorkDuration = SHORT,
    coupling: Coupling = GOOD,
    load_kg: float | None = None,
    **flags: bool,
) -> LiftTask:
    """A lift from (H, V, A) to (H, V, A); by default every multiplier is 1 and the destination is the origin."""
    o = HandLocation(*origin)
    d = o if destination is None else HandLocation(*destination)
    return LiftTask(o, d, Frequency(f), duration, coupling, load_kg=load_kg, **flags)


# ---------------------------------------------------------------------------------------
# Worked examples, computed by hand from the formulas


def test_niosh_md_derived_example() -> None:
    """NIOSH.md's example: H 40, V 20, D 60, A 30°, 2/min, 1–2 h, fair gives RWL ≈ 7.7 kg and LI ≈ 1.3 for 10 kg."""
    # HM = 25/40 = 0.625
    # VM = 1 − 0.003·|20 − 75| = 1 − 0.165 = 0.835
    # DM = 0.82 + 4.5/60 = 0.82 + 0.075 = 0.895          (destination V = 80, so D = 60)
    # AM = 1 − 0.0032·30 = 1 − 0.096 = 0.904
    # FM = Table 5, 2 lifts/min, 1–2 h, V < 75 = 0.84
    # CM = fair, V < 75 = 0.95
    # RWL = 23 × 0.625 = 14.375; × 0.835 = 12.0031; × 0.895 = 10.7428; × 0.904 = 9.7115;
    #       × 0.84 = 8.1576; × 0.95 = 7.7498 kg.   LI = 10 / 7.7498 = 1.2904
    t = task(
        (40, 20, 30), (40, 80, 30), f=2, duration=MODERATE, coupling=FAIR, load_kg=10, control_at_destination=False
    )
    r = assess(t)
    m = r.origin.multipliers
    assert m.hm == pytest.approx(0.625)
    assert m.vm == pytest.approx(0.835)
    assert m.dm == pytest.approx(0.895)
    assert m.am == pytest.approx(0.904)
    assert m.fm == pytest.approx(0.84)
    assert m.cm == pytest.approx(0.95)
    assert r.d_cm == pytest.approx(60.0)
    assert r.origin.rwl_kg == pytest.approx(7.7498, abs=1e-3)
    assert r.li == pytest.approx(1.2904, abs=1e-3)
    assert r.band is Band.INCREASED
    assert r.destination is None
    assert r.governing is End.ORIGIN


def test_both_ends_the_destination_governs() -> None:
    """Floor to shoulder with a turn at the release: the destination's lower RWL gives the task's LI."""
    # Origin H 30, V 10, A 0; destination H 45, V 130, A 60; 4 lifts/min, ≤ 1 h, good coupling, 12 kg.
    # D = |130 − 10| = 120, DM = 0.82 + 4.5/120 = 0.8575 at both ends.
    # FM's column follows V at the origin (10 < 75): 4/min, ≤ 1 h → 0.84 at both ends.
    # Origin:      HM = 25/30 = 0.8333, VM = 1 − 0.003·65 = 0.805, AM = 1, CM = 1
    #              RWL = 23 × 0.8333 × 0.805 × 0.8575 × 0.84 = 11.1136 kg, LI = 12/11.1136 = 1.0797
    # Destination: HM = 25/45 = 0.5556, VM = 1 − 0.003·55 = 0.835, AM = 1 − 0.0032·60 = 0.808, CM = 1
    #              RWL = 23 × 0.5556 × 0.835 × 0.8575 × 0.808 × 0.84 = 6.2096 kg, LI = 12/6.2096 = 1.9325
    r = assess(task((30, 10, 0), (45, 130, 60), f=4, duration=SHORT, coupling=GOOD, load_kg=12))
    assert r.destination is not None
    assert r.origin.multipliers.vm == pytest.approx(0.805)
    assert r.destination.multipliers.am == pytest.approx(0.808)
    assert r.destination.multipliers.fm == pytest.approx(0.84)
    assert r.origin.rwl_kg == pytest.approx(11.1136, abs=1e-3)
    assert r.destination.rwl_kg == pytest.approx(6.2096, abs=1e-3)
    assert r.origin.li == pytest.approx(1.0797, abs=1e-3)
    assert r.destination.li == pytest.approx(1.9325, abs=1e-3)
    assert r.li == pytest.approx(1.9325, abs=1e-3)
    assert r.governing is End.DESTINATION
    assert r.rwl_kg == pytest.approx(6.2096, abs=1e-3)
    assert r.band is Band.INCREASED


def test_high_shelves_often_with_a_poor_grip() -> None:
    """Waist to head height, 11 lifts/min for 1–2 h, poor grip: the V ≥ 75 columns apply and the LI passes 3."""
    # Origin H 25, V 90, A 45; destination H 50, V 150, A 0; 5 kg.
    # D = 60 → DM = 0.895. V at the origin is 90 ≥ 75: FM (11/min, 1–2 h, V ≥ 75) = 0.23; CM poor = 0.90.
    # Origin:      HM = 1, VM = 1 − 0.003·15 = 0.955, AM = 1 − 0.0032·45 = 0.856
    #              RWL = 23 × 0.955 × 0.895 × 0.856 × 0.23 × 0.90 = 3.4834 kg
    # Destination: HM = 25/50 = 0.5, VM = 1 − 0.003·75 = 0.775, AM = 1
    #              RWL = 23 × 0.5 × 0.775 × 0.895 × 0.23 × 0.90 = 1.6512 kg, LI = 5/1.6512 = 3.0281 → high
    r = assess(task((25, 90, 45), (50, 150, 0), f=11, duration=MODERATE, coupling=POOR, load_kg=5))
    assert r.destination is not None
    assert r.origin.rwl_kg == pytest.approx(3.4834, abs=1e-3)
    assert r.destination.rwl_kg == pytest.approx(1.6512, abs=1e-3)
    assert r.li == pytest.approx(3.0281, abs=1e-3)
    assert r.band is Band.HIGH
    # The same lift starting at 70 cm reads the V < 75 column, where 11/min for 1–2 h is beyond the table.
    low = assess(task((25, 70, 45), (50, 150, 0), f=11, duration=MODERATE, coupling=POOR, load_kg=5))
    assert low.origin.multipliers.fm == 0.0
    assert low.destination is not None and low.destination.multipliers.fm == 0.0  # the origin's column, not 0.23
    assert low.rwl_kg == 0.0
    assert low.li is None and low.band is Band.HIGH
    assert any("beyond Table 5" in n for n in low.notes)


def test_ideal_lift_gets_the_load_constant() -> None:
    """Every multiplier at its best: the RWL is the full 23 kg."""
    r = assess(task())
    assert r.rwl_kg == pytest.approx(23.0)
    assert r.li is None and r.band is None  # no load given


# ---------------------------------------------------------------------------------------
# Each multiplier at and around its edges


@pytest.mark.parametrize(
    ("h_cm", "expected"),
    [
        (0.0, 1.0),
        (24.9, 1.0),
        (25.0, 1.0),
        (25.1, 25 / 25.1),
        (40.0, 0.625),
        (50.0, 0.5),
        (63.0, 25 / 63),  # 0.397: the last distance the equation takes
        (63.01, 0.0),
        (100.0, 0.0),
    ],
)
def test_horizontal_multiplier_edges(h_cm: float, expected: float) -> None:
    """HM = 25/H, 1 below 25 cm, 0 beyond 63 cm."""
    assert horizontal_multiplier(h_cm) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("v_cm", "expected"),
    [
        (0.0, 0.775),  # 1 − 0.003·75
        (20.0, 0.835),
        (74.9, 1 - 0.003 * 0.1),
        (75.0, 1.0),
        (75.1, 1 - 0.003 * 0.1),
        (150.0, 0.775),
        (175.0, 0.70),  # 1 − 0.003·100
        (175.01, 0.0),
    ],
)
def test_vertical_multiplier_edges(v_cm: float, expected: float) -> None:
    """VM = 1 − 0.003·|V − 75|, 1 at 75 cm, 0 above 175 cm."""
    assert vertical_multiplier(v_cm) == pytest.approx(expected)


def test_vertical_multiplier_refuses_below_the_floor() -> None:
    """A height below the floor is refused, naming the value."""
    with pytest.raises(ValueError, match=r"-0\.5"):
        vertical_multiplier(-0.5)


@pytest.mark.parametrize(
    ("d_cm", "expected"),
    [
        (0.0, 1.0),
        (24.9, 1.0),
        (25.0, 1.0),  # 0.82 + 4.5/25 = 1.0: the formula meets the floor value exactly
        (26.0, 0.82 + 4.5 / 26),
        (60.0, 0.895),
        (175.0, 0.82 + 4.5 / 175),  # 0.8457
        (175.1, 0.0),
    ],
)
def test_distance_multiplier_edges(d_cm: float, expected: float) -> None:
    """DM = 0.82 + 4.5/D, 1 under 25 cm, 0 over 175 cm."""
    assert distance_multiplier(d_cm) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("a_deg", "expected"),
    [
        (0.0, 1.0),
        (30.0, 0.904),
        (90.0, 0.712),
        (135.0, 1 - 0.0032 * 135),  # 0.568
        (135.1, 0.0),
        (180.0, 0.0),
    ],
)
def test_asymmetry_multiplier_edges(a_deg: float, expected: float) -> None:
    """AM = 1 − 0.0032·A, 0 past 135°."""
    assert asymmetry_multiplier(a_deg) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("fn", "bad"),
    [
        (horizontal_multiplier, -1.0),
        (horizontal_multiplier, math.nan),
        (distance_multiplier, -3.0),
        (asymmetry_multiplier, -5.0),
        (asymmetry_multiplier, 181.0),
        (vertical_multiplier, math.inf),
    ],
)
def test_impossible_inputs_are_refused(fn: Callable[[float], float], bad: float) -> None:
    """Negative distances, angles outside 0–180° and non-finite values raise, naming the value."""
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        fn(bad)


# Table 5 exactly as NIOSH.md prints it (columns: ≤1h <75, ≤1h ≥75, ≤2h <75, ≤2h ≥75, ≤8h <75, ≤8h ≥75).
# The code keeps its own copy; this one is parsed from the document's text, so a typo in either shows.
NIOSH_MD_TABLE_5 = """
| ≤0.2 | 1.00 | 1.00 | .95 | .95 | .85 | .85 |
| 0.5 | .97 | .97 | .92 | .92 | .81 | .81 |
| 1 | .94 | .94 | .88 | .88 | .75 | .75 |
| 2 | .91 | .91 | .84 | .84 | .65 | .65 |
| 3 | .88 | .88 | .79 | .79 | .55 | .55 |
| 4 | .84 | .84 | .72 | .72 | .45 | .45 |
| 5 | .80 | .80 | .60 | .60 | .35 | .35 |
| 6 | .75 | .75 | .50 | .50 | .27 | .27 |
| 7 | .70 | .70 | .42 | .42 | .22 | .22 |
| 8 | .60 | .60 | .35 | .35 | .18 | .18 |
| 9 | .52 | .52 | .30 | .30 | .00 | .15 |
| 10 | .45 | .45 | .26 | .26 | .00 | .13 |
| 11 | .41 | .41 | .00 | .23 | .00 | .00 |
| 12 | .37 | .37 | .00 | .21 | .00 | .00 |
| 13 | .00 | .34 | .00 | .00 | .00 | .00 |
| 14 | .00 | .31 | .00 | .00 | .00 | .00 |
| 15 | .00 | .28 | .00 | .00 | .00 | .00 |
"""
COLUMNS = [(SHORT, 50.0), (SHORT, 100.0), (MODERATE, 50.0), (MODERATE, 100.0), (LONG, 50.0), (LONG, 100.0)]


def _table_5() -> list[tuple[float, list[float]]]:
    rows = []
    for line in NIOSH_MD_TABLE_5.strip().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows.append((float(cells[0].lstrip("≤")), [float(c) for c in cells[1:]]))
    return rows


@pytest.mark.parametrize(("f", "values"), _table_5())
def test_frequency_multiplier_matches_table_5(f: float, values: list[float]) -> None:
    """Every FM value, in every duration and V column, is the one NIOSH.md prints."""
    got = [frequency_multiplier(f, duration, v) for duration, v in COLUMNS]
    assert got == pytest.approx(values)


def test_frequency_multiplier_edges() -> None:
    """F at and beyond the table's ends, between rows, and at the V = 75 cm column split."""
    # At or below 0.2 a minute: the 0.2 row (the table's footnote), in each duration column.
    assert frequency_multiplier(0.0, SHORT, 50) == 1.00
    assert frequency_multiplier(0.05, MODERATE, 50) == 0.95
    assert frequency_multiplier(0.2, LONG, 100) == 0.85
    # Between rows: the next higher frequency's row (0.3 → the 0.5 row, 1.5 → the 2 row).
    assert frequency_multiplier(0.3, SHORT, 50) == 0.97
    assert frequency_multiplier(1.5, LONG, 50) == 0.65
    assert frequency_multiplier(8.01, MODERATE, 100) == 0.30
    # The last row, and beyond it.
    assert frequency_multiplier(15.0, SHORT, 100) == 0.28
    assert frequency_multiplier(15.01, SHORT, 100) == 0.0
    assert frequency_multiplier(30.0, SHORT, 100) == 0.0
    # V < 75 and V ≥ 75 differ only where the table says so.
    assert frequency_multiplier(9.0, LONG, 74.9) == 0.00
    assert frequency_multiplier(9.0, LONG, 75.0) == 0.15
    assert frequency_multiplier(13.0, SHORT, 74.9) == 0.00
    assert frequency_multiplier(13.0, SHORT, 75.0) == 0.34


def test_frequency_rows() -> None:
    """The row read for a frequency: 0.2 up to 0.2, the next row up between rows, none past 15."""
    assert frequency_row(0.0) == 0.2
    assert frequency_row(0.2) == 0.2
    assert frequency_row(0.21) == 0.5
    assert frequency_row(2.0) == 2.0
    assert frequency_row(2.5) == 3.0
    assert frequency_row(15.0) == 15.0
    assert frequency_row(15.5) is None
    with pytest.raises(ValueError, match="-1"):
        frequency_row(-1.0)


@pytest.mark.parametrize(("duration", "v_cm"), COLUMNS)
def test_frequency_multiplier_never_rises_with_frequency(duration: WorkDuration, v_cm: float) -> None:
    """In every column FM falls (or stays) as F rises, which is what makes "next row up" conservative."""
    fs = np.linspace(0.0, 16.0, 641)
    fm = [frequency_multiplier(float(f), duration, v_cm) for f in fs]
    assert all(b <= a for a, b in zip(fm, fm[1:]))


@pytest.mark.parametrize(
    ("coupling", "v_cm", "expected"),
    [
        (GOOD, 30.0, 1.00),
        (GOOD, 100.0, 1.00),
        (FAIR, 74.9, 0.95),
        (FAIR, 75.0, 1.00),
        (POOR, 30.0, 0.90),
        (POOR, 100.0, 0.90),
    ],
)
def test_coupling_multiplier_table_7(coupling: Coupling, v_cm: float, expected: float) -> None:
    """CM: good 1.00/1.00, fair 0.95/1.00, poor 0.90/0.90 for V < 75 / V ≥ 75."""
    assert coupling_multiplier(coupling, v_cm) == expected


def test_coupling_follows_each_ends_height() -> None:
    """With a fair grip, CM is 0.95 at a floor-level origin and 1.00 at a bench-height destination."""
    r = assess(task((25, 30, 0), (25, 90, 0), coupling=FAIR))
    assert r.destination is not None
    assert r.origin.multipliers.cm == 0.95
    assert r.destination.multipliers.cm == 1.00


# ---------------------------------------------------------------------------------------
# Bands, applicability, the destination


@pytest.mark.parametrize(
    ("li", "band"),
    [
        (0.0, Band.ACCEPTABLE),
        (1.0, Band.ACCEPTABLE),
        (1.0001, Band.INCREASED),
        (3.0, Band.INCREASED),
        (3.0001, Band.HIGH),
    ],
)
def test_li_band_edges(li: float, band: Band) -> None:
    """≤ 1 acceptable, > 1 to 3 increased, > 3 high."""
    assert li_band(li) is band


@pytest.mark.parametrize(
    ("load_kg", "band"), [(23.0, Band.ACCEPTABLE), (23.1, Band.INCREASED), (69.0, Band.INCREASED), (69.1, Band.HIGH)]
)
def test_bands_through_assess(load_kg: float, band: Band) -> None:
    """With the full 23 kg limit, 23 kg is LI 1 (acceptable) and 69 kg is LI 3 (still increased)."""
    r = assess(task(load_kg=load_kg))
    assert r.li == pytest.approx(load_kg / 23.0)
    assert r.band is band


@pytest.mark.parametrize(
    ("flag", "words"),
    [("one_handed", "one-handed"), ("seated", "seated"), ("kneeling", "kneeling"), ("step_or_pivot", "step or pivot")],
)
def test_lifts_outside_the_equation_get_no_li(flag: str, words: str) -> None:
    """One-handed, seated, kneeling and stepping lifts: no LI, with the reason; the RWL is kept for reference."""
    changes: dict[str, Any] = {flag: True}
    r = assess(replace(task((40, 20, 0), load_kg=10), **changes))
    assert not r.applicable
    assert words in r.reason
    assert r.li is None and r.band is None and r.origin.li is None
    assert r.rwl_kg == pytest.approx(23 * 25 / 40 * (1 - 0.003 * 55))
    assert best_change(r) is None
    assert words in most_helpful_change(r)


def test_several_reasons_are_all_given() -> None:
    """Two limits at once are both named."""
    r = assess(task(one_handed=True, step_or_pivot=True, load_kg=5))
    assert r.reason == "the lifting equation does not cover one-handed lifts or a step or pivot during the lift"


def test_destination_skipped_without_control() -> None:
    """Without significant control at the destination only the origin is assessed, but D still uses both heights."""
    r = assess(task((25, 75, 0), (60, 150, 0), control_at_destination=False))
    assert r.destination is None
    assert r.origin.multipliers.dm == pytest.approx(0.82 + 4.5 / 75)
    assert r.rwl_kg == pytest.approx(23 * (0.82 + 4.5 / 75))


def test_zero_limit_is_high_risk_with_the_cause() -> None:
    """H beyond 63 cm: no load is recommended, the band is high and the note says why; the JSON has no infinity."""
    r = assess(task((70, 75, 0), load_kg=5))
    assert r.rwl_kg == 0.0
    assert r.li is None
    assert r.band is Band.HIGH
    assert any("63 cm" in n for n in r.notes)
    assert r.zero_multipliers == ("hm",) and "H 70 cm" in r.no_load_because and "63 cm" in r.no_load_because
    data = r.to_dict()
    assert data["zero_multipliers"] == ["hm"] and data["no_load_because"] == r.no_load_because
    json.dumps(data, allow_nan=False)
    fine = assess(task((40, 75, 0), load_kg=5))
    assert fine.rwl_kg > 0 and fine.zero_multipliers == () and fine.no_load_because == ""
    assert r.no_load and not fine.no_load
    assert not assess(task((70, 75, 0))).no_load  # no load given: a limit of 0 kg, but nothing to rate
    both = assess(task((70, 75, 150), load_kg=5))  # a reach and a turn beyond the equation: both are said
    assert both.zero_multipliers == ("hm", "am") and "63 cm" in both.no_load_because and "135°" in both.no_load_because


def test_uncertain_inputs_reach_the_notes() -> None:
    """An uncertain H and a short video both appear in the result's notes, with their reasons."""
    origin = HandLocation(40, 20, 0, h_reliability=Reliability.uncertain("H is mostly depth in a front view"))
    freq = lifting_frequency([5.0, 35.0, 65.0], observed_s=90.0)
    r = assess(LiftTask(origin, HandLocation(40, 80, 0), freq, SHORT, GOOD, load_kg=8))
    assert any("H at the origin" in n and "front view" in n for n in r.notes)
    assert any("1.5 minutes" in n for n in r.notes)


# ---------------------------------------------------------------------------------------
# Frequency from lift times


def test_short_video_assumes_the_rate_goes_on() -> None:
    """6 lifts in 2 minutes: F = 3/min, marked a short sample, uncertain, saying the video covered 2.0 minutes."""
    f = lifting_frequency([10, 30, 50, 70, 90, 110], observed_s=120.0)
    assert f.lifts_per_min == pytest.approx(3.0)
    assert f.short_sample
    assert not f.reliability.reliable
    assert "2.0 minutes" in f.reliability.reason
    assert f.observed_min == pytest.approx(2.0)


def test_special_procedure_when_the_lifting_minutes_are_known() -> None:
    """The manual's case: 10 lifts/min for 8 of every 15 minutes gives 80 lifts / 15 = 5.33/min."""
    times = np.arange(0.0, 60.0, 6.0)  # 10 lifts in the minute observed
    f = lifting_frequency(times, observed_s=60.0, lifting_min_per_15_min=8.0)
    assert f.lifts_per_min == pytest.approx(80 / 15)
    assert f.short_sample and f.reliability.reliable


def test_long_video_takes_the_busiest_15_minutes() -> None:
    """1/min for 10 minutes then 6/min for 10: the busiest 15 minutes (5–20 min) hold 5 + 60 = 65 lifts."""
    slow = np.arange(0.0, 600.0, 60.0)  # 0, 60, ..., 540 s: 10 lifts
    fast = np.arange(600.0, 1200.0, 10.0)  # 60 lifts
    f = lifting_frequency(np.concatenate([slow, fast]), observed_s=1200.0)
    assert f.lifts_per_min == pytest.approx(65 / 15)
    assert not f.short_sample and f.reliability.reliable


def test_frequency_refuses_bad_input() -> None:
    """A non-positive duration, a NaN time and lifting minutes outside 0–15 are refused."""
    with pytest.raises(ValueError, match="observed_s"):
        lifting_frequency([1.0], observed_s=0.0)
    with pytest.raises(ValueError, match="nan"):
        lifting_frequency([math.nan], observed_s=60.0)
    with pytest.raises(ValueError, match="16"):
        lifting_frequency([1.0], observed_s=60.0, lifting_min_per_15_min=16.0)


# ---------------------------------------------------------------------------------------
# The most helpful change


def test_change_names_the_reach() -> None:
    """Only H is off (45 cm): bring the load closer, 56% of 23 kg now, 12.8 → 23.0 kg if fixed."""
    r = assess(task((45, 75, 0), load_kg=10))
    c = best_change(r)
    assert c is not None
    assert c.multiplier == "hm"
    assert c.rwl_now_kg == pytest.approx(23 * 25 / 45)  # 12.78
    assert c.rwl_if_fixed_kg == pytest.approx(23.0)
    text = most_helpful_change(r)
    assert text.startswith("Bring the load closer")
    assert "45 cm" in text and "56%" in text and "12.8 kg" in text and "23.0 kg" in text


def test_change_names_the_twist_over_a_smaller_cost() -> None:
    """A 90° turn (AM 0.712) costs more than a 30 cm reach (HM 0.833): turn the feet."""
    r = assess(task((30, 75, 90)))
    c = best_change(r)
    assert c is not None and c.multiplier == "am"
    assert c.rwl_if_fixed_kg == pytest.approx(23 * 25 / 30)  # 19.17 kg with A = 0
    assert "90°" in c.text and "71%" in c.text


def test_change_at_the_release() -> None:
    """A shelf at 170 cm governs (VM 0.715 < DM 0.867): set the load down lower, at the release."""
    r = assess(task((25, 75, 0), (25, 170, 0)))
    c = best_change(r)
    assert c is not None
    assert r.governing is End.DESTINATION
    assert c.multiplier == "vm" and c.end is End.DESTINATION
    assert c.text.startswith("Set the load down lower")
    assert c.rwl_if_fixed_kg == pytest.approx(23 * (0.82 + 4.5 / 95))


@pytest.mark.parametrize(
    ("kwargs", "name", "opening"),
    [
        ({"origin": (25, 75, 0), "f": 10}, "fm", "Lift less often"),  # FM 0.45
        ({"origin": (25, 75, 0), "coupling": POOR}, "cm", "Give the load good handles"),  # CM 0.90
        ({"origin": (25, 45, 0), "destination": (25, 105, 0)}, "dm", "Shorten"),  # DM 0.895 < VM 0.91
        ({"origin": (25, 20, 0)}, "vm", "Raise the load"),  # VM 0.835
    ],
)
def test_change_names_the_costliest_multiplier(kwargs: dict, name: str, opening: str) -> None:
    """Cases built so one multiplier is clearly the smallest: the change names it."""
    c = best_change(assess(task(**kwargs)))
    assert c is not None
    assert c.multiplier == name
    assert c.text.startswith(opening)


def test_change_when_two_multipliers_are_zero() -> None:
    """H 70 cm and A 150°: fixing the reach alone still leaves 0 kg, and the sentence says so."""
    c = best_change(assess(task((70, 75, 150))))
    assert c is not None and c.multiplier == "hm"
    assert c.rwl_if_fixed_kg == 0.0
    assert "still be 0 kg" in c.text and "AM" in c.text


def test_nothing_to_change() -> None:
    """An ideal lift has no change to suggest."""
    r = assess(task())
    assert best_change(r) is None
    assert "Nothing to change" in most_helpful_change(r)


# ---------------------------------------------------------------------------------------
# Inputs and the report's JSON


def test_round_trip_through_json() -> None:
    """to_dict gives plain JSON (no NaN) and from_dict gives the same result back."""
    origin = HandLocation(
        np.float32(41.5), 22.0, 15.0, a_reliability=Reliability.uncertain("A is mostly depth in a side view")
    )
    # Plain strings, as JSON or a CLI gives them, are stored as the enums.
    t = LiftTask(origin, HandLocation(30, 95, 0), lifting_frequency([1, 20, 40], 60.0), "moderate", "fair", load_kg=12)  # type: ignore[arg-type]
    r = assess(t)
    text = json.dumps(r.to_dict(), allow_nan=False)
    back = NioshResult.from_dict(json.loads(text))
    assert back == r
    assert isinstance(back.task.origin.h_cm, float) and t.duration is MODERATE


def test_round_trip_of_a_not_applicable_result() -> None:
    """A result without LI, band or destination survives the round trip too."""
    r = assess(task(one_handed=True, control_at_destination=False))
    assert NioshResult.from_dict(json.loads(json.dumps(r.to_dict(), allow_nan=False))) == r


def test_inputs_are_checked() -> None:
    """Bad inputs raise with the value in the message."""
    with pytest.raises(ValueError, match="-2"):
        HandLocation(30, -2, 0)
    with pytest.raises(ValueError, match="0"):
        task(load_kg=0.0)
    with pytest.raises(ValueError, match="reason"):
        Reliability(False, "")
    with pytest.raises(ValueError, match="'weekly'"):
        task(duration="weekly")  # type: ignore[arg-type]
    assert Reliability.combine(RELIABLE, Reliability.uncertain("a"), Reliability.uncertain("a")).reason == "a"
