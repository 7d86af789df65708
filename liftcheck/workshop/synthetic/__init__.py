"""The synthetic lifter: pose sequences with known angles, made without a camera or a model.

Modules: ``body`` (segment lengths, the camera, landmark positions and the true angles),
``motions`` (each motion and the ``Scenario`` that strings them), ``generate`` (rendering a
scenario into ``PoseFrame``s), ``scenarios`` (ready-made clips); ``python -m
liftcheck.workshop.synthetic`` prints a summary of the demo clip.

Unit tests of the angle measures and the rep segmenter run against it, and the app's
"Try a sample" plays its demo clip when no video is at hand. Pure: numpy and the
standard library only.

A clip is described as a ``Scenario``: a sequence of motions (``stand``, ``lift``,
``twist``, ``walk``, ``turn_by_stepping``, ``sit_down``, ...), each starting from the
posture the previous one ended in. ``generate`` renders it through a pinhole camera into
the ``PoseFrame``s the pose estimator would give, with the true angles of every frame.

Conventions (the same definitions the measuring code uses):

- up: the true vertical. The body is built in a scene frame (x = the level camera's
  right, y = horizontal away from the camera, z = up, origin on the floor between the
  starting ankles) and then expressed in the camera's axes (x right, y down, z away),
  so with a pitched camera "up" is tilted in the output, as it is in MediaPipe's.
- lat = unit(RIGHT_HIP − LEFT_HIP) made horizontal (kept horizontal by construction);
  fwd = up × lat is the way the person faces (in a front view lat is −x, fwd is −z).
- trunk flexion: atan2(u·fwd, u·up) with u = unit(shoulder_mid − hip_mid); + = leaning forward.
- side bend: asin(u·lat); + = toward the person's right.
- trunk twist: the angle from the hip line to the shoulder line about u (right-hand
  rule); + = shoulders turned counter-clockwise seen from above, i.e. toward the
  person's left (the right shoulder comes forward).
- turn_by_stepping: + = turning to the person's left, the same sense as a + twist.
- view yaw: 0 = facing the camera, 90 = facing image-left, −90 = facing image-right.
"""

# The package is its modules' public names: ``synthetic.generate``, ``synthetic.lift``, ...
from liftcheck.workshop.synthetic.body import *  # noqa: F403
from liftcheck.workshop.synthetic.generate import *  # noqa: F403
from liftcheck.workshop.synthetic.motions import *  # noqa: F403
from liftcheck.workshop.synthetic.scenarios import *  # noqa: F403
from liftcheck.workshop.synthetic.scenarios import _summary  # noqa: F401  (``python -m``'s printout, tested)
