"""Every boundary of DESIGN.md holds: which module may import which library, and the pure stages import none.

Two checks: every ``import`` in every module (top level and inside functions) is read with ``ast``,
and the pure modules are imported in a fresh interpreter to see what ``sys.modules`` then holds.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "liftcheck"

# DESIGN.md's boundaries: a library -> the only modules (paths from the project root) that may import it.
# A path ending in "/" allows the whole folder.
ALLOWED = {
    "mediapipe": ("liftcheck/pose.py",),
    "cv2": ("liftcheck/video.py", "liftcheck/draw.py"),
    "av": ("liftcheck/video.py", "liftcheck/draw.py"),
    "streamlit": ("app.py", "liftcheck/ui/"),
    "streamlit_webrtc": ("app.py", "liftcheck/ui/"),
    "pandas": ("app.py", "liftcheck/ui/"),
    "altair": ("app.py", "liftcheck/ui/"),
    # Only the batch package (its cluster module), and only when asked to run on a cluster.
    "ray": ("liftcheck/batch/cluster.py",),
}
# The pure modules: numpy, the standard library and each other only.
PURE = (
    "config",
    "landmarks",
    "kinematics",
    "reps",
    "rules",
    "report",
    "guidance",
    "presentation",
    "engine",
    "niosh",
    "lift_geometry",
    "charts",
    "html_report",
    "workshop.synthetic",
    "workdirs",
    "turns",
    "people",
    "detector",
)
HEAVY = ("cv2", "av", "mediapipe", "streamlit", "streamlit_webrtc", "pandas", "altair", "ray")


def _sources() -> list[Path]:
    return [ROOT / "app.py", *sorted(PACKAGE.rglob("*.py"))]


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _module_path(module: str) -> Path:
    """The file of ``liftcheck.x.y`` (or of ``x.y``, relative to the package)."""
    base = PACKAGE.joinpath(*module.removeprefix("liftcheck.").split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def _imports(path: Path) -> set[str]:
    """Every module named in an import anywhere in the file (inside functions too), relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            # "from liftcheck import report" imports the module liftcheck.report; "import __version__" none.
            submodules = {f"{module}.{alias.name}" for alias in node.names}
            found.update(m for m in submodules if m.startswith("liftcheck") and _module_path(m).exists())
            found.add(module)
    return found


def _allowed(path: Path, places: tuple[str, ...]) -> bool:
    name = _name(path)
    return any(name == p or (p.endswith("/") and name.startswith(p)) for p in places)


@pytest.mark.parametrize("library", sorted(ALLOWED))
def test_each_library_is_imported_only_where_design_allows(library: str) -> None:
    """mediapipe only in pose.py; cv2 and av only in video.py and draw.py; streamlit, streamlit_webrtc, pandas and
    altair only in app.py and liftcheck/ui/; ray only in a batch module."""
    offenders = [
        _name(path)
        for path in _sources()
        if any(m.split(".")[0] == library for m in _imports(path)) and not _allowed(path, ALLOWED[library])
    ]
    assert offenders == [], f"{library} imported outside {ALLOWED[library]}"


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_import_only_numpy_the_standard_library_and_each_other(module: str) -> None:
    """A pure module's imports, anywhere in it, are the standard library, numpy, or other pure modules."""
    pure = tuple(f"liftcheck.{m}" for m in PURE)
    paths = [_module_path(module)]
    if paths[0].name == "__init__.py":
        paths = sorted(paths[0].parent.rglob("*.py"))

    def fine(name: str) -> bool:
        top = name.split(".")[0]
        return top in sys.stdlib_module_names or top == "numpy" or name == "liftcheck" or name.startswith(pure)

    bad = sorted(f"{_name(path)}: {name}" for path in paths for name in _imports(path) if not fine(name))
    assert bad == []


def _loaded_after_importing(*modules: str) -> list[str]:
    code = (
        "import sys\n"
        + "".join(f"import liftcheck.{m}\n" for m in modules)
        + f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return eval(out.stdout.strip())  # a printed list of str


def test_pure_modules_pull_in_no_heavy_library() -> None:
    """Importing every pure module (and the package itself) loads none of cv2, av, mediapipe, streamlit, pandas,
    altair or ray."""
    assert _loaded_after_importing(*PURE) == []
    assert _loaded_after_importing() == []  # `import liftcheck` alone


def test_the_summary_view_draws_nothing_on_frames() -> None:
    """The app's summary view (Upload, Live and History) takes its colours from presentation, not from draw.py:
    importing it loads no cv2, av or mediapipe."""
    pytest.importorskip("streamlit")
    loaded = _loaded_after_importing("ui.summary", "store")
    assert [m for m in loaded if m in ("cv2", "av", "mediapipe")] == []
