"""The people search's arithmetic: the pose detector's raw output as people in the picture.

Pure: numpy and the standard library. A pose model bundle holds two networks: a detector that
says where bodies are, and the landmark network that ``pose.py`` runs on each body found. To
ask whether anybody else is in the picture, the detector alone is enough; ``pose.py`` runs it
and hands its two raw outputs here. Each of its 2,254 anchors (a grid point at one of three
scales) gives a score and, relative to that anchor, a box and four keypoints: the middle of the
hips, a point fixing the body's size and turn, the middle of the shoulders, and one for the
upper body. Decoding follows the anchor layout and post-processing the bundle's detector was
trained with (MediaPipe's pose detection settings: a 224-pixel square input, strides 8, 16 and
32, a sigmoid score, weighted non-maximum suppression at an overlap of 0.3).

The detector sees the picture letterboxed: the frame padded to a square (``square_frame``) with
the picture in its middle, then scaled to 224 pixels. ``people_in`` maps what it found back to
the frame's pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

INPUT_PX = 224  # the detector's square input, in pixels
N_ANCHORS = 2254
N_VALUES = 12  # per anchor: box centre x, y, width, height, then four keypoints' x, y
_STRIDES = (8, 16, 32, 32, 32)  # one entry per feature layer; layers of one stride share a grid
_ANCHORS_PER_LAYER = 2  # one square anchor per layer, and one between it and the next scale
_SCORE_CLIP = 100.0  # raw scores are clipped to ±100 before the sigmoid
_HIPS, _SHOULDERS = 0, 2  # the keypoints liftcheck uses


def _anchor_centres() -> np.ndarray:
    """(2254, 2) anchor centres as shares of the square input, in the order the network outputs them.

    Layers of the same stride are one grid: at each grid point, the anchors of all of those
    layers follow one another. Every anchor has the size of the whole input (fixed anchor size):
    only its centre moves the output.
    """
    centres: list[tuple[float, float]] = []
    layer = 0
    while layer < len(_STRIDES):
        stride = _STRIDES[layer]
        same = sum(1 for s in _STRIDES[layer:] if s == stride)
        cells = math.ceil(INPUT_PX / stride)
        for y in range(cells):
            for x in range(cells):
                centres.extend([((x + 0.5) / cells, (y + 0.5) / cells)] * (_ANCHORS_PER_LAYER * same))
        layer += same
    return np.array(centres, dtype=np.float64)


ANCHORS = _anchor_centres()
assert ANCHORS.shape == (N_ANCHORS, 2)


@dataclass(frozen=True)
class Body:
    """One body the detector found: its score (0..1) and, in the frame's pixels, the middle of
    its hips and of its shoulders ((2,) x, y each)."""

    score: float
    hips_px: np.ndarray
    shoulders_px: np.ndarray

    def __post_init__(self) -> None:
        if self.hips_px.shape != (2,) or self.shoulders_px.shape != (2,):
            raise ValueError(f"a body's points are (2,) x, y; got {self.hips_px.shape} and {self.shoulders_px.shape}")


def square_frame(rgb: np.ndarray) -> tuple[np.ndarray, int, tuple[int, int]]:
    """A copy of ``rgb`` (H, W, 3) in the middle of a black (S, S, 3) square, S = max(H, W), as the
    detector letterboxes it; with S and the picture's offset (x, y) in the square. Always a new array:
    the search reads it in another thread while the frame goes on."""
    height, width = rgb.shape[:2]
    side = max(height, width)
    square = np.zeros((side, side, 3), dtype=np.uint8)
    ox, oy = (side - width) // 2, (side - height) // 2
    square[oy : oy + height, ox : ox + width] = rgb
    return square, side, (ox, oy)


def people_in(
    raw_boxes: np.ndarray,
    raw_scores: np.ndarray,
    side_px: int,
    offset_px: tuple[int, int],
    *,
    min_score: float,
    max_overlap: float = 0.3,
    limit: int | None = None,
) -> list[Body]:
    """The bodies in the detector's output, best first.

    ``raw_boxes`` holds the (2254 × 12) box and keypoint values (flat or shaped), ``raw_scores``
    the 2254 scores before the sigmoid, for a picture letterboxed into a ``side_px`` square at
    ``offset_px`` (``square_frame``). Anchors scoring under ``min_score`` are dropped; of those
    overlapping the best remaining one by more than ``max_overlap`` (intersection over union),
    one body is kept, its points the score-weighted mean of theirs. At most ``limit`` are given.
    """
    boxes = np.asarray(raw_boxes, dtype=np.float64)
    raw = np.asarray(raw_scores, dtype=np.float64)
    if boxes.size != N_ANCHORS * N_VALUES or raw.size != N_ANCHORS:
        raise ValueError(
            f"the pose detector gave {boxes.size} box values and {raw.size} scores; "
            f"expected {N_ANCHORS * N_VALUES} and {N_ANCHORS} (is this the bundle's pose detector?)"
        )
    boxes = boxes.reshape(N_ANCHORS, N_VALUES)
    logits = np.clip(raw.reshape(N_ANCHORS), -_SCORE_CLIP, _SCORE_CLIP)
    scores = 1.0 / (1.0 + np.exp(-logits))
    kept = np.flatnonzero(scores >= min_score)
    if kept.size == 0:
        return []
    values = boxes[kept] / INPUT_PX
    centres = ANCHORS[kept]
    cx, cy = values[:, 0] + centres[:, 0], values[:, 1] + centres[:, 1]
    half_w, half_h = values[:, 2] / 2.0, values[:, 3] / 2.0
    corners = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=1)
    points = values[:, 4:].reshape(-1, 4, 2) + centres[:, None, :]
    scores = scores[kept]

    bodies: list[Body] = []
    left = np.argsort(-scores, kind="stable")
    offset = np.array(offset_px, dtype=np.float64)
    while left.size and (limit is None or len(bodies) < limit):
        best = left[0]
        overlap = _overlap(corners[best], corners[left])
        group = left[(overlap > max_overlap) | (left == best)]
        weights = scores[group]
        mean = (points[group] * weights[:, None, None]).sum(axis=0) / weights.sum()
        px = mean * side_px - offset
        bodies.append(Body(float(scores[best]), px[_HIPS], px[_SHOULDERS]))
        left = left[~np.isin(left, group)]
    return bodies


def _overlap(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of ``box`` (4,) with each of ``boxes`` (N, 4), corners x0, y0, x1, y1."""
    width = np.clip(np.minimum(boxes[:, 2], box[2]) - np.maximum(boxes[:, 0], box[0]), 0.0, None)
    height = np.clip(np.minimum(boxes[:, 3], box[3]) - np.maximum(boxes[:, 1], box[1]), 0.0, None)
    inter = width * height
    union = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]) + (box[2] - box[0]) * (box[3] - box[1]) - inter
    return np.where(union > 0.0, inter / np.where(union > 0.0, union, 1.0), 0.0)
