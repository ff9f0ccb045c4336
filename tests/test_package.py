"""The package's shape: a light import, and the layering rules of ARCHITECTURE.md."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import ai4s_lab

PACKAGE = Path(ai4s_lab.__file__).resolve().parent
HEAVY = ["torch", "rdkit", "ipywidgets", "gemmi", "plotly", "papermill", "IPython", "pandas"]
SCIENCE_CORE = ["pde", "protein", "materials", "molecules"]
JUPYTER = {
    "ipywidgets",
    "anywidget",
    "plotly",
    "nglview",
    "py3Dmol",
    "papermill",
    "IPython",
    "nbformat",
    "nbconvert",
    "ipykernel",
    "jupyterlab",
    "jupyter_server",
}
DOMAINS = {f"ai4s_lab.{name}" for name in SCIENCE_CORE} | {"ai4s_lab.widgets"}


def _fresh_import(code: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_import_is_light() -> None:
    """``import ai4s_lab`` loads none of the heavy libraries (its speed is in bench/, not here:
    a timed test fails on a loaded machine for no fault of the code)."""
    code = (
        "import json, sys; import ai4s_lab; "
        f"print(json.dumps({{'loaded': [m for m in {HEAVY!r} if m in sys.modules]}}))"
    )
    result = _fresh_import(code)
    assert result["loaded"] == []


def test_public_api_is_declared() -> None:
    for name in ai4s_lab.__all__:
        assert getattr(ai4s_lab, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = ai4s_lab.nope  # type: ignore[attr-defined]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_science_core_has_no_jupyter_imports() -> None:
    offenders = []
    for folder in SCIENCE_CORE:
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            bad = {n for n in _imports(path) if n.split(".")[0] in JUPYTER}
            if bad:
                offenders.append(f"{path.relative_to(PACKAGE)}: {sorted(bad)}")
    assert offenders == []


def test_pipelines_import_no_science_module() -> None:
    offenders = []
    for path in sorted((PACKAGE / "pipelines").rglob("*.py")):
        bad = {n for n in _imports(path) if any(n.startswith(d) for d in DOMAINS)}
        if bad:
            offenders.append(f"{path.relative_to(PACKAGE)}: {sorted(bad)}")
    assert offenders == []


def test_no_print_in_library_code() -> None:
    allowed = {"cli.py"}  # the command line talks to the terminal on purpose
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def test_doctor_names_each_missing_package_and_its_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every distribution an extra installs that the labs import is checked; a missing one is
    reported with the pip command of the extra that brings it (checked against pyproject)."""
    from importlib import metadata

    from ai4s_lab import doctor

    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

    extras = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    real_version = metadata.version
    gone = {"numba", "MDAnalysis", "h5netcdf", "scikit-learn"}

    def version(name: str) -> str:
        if name in gone:
            raise metadata.PackageNotFoundError(name)
        return real_version(name)

    monkeypatch.setattr(doctor.metadata, "version", version)
    checks = {c.name: c for c in doctor.diagnose()}
    for name in gone:
        check = checks[name]
        assert not check.ok and check.detail == "not installed"
        extra = check.fix.split("[")[1].rstrip(']"')
        assert any(spec.startswith(name) for spec in extras[extra]), (name, extra)
    report = doctor.format_report(list(checks.values()))
    assert "4 item(s) missing" in report
