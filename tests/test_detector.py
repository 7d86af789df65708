"""The people search's detector: its anchors, its decoding and letterbox, and on real frames the people it counts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from liftcheck.detector import ANCHORS, INPUT_PX, N_ANCHORS, N_VALUES, Body, people_in, square_frame
from liftcheck.landmarks import PoseLandmark
from liftcheck.people import torso_length

QUIET = -100.0  # a raw score whose sigmoid is about 4e-44: nobody there


def _anchor_at(cells: int, x: int, y: int) -> int:
    """The first anchor of grid cell (x, y) in the grid of ``cells`` a side."""
    centre = np.array([(x + 0.5) / cells, (y + 0.5) / cells])
    return int(np.flatnonzero(np.all(np.isclose(ANCHORS, centre), axis=1))[0])


def _output(
    *bodies: tuple[int, float, tuple[float, float], tuple[float, float], float],
) -> tuple[np.ndarray, np.ndarray]:
    """A detector output with, per (anchor, raw score, hips, shoulders, box side), one anchor firing;
    points as shares of the square input, the box centred on the hips."""
    boxes = np.zeros((N_ANCHORS, N_VALUES))
    scores = np.full(N_ANCHORS, QUIET)
    for anchor, score, hips, shoulders, side in bodies:
        centre = ANCHORS[anchor]
        boxes[anchor, 0:2] = (np.asarray(hips) - centre) * INPUT_PX
        boxes[anchor, 2:4] = side * INPUT_PX
        boxes[anchor, 4:6] = (np.asarray(hips) - centre) * INPUT_PX
        boxes[anchor, 8:10] = (np.asarray(shoulders) - centre) * INPUT_PX
        scores[anchor] = score
    return boxes, scores


def test_the_anchors_are_the_detectors_grid_in_its_output_order() -> None:
    """2,254 anchors: a 28-cell grid of 2 per cell, a 14-cell grid of 2, a 7-cell grid of 6 (3 layers of stride 32)."""
    assert ANCHORS.shape == (N_ANCHORS, 2)
    fine, middle = 28 * 28 * 2, 14 * 14 * 2
    assert fine + middle + 7 * 7 * 6 == N_ANCHORS
    assert np.allclose(ANCHORS[0], ANCHORS[1]) and np.allclose(ANCHORS[0], [0.5 / 28, 0.5 / 28])
    assert np.allclose(ANCHORS[2], [1.5 / 28, 0.5 / 28]), "x runs fastest within a row"
    assert np.allclose(ANCHORS[fine], [0.5 / 14, 0.5 / 14])
    coarse = ANCHORS[fine + middle :]
    assert np.allclose(coarse[:6], [0.5 / 7, 0.5 / 7]) and not np.allclose(coarse[6], coarse[0])
    assert np.allclose(ANCHORS[-1], [6.5 / 7, 6.5 / 7])


@pytest.mark.parametrize(("height", "width"), [(360, 640), (640, 360), (300, 300)])
def test_a_frame_is_letterboxed_into_the_middle_of_a_black_square(height: int, width: int) -> None:
    rgb = np.random.default_rng(1).integers(1, 256, (height, width, 3), dtype=np.uint8)
    square, side, (ox, oy) = square_frame(rgb)
    assert side == max(height, width) and square.shape == (side, side, 3) and square.dtype == np.uint8
    assert np.array_equal(square[oy : oy + height, ox : ox + width], rgb)
    assert abs((side - width - ox) - ox) <= 1 and abs((side - height - oy) - oy) <= 1, "not centred"
    assert int(square.sum(dtype=np.int64)) == int(rgb.sum(dtype=np.int64)), "the margins are not black"
    assert not np.shares_memory(square, rgb), "the search must get its own copy"


def test_one_firing_anchor_is_one_body_at_its_place_in_the_frames_pixels() -> None:
    anchor = _anchor_at(28, 10, 12)
    boxes, scores = _output((anchor, 4.0, (0.40, 0.55), (0.42, 0.40), 0.3))
    # A 640 × 360 frame letterboxed into a 640 square sits 140 pixels down.
    (body,) = people_in(boxes, scores, 640, (0, 140), min_score=0.5)
    assert body.score == pytest.approx(1 / (1 + np.exp(-4.0)))
    assert body.hips_px == pytest.approx([0.40 * 640, 0.55 * 640 - 140])
    assert body.shoulders_px == pytest.approx([0.42 * 640, 0.40 * 640 - 140])
    assert torso_length(body.hips_px, body.shoulders_px) == pytest.approx(640 * np.hypot(0.02, 0.15))
    flat = people_in(boxes.ravel(), scores.reshape(1, N_ANCHORS, 1), 640, (0, 140), min_score=0.5)
    assert flat[0].hips_px == pytest.approx(body.hips_px), "the raw tensors may come flat or shaped"


def test_an_output_of_another_shape_is_refused_with_the_sizes_expected() -> None:
    boxes, scores = _output()
    with pytest.raises(ValueError, match=r"27048 box values and 2253 scores; expected 27048 and 2254"):
        people_in(boxes, scores[:-1], 224, (0, 0), min_score=0.5)
    with pytest.raises(ValueError, match=r"\(2,\) x, y"):
        Body(0.9, np.zeros(3), np.zeros(2))


def test_scores_under_the_threshold_find_nobody_and_extreme_scores_do_not_overflow() -> None:
    anchor = _anchor_at(14, 5, 5)
    boxes, scores = _output((anchor, -0.1, (0.4, 0.5), (0.4, 0.3), 0.4))
    assert people_in(boxes, scores, 224, (0, 0), min_score=0.5) == []
    scores[anchor] = 1e30
    scores[0] = -1e30
    with np.errstate(all="raise"):
        (body,) = people_in(boxes, scores, 224, (0, 0), min_score=0.5)
    assert body.score == pytest.approx(1.0)


def test_overlapping_anchors_are_one_body_at_their_score_weighted_mean() -> None:
    a, b = _anchor_at(28, 10, 12), _anchor_at(28, 11, 12)
    boxes, scores = _output((a, 3.0, (0.40, 0.55), (0.40, 0.40), 0.3), (b, 1.0, (0.42, 0.55), (0.42, 0.40), 0.3))
    (body,) = people_in(boxes, scores, 1000, (0, 0), min_score=0.5)
    wa, wb = 1 / (1 + np.exp(-3.0)), 1 / (1 + np.exp(-1.0))
    assert body.score == pytest.approx(wa)
    assert body.hips_px[0] == pytest.approx(1000 * (0.40 * wa + 0.42 * wb) / (wa + wb))


def test_bodies_apart_are_each_found_best_first_up_to_the_limit() -> None:
    left, right = _anchor_at(28, 5, 14), _anchor_at(28, 22, 14)
    boxes, scores = _output((left, 1.0, (0.2, 0.55), (0.2, 0.4), 0.25), (right, 2.5, (0.8, 0.55), (0.8, 0.4), 0.25))
    bodies = people_in(boxes, scores, 500, (0, 0), min_score=0.5)
    assert [round(float(body.hips_px[0])) for body in bodies] == [400, 100]
    assert len(people_in(boxes, scores, 500, (0, 0), min_score=0.5, limit=1)) == 1


def _labels(samples_dir: Path) -> list[dict]:
    return json.loads((samples_dir / "labels.json").read_text())


def _frames(path: Path, every_s: float) -> list[tuple[float, np.ndarray]]:
    from liftcheck.video import VideoReader

    frames, next_t = [], 0.0
    with VideoReader(path, max_fps=30) as reader:
        for frame in reader:
            if frame.t_s >= next_t:
                frames.append((frame.t_s, np.ascontiguousarray(frame.rgb)))
                next_t = frame.t_s + every_s
    return frames


@pytest.mark.parametrize("variant", ["lite", "full"])
def test_on_real_frames_the_detector_sees_two_people_when_a_full_landmarker_search_does(
    samples_dir: Path, model_dir: Path, variant: str
) -> None:
    """The two-person clip twice a second: the detector counts two people where a landmarker searching the whole
    picture (the search it replaced) finds two, within one frame in ten; a one-person clip: never two."""
    from liftcheck import pose as P
    from liftcheck.people import distinct_people

    two = next(c["file"] for c in _labels(samples_dir) if c.get("people_in_frame") == 2)
    model = model_dir / f"pose_landmarker_{variant}.task"
    options = P.PoseLandmarkerOptions(
        base_options=P.BaseOptions(model_asset_path=str(model)),
        running_mode=P.RunningMode.IMAGE,
        num_poses=3,
        min_pose_detection_confidence=0.5,
        min_pose_presence_confidence=0.5,
    )
    frames = _frames(samples_dir / two, 0.5)
    with P.PoseEstimator(variant, model_path=model) as estimator, P.PoseLandmarker.create_from_options(options) as full:
        detector = [estimator._count_people(*square_frame(rgb)) >= 2 for _, rgb in frames]
        landmarker = []
        for _, rgb in frames:
            image = P.Image(image_format=P.ImageFormat.SRGB, data=rgb)
            poses = P._poses(full.detect(image), 0.0, image.width, image.height)
            landmarker.append(distinct_people(poses) >= 2)
        alone = _frames(samples_dir / "roundback_lift_side_01.mp4", 2.0)
        alone_counts = [estimator._count_people(*square_frame(rgb)) for _, rgb in alone]
    assert any(landmarker), "the landmarker never saw the second person: the clip is not what this test needs"
    assert any(detector), "the detector never saw the second person"
    disagree = sum(a != b for a, b in zip(detector, landmarker))
    assert disagree <= 0.1 * len(frames), (detector, landmarker)
    assert alone_counts == [1] * len(alone)


@pytest.mark.parametrize("variant", ["lite", "full"])
def test_the_detectors_hips_and_shoulders_are_the_landmarkers(samples_dir: Path, model_dir: Path, variant: str) -> None:
    """Where the lifter's landmarker sees the one person in view, the detector's middle of the hips and of the
    shoulders are near its landmarks' (the keypoints are read as the right ones): within a fifth of the torso at
    the median; in a deep bend the detector's hips are coarser (up to 0.7 of the torso standing, lite model), but
    always within the torso standing."""
    from liftcheck import pose as P
    from liftcheck.people import hips_px, torso_px

    alone = _frames(samples_dir / "roundback_lift_side_01.mp4", 1.0)
    offsets, torsos = [], []
    with P.PoseEstimator(variant, model_path=model_dir / f"pose_landmarker_{variant}.task", people=None) as plain:
        options = P.ImageEmbedderOptions(
            base_options=plain._model.detector_options(), l2_normalize=False, quantize=False
        )
        with P.ImageEmbedder.create_from_options(options) as embedder:
            for t_s, rgb in alone:
                pose = plain.detect(rgb, t_s)
                square, side, offset = square_frame(rgb)
                raw = embedder.embed(P.Image(image_format=P.ImageFormat.SRGB, data=square)).embeddings
                bodies: list[Body] = people_in(raw[0].embedding, raw[1].embedding, side, offset, min_score=0.5)
                if not pose.detected or not bodies:
                    continue
                shoulders = pose.xy_px[[PoseLandmark.LEFT_SHOULDER, PoseLandmark.RIGHT_SHOULDER]].mean(axis=0)
                hips_off = float(np.linalg.norm(bodies[0].hips_px - hips_px(pose)))
                shoulders_off = float(np.linalg.norm(bodies[0].shoulders_px - shoulders))
                offsets.append((hips_off, shoulders_off))
                torsos.append(torso_px(pose))
    assert len(offsets) >= 0.8 * len(alone)
    share = np.array(offsets) / np.array(torsos)[:, None]
    assert np.median(share, axis=0) == pytest.approx([0.0, 0.0], abs=0.2), share
    assert np.max(offsets) < max(torsos), offsets


def test_where_there_is_no_sealed_memory_file_the_detector_is_handed_over_as_bytes(
    samples_dir: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows and macOS: the detector's bytes go to MediaPipe as a buffer, and the search still counts the person."""
    from liftcheck import pose as P

    monkeypatch.setattr(P, "_models", {})
    monkeypatch.setattr(P, "_sealed_memory_file", lambda data, name: None)
    model = P.load_model("lite", path=model_dir / "pose_landmarker_lite.task")
    assert model.path is None and model.detector_path is None
    assert model.detector_data is not None and model.detector_data[4:8] == b"TFL3", "not the detector's TFLite file"
    (_, rgb), *_ = _frames(samples_dir / "roundback_lift_side_01.mp4", 30.0)
    with P.PoseEstimator("lite", model=model) as estimator:
        assert estimator._count_people(*square_frame(rgb)) == 1


def test_a_bundle_without_a_detector_is_refused_with_a_message_naming_it() -> None:
    import io
    import zipfile

    from liftcheck import pose as P
    from liftcheck.models import ModelError

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("pose_landmarks_detector.tflite", b"TFL3")
    with pytest.raises(ModelError, match="pose_detector.tflite"):
        P._detector_network(buffer.getvalue(), "lite")
    with pytest.raises(ModelError, match="pose_detector.tflite"):
        P._detector_network(b"not a zip", "lite")
