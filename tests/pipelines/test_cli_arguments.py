"""The command line's argument handling and listings, in this process (no kernel)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ai4s_lab.cli import _VALUE_MARK, _build_parser, _protect_parameter_values, main


@pytest.mark.parametrize(
    ("argv", "pairs", "out"),
    [
        (["-p", "n=5", "--out", "d"], [["n", "5"]], "d"),
        (["-p", "x", "-1e-3", "-p", "y=-2"], [["x", "-1e-3"], ["y", "-2"]], None),
        (["-p", "smiles=C=C=O"], [["smiles", "C=C=O"]], None),
        (["-p", "label", "a=b"], [["label", "a=b"]], None),
    ],
)
def test_parameters_as_name_value_or_name_equals_value(
    argv: list[str], pairs: list[list[str]], out: str | None
) -> None:
    args = _build_parser().parse_args(_protect_parameter_values(["run", "nb.ipynb", *argv]))
    assert [[n, v.removeprefix(_VALUE_MARK)] for n, v in args.parameter] == pairs
    assert (str(args.out) if args.out else None) == out


def test_runs_lists_the_folders_of_single_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, status in (("nb-1", "succeeded"), ("nb-2", "failed")):
        (tmp_path / name).mkdir()
        manifest = {"notebook": "/x/nb.ipynb", "status": status, "parameters": {"n": 1}}
        (tmp_path / name / "run.json").write_text(json.dumps(manifest))
    assert main(["runs", str(tmp_path)]) == 0
    listing = capsys.readouterr().out
    assert f"{tmp_path}: 2 runs" in listing
    assert "nb-1 nb.ipynb succeeded" in listing and "nb-2 nb.ipynb    failed" in listing
    assert main(["runs", str(tmp_path / "nb-1")]) == 0  # one run's own folder
    assert ": 1 runs" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sweep", "NB", "--grid", "GRID", "--workers", "0"], "--workers 0: give 1 or more"),
        (["sweep", "NB", "--grid", "GRID", "--retries", "-1"], "--retries -1: give 0 or more"),
        (["showcase", "--notebooks", "DIR", "--workers", "0"], "--workers 0: give 1 or more"),
    ],
)
def test_option_errors_name_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    from tests.conftest import make_notebook

    notebook = make_notebook(tmp_path / "nb.ipynb", ["y = x"], parameters="x = 1")
    grid = tmp_path / "grid.yaml"
    grid.write_text("x: [1]\n")
    (tmp_path / "showcase.txt").write_text("nb.ipynb\n")
    where = {"NB": str(notebook), "GRID": str(grid), "DIR": str(tmp_path)}
    out = tmp_path / "out"
    assert main([*(where.get(arg, arg) for arg in argv), "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"ai4s-lab: error: {message}\n"
    assert not out.exists()
