"""Ready-made scenarios of the synthetic lifter (the demo, a squat set, a golf swing, everyday moves).

Pure: numpy and the standard library only.
"""

from __future__ import annotations

from liftcheck.workshop.synthetic.generate import SyntheticClip, generate
from liftcheck.workshop.synthetic.motions import (
    Motion,
    Scenario,
    hold_bent,
    lift,
    scenario,
    seated_reach,
    sit_down,
    stand,
    stand_up,
    turn_by_stepping,
    turn_to,
    twist,
    walk,
)

__all__ = ["demo_clip", "demo_session", "everyday_moves", "golf_swing", "squat_set"]

# ---------------------------------------------------------------------------------------
# Ready-made scenarios


def demo_session() -> Scenario:
    """Three lifts of different styles and one twist: the app's "Try a sample" (18 s)."""
    return scenario(
        stand(2.0),
        lift("squat"),
        stand(1.5),
        lift("stoop", descent_s=1.0, ascent_s=1.0),
        stand(1.5),
        twist(45.0, 2.0),
        stand(1.5),
        lift("semi-squat", twist_deg=30.0, jerky=True),
        stand(2.0),
    )


def squat_set(n: int = 3, *, rest_s: float = 1.5) -> Scenario:
    """``n`` good squat lifts with rests between them."""
    if n < 1:
        raise ValueError(f"squat_set needs at least one lift, got n={n!r}")
    motions: list[Motion] = [stand(rest_s)]
    for _ in range(n):
        motions += [lift("squat"), stand(rest_s)]
    return Scenario(tuple(motions))


def golf_swing() -> Scenario:
    """A golf address held, a swing of the shoulders against the hips, and back to standing: no lift."""
    return scenario(
        hold_bent(1.5, 35.0, 20.0), twist(80.0, 1.6, 35.0, knee_deg=20.0), hold_bent(1.0, 35.0, 20.0), stand(1.5)
    )


def everyday_moves() -> Scenario:
    """Walking across and back, turning, sitting, reaching while seated, standing up: no lift in it."""
    return scenario(
        stand(1.0),
        turn_to(90.0),
        # Short walks at an easy pace: about a metre each way, inside a 3.5 m camera's view.
        walk(1.8, 0.8),
        turn_by_stepping(180.0, 2.0),
        walk(1.8, 0.8),
        turn_to(0.0),
        sit_down(2.0),
        seated_reach(3.0, 60.0),
        stand_up(2.0),
        stand(1.0),
    )


def demo_clip(*, view_yaw_deg: float = 60.0, seed: int = 0) -> SyntheticClip:
    """The demo session as a camera would give it: oblique view, a little noise, a few dropped frames."""
    return generate(demo_session(), view_yaw_deg=view_yaw_deg, noise_m=0.01, noise_px=1.5, miss_rate=0.02, seed=seed)


def _summary(clip: SyntheticClip) -> str:
    tr = clip.truth
    found = sum(f.detected for f in clip.frames)
    lines = [
        f"Synthetic clip: {clip.duration_s:.1f} s, {len(clip.frames)} frames at {clip.fps:g} fps "
        f"({found} with a person), image {clip.camera.image_size[0]}×{clip.camera.image_size[1]}",
        f"Lifts ({len(clip.lifts)}):",
        "   style        start  bottom    end  trunk°  knee°  twist°",
    ]
    for ev in clip.lifts:
        flag = " partial" if ev.partial else ""
        flag += " jerky" if ev.jerky else ""
        lines.append(
            f"   {ev.style:<11} {ev.start_s:6.2f} {ev.bottom_s:7.2f} {ev.end_s:6.2f} "
            f"{ev.peak_trunk_flexion_deg:7.1f} {ev.bottom_knee_flexion_deg:6.1f} {ev.peak_twist_deg:7.1f}"
            f"{flag}"
        )
    lines.append(f"Twists ({len(clip.twists)}):")
    for tw in clip.twists:
        where = "in a lift" if tw.during_lift else "standing/bent"
        lines.append(
            f"   {tw.peak_deg:+.0f}° peaking at {tw.peak_s:.2f} s ({tw.start_s:.2f}–{tw.end_s:.2f} s, {where})"
        )
    lines.append("Truth ranges:")
    for name in (
        "trunk_flexion_deg",
        "knee_flexion_l_deg",
        "hip_flexion_deg",
        "trunk_twist_deg",
        "side_bend_deg",
        "lowering",
    ):
        values = getattr(tr, name)
        lines.append(f"   {name:<20} {values.min():7.2f} .. {values.max():7.2f}")
    return "\n".join(lines)
