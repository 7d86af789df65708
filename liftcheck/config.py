"""Every threshold liftcheck uses, in one frozen config, each with where its value comes from.

Pure: standard library only. Times are in seconds, never frame counts: webcams drop
frames and files differ in frame rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class KinematicsConfig:
    # One Euro filter on the landmarks: a 1.5 Hz floor removes the model's frame-to-frame
    # jitter (several degrees at the knee) while a lift's motion (≈0.3–1 Hz) passes; the
    # speed term lets fast moves through. Our own measurement on the labelled clips.
    smoothing_min_cutoff_hz: float = 1.5
    smoothing_beta: float = 0.5
    # Longer than this without a person and the smoothing starts afresh.
    max_gap_s: float = 0.5
    # Camera view from how far the hip line is turned in depth (0 = facing the camera).
    front_max_yaw_deg: float = 30.0
    side_min_yaw_deg: float = 60.0
    view_time_constant_s: float = 1.0
    # The user may say where the camera stood ("side", "front", "oblique"); None = estimate it.
    view_override: str | None = None
    # Frames that teach the true vertical: straight knees and a straight ankle–hip–shoulder line.
    straight_knee_max_deg: float = 25.0
    straight_body_min_ratio: float = 0.97
    max_camera_tilt_deg: float = 35.0


@dataclass(frozen=True)
class RepConfig:
    # Standing: shoulders within 12% of the body's length of their full height, knees
    # nearly straight, trunk nearly upright. MediaPipe reads straight knees at 5–20°,
    # hence the 35° margin (our measurement on the labelled clips).
    standing_max_lowering: float = 0.12
    standing_max_knee_deg: float = 35.0
    standing_max_trunk_deg: float = 30.0
    # A lift goes down at least this far. In the labelled clips the deepest movement that is
    # not a lift (a golf address) reaches 0.13 and the shallowest lift 0.27; synthetic
    # walking reaches 0.09. 0.18 sits between, with room on both sides.
    min_depth_lowering: float = 0.18
    min_rep_duration_s: float = 0.6
    max_rep_duration_s: float = 20.0
    # Knees bent past 60° and held within 15° for 2 s is sitting or kneeling, not a lift,
    # whatever the trunk does meanwhile (a seated reach to the floor): a lift's bottom
    # lasts about a second, and a lift bends and straightens the knees without pause.
    sit_min_hold_s: float = 2.0
    sit_max_knee_drift_deg: float = 15.0
    sit_min_knee_deg: float = 60.0
    # Legs seen: the better leg's hip, knee and ankle visibility multiplied, in half the
    # lift's frames, above this. Lifters in plain view in the labelled clips: median
    # 0.79-0.94 per clip; legs behind a table or a crate: 0.03-0.25 (our measurement).
    # With the legs hidden the model guesses them (a seated worker's guessed knees swing
    # 30-100°), so such a bend counts only if the trunk itself bends this far forward.
    min_legs_visibility: float = 0.3
    hidden_legs_min_trunk_deg: float = 45.0
    # A gap without a person longer than this breaks a lift in progress.
    max_unseen_s: float = 1.0
    # Standing must last this long before it ends a lift (jitter at the top is not standing).
    min_stand_s: float = 0.1


@dataclass(frozen=True)
class RuleConfig:
    # Trunk flexion bands: REBA (Hignett & McAtamney 2000) and ISO 11226:2000 —
    # 0–20° neutral, 20–60° moderate, over 60° severe.
    trunk_moderate_deg: float = 20.0
    trunk_severe_deg: float = 60.0
    # REBA legs: +1 for knee flexion 30–60°, +2 over 60°.
    reba_knee_moderate_deg: float = 30.0
    reba_knee_severe_deg: float = 60.0
    # Lift style at the bottom, from the knee (our label definitions, after the stoop /
    # squat literature): stoop under 40° knee flexion, squat over 90° with the trunk
    # fairly upright (under 45°), semi-squat in between.
    stoop_max_knee_deg: float = 40.0
    squat_min_knee_deg: float = 90.0
    squat_max_trunk_deg: float = 45.0
    # Stoop–squat index (Schmid 2022: 0 full squat, 100 full stoop; normal box lifts
    # score under 30 squatting and over 90 stooping). Our normalisation: trunk lean over
    # 90°, knee flexion over 120°.
    ssi_trunk_full_deg: float = 90.0
    ssi_knee_full_deg: float = 120.0
    ssi_squat_max: float = 30.0
    ssi_stoop_min: float = 90.0
    # Twist and side bend: EN 1005-4 treats 10° or more, repeated twice a minute or more,
    # as not acceptable; REBA adds a point for any twist or side bend; ISO 11226 calls
    # side bend over 20° awkward. We warn from 20° of twist (single-camera twist is
    # ±10–15°, so 10° would be noise) and call 45° severe (NIOSH asymmetry multiplier
    # 1 − 0.0032·45 ≈ 0.86: a 14% lower recommended load).
    twist_warn_deg: float = 20.0
    twist_severe_deg: float = 45.0
    side_bend_warn_deg: float = 10.0
    side_bend_severe_deg: float = 20.0
    # Twist counts as "while bent" when the trunk is flexed past the neutral band.
    bent_trunk_deg: float = 20.0
    # Sudden movement: the trunk's peak angular speed. Controlled lifts in the labelled
    # clips peak at 110–190°/s (our measurement); the articles name sudden movement as a
    # trigger but give no number, so we flag only what is clearly faster than that.
    jerk_warn_deg_s: float = 220.0
    jerk_severe_deg_s: float = 320.0
    # A twist event (outside or inside a lift) lasts at least this long above the warning angle.
    twist_event_min_s: float = 0.15
    # Lifting frequency: the NIOSH frequency multiplier falls quickly past ~4 lifts a
    # minute (FM 0.84 at 4/min, 0.75 at 6/min, 1-hour work); we warn from 6 a minute.
    lifts_per_minute_warn: float = 6.0
    lifts_per_minute_severe: float = 10.0
    frequency_min_session_s: float = 60.0


@dataclass(frozen=True)
class PeopleConfig:
    # Looking for a second person: a full multi-person search (the landmarker in image mode)
    # in a thread beside the analysis, every scout_every_s for the first scout_fast_for_s
    # (people in view are usually there from the start), then every scout_every_slow_s.
    # Each search costs about 50 ms of the second core. Searching twice a second throughout
    # slowed the analysis by 10-15% on the 2-core test machine; at these settings, runs with
    # and without the search differ by less than the machine's run-to-run noise.
    # It found the second person in the two-person clip within 1 s and never saw a distinct
    # second person in the 19 one-person clips (our measurement at confidence 0.5; at 0.3 it
    # saw ghosts).
    scout_every_s: float = 0.5
    scout_fast_for_s: float = 5.0
    scout_every_slow_s: float = 2.0
    scout_confidence: float = 0.5
    # Two poses are the same person when their hips are closer than this share of the
    # larger torso (the landmarker sometimes finds one body twice).
    same_person_torso: float = 0.6
    # Once a second person is seen, track this many people at once (each costs inference);
    # back to one when only one has been seen for single_after_s.
    max_people: int = 2
    single_after_s: float = 10.0
    # A person unseen for longer is forgotten. A pose belongs to a known person when its
    # hips are within gate_torso torsos of theirs, widened by gate_growth_per_s torsos for
    # each second unseen (a walk is about 3 torso lengths a second).
    forget_after_s: float = 3.0
    gate_torso: float = 1.0
    gate_growth_per_s: float = 3.0
    # Who is lifting: the person whose trunk and hips move most (flexion plus twist range
    # in degrees, plus the hips' drop toward the ankles, over movement_window_s), slowly
    # forgotten (half-life), plus a framing prior for being near the centre and large in
    # the picture (up to prior_deg each).
    # The person followed changes only when another leads by switch_margin_deg.
    # Hips sinking toward the ankles by one torso length counts like this many degrees of
    # trunk movement (a full squat sinks the hips about one torso length).
    hips_drop_deg_per_torso: float = 60.0
    movement_window_s: float = 3.0
    movement_every_s: float = 0.2  # how often each person's movement range is recomputed
    movement_half_life_s: float = 60.0
    prior_deg: float = 15.0
    switch_margin_deg: float = 20.0
    min_trunk_visibility: float = 0.5


@dataclass(frozen=True)
class ChunkConfig:
    # One long video on every core (``chunks.py``): a video at least min_video_s long is cut into
    # chunks of about chunk_s, as many as a whole number of rounds of the workers (0: one per core),
    # whose poses are found in parallel. Below a minute the workers' start-up (about 1.5 s each, to
    # import and load the model) and the warm-ups eat too much of the gain. Chunks of 30-60 s keep
    # the warm-ups near 5-10% of the work and the last round short (our measurement, 2 cores).
    enabled: bool = True
    min_video_s: float = 60.0
    chunk_s: float = 40.0
    workers: int = 0
    # Each chunk's landmarker starts warmup_s before the chunk's own frames. A landmarker started
    # anywhere gives, after about 1 s, landmarks that differ from one started earlier by no more
    # than the model's own frame-to-frame jitter (our measurement on the labelled clips; they never
    # become identical, as tracking feeds each frame's landmarks into the next one's crop). Over the
    # last blend_s of the warm-up the two chunks' poses are blended, so the seam has no jump.
    warmup_s: float = 3.0
    blend_s: float = 1.0


@dataclass(frozen=True)
class Config:
    kinematics: KinematicsConfig = field(default_factory=KinematicsConfig)
    people: PeopleConfig = field(default_factory=PeopleConfig)
    reps: RepConfig = field(default_factory=RepConfig)
    rules: RuleConfig = field(default_factory=RuleConfig)
    chunks: ChunkConfig = field(default_factory=ChunkConfig)
    # Analyse at most this many frames a second: a 60 fps file adds nothing a lift needs
    # (the evaluation shows the same counts and styles at 30 as at 60).
    max_analysis_fps: float = 30.0
    # Frames are shrunk to this long side before inference; the model sees 256×256 anyway.
    max_side_px: int = 1280
    # A median picture level under this (0–255) is called very dark; the labelled clips,
    # night-time bedroom included, are all above 60 (our measurement).
    dark_mean_level: float = 35.0


DEFAULT_CONFIG = Config()
