"""The workshop: tools for building and checking liftcheck, kept apart from the product's stages.

``synthetic`` (the synthetic lifter: poses with known angles, for tests and the demo),
``samples`` (the labelled sample clips: where they are and how to fetch them),
``evaluate`` (accuracy on the labelled clips) and ``looping`` (long videos from short clips,
for benchmarks and tests). Nothing in the product imports the workshop except the demo and
"Try a sample" (the CLI's ``demo`` and ``samples``, the app's Upload page).
"""
