"""The back-health articles the feedback is tied to, and the cues, in our own words.

Pure: standard library only. Articles are cited by title (and publisher where the
article names one); nothing is quoted from them.
"""

from __future__ import annotations

from dataclasses import dataclass

from liftcheck.presentation import citation


@dataclass(frozen=True)
class Article:
    """One of the five articles in ``shared/articles`` (see its INDEX.md)."""

    id: str
    title: str
    publisher: str  # "" where the article names none
    point: str  # what it contributes to a lift check, paraphrased

    @property
    def citation(self) -> str:
        return citation(self.title, self.publisher)


ARTICLES: dict[str, Article] = {
    a.id: a
    for a in (
        Article(
            "what-are-back-spasms",
            "What are back spasms?",
            "a chiropractic clinic in Caledonia",
            "Lifting, sitting or twisting the wrong way can set off a spasm; a poor golf swing is one such twist, "
            "and the back copes badly with being bent or twisted over and over. Warm up first and mind your form.",
        ),
        Article(
            "back-spasms-westwood",
            "Back Spasms",
            "Westwood Total Health",
            "Heavy lifting and sports with sudden, repeated twisting are common causes; weak abdominal muscles leave "
            "the back exposed. Stretch before and after exercise and work on posture.",
        ),
        Article(
            "back-spasms-pt",
            "Back Spasms",
            "",
            "Awkward twists, sudden unexpected moves, and lifting a heavy load awkwardly (or having it shift) are "
            "typical triggers; having a professional look at how you move helps.",
        ),
        Article(
            "why-do-i-keep-getting-back-spasms",
            "Why do I keep getting Back Spasms?",
            "",
            "A spasm warns of a conditioning problem, not only of the last movement; people seldom examine their "
            "own movement, and a conditioning plan does more than rest.",
        ),
        Article(
            "what-causes-back-spasms",
            "What Causes Back Spasms & How You Can Relieve The Pain",
            "Core Chiropractic",
            "Twisting, lifting or bending too far strains muscles; lift by bending the knees rather than the waist "
            "and keep the back straight.",
        ),
    )
}


@dataclass(frozen=True)
class Cue:
    """What to tell the person: a short line for the live view and a longer one for the report."""

    short: str
    advice: str
    articles: tuple[str, ...]  # ids in ARTICLES


CUES: dict[str, Cue] = {
    "stoop": Cue(
        "Bend your knees",
        "You bent mostly at the waist with fairly straight legs. Next time bend your knees and hips, get down "
        "to the load, and let your legs do the lifting.",
        ("what-causes-back-spasms", "what-are-back-spasms"),
    ),
    "trunk_severe": Cue(
        "Keep your chest up",
        "Your trunk tipped far forward (past 60°). Bring the load closer, bend your knees more and keep your "
        "chest up so your back stays nearer to upright.",
        ("what-causes-back-spasms", "back-spasms-pt"),
    ),
    "trunk_moderate": Cue(
        "Chest up, hips down",
        "Your trunk leaned forward into the moderate band (20–60°). Sinking the hips a little lower keeps "
        "the back more upright.",
        ("what-causes-back-spasms",),
    ),
    "twist": Cue(
        "Turn your feet, not your back",
        "Your shoulders turned against your hips while bent or holding the load. Step your feet round to face "
        "where the load goes instead of twisting at the waist.",
        ("what-are-back-spasms", "back-spasms-westwood", "back-spasms-pt"),
    ),
    "twist_session": Cue(
        "Turn with your feet",
        "Your shoulders turned well past your hips, again and again. Twisting like this, fast or repeated, is "
        "a common trigger for back spasms (a golf swing is the classic example): warm up first, let your hips "
        "and feet turn with the swing or the load, and keep the turn controlled.",
        ("what-are-back-spasms", "back-spasms-westwood", "what-causes-back-spasms"),
    ),
    "side_bend": Cue(
        "Stay square",
        "Your trunk leaned to one side. Hold the load in front of you with both hands and keep your shoulders level.",
        ("back-spasms-pt",),
    ),
    "jerk": Cue(
        "Smooth and steady",
        "The trunk moved very fast at some point. Lift in one smooth, controlled movement; a sudden jerk is a "
        "typical trigger for back spasms.",
        ("back-spasms-pt", "back-spasms-westwood"),
    ),
    "frequency": Cue(
        "Take a breather",
        "Many lifts a minute tire the back. Space the lifts out, share the work, or take short breaks.",
        ("what-are-back-spasms", "why-do-i-keep-getting-back-spasms"),
    ),
    "good": Cue(
        "Good lift",
        "Knees bent, trunk fairly upright, no twist: keep lifting like this.",
        ("what-causes-back-spasms",),
    ),
    "uncertain_view": Cue(
        "Change the camera angle",
        "This measure cannot be judged reliably from where the camera stands; film from the side for the bend "
        "check, or from the front or at 45° for twist and side bend.",
        (),
    ),
    "conditioning": Cue(
        "Build your core",
        "Good form is half of it: regular strengthening and stretching of the trunk and legs protects the back "
        "between lifts too.",
        ("why-do-i-keep-getting-back-spasms", "back-spasms-westwood"),
    ),
}
