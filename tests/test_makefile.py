"""The Makefile's `make lab` command line, as `make -n` prints it (nothing is run)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("make") is None or os.name != "posix", reason="needs make")
def test_make_lab_serves_on_localhost_and_starts_as_root() -> None:
    """JupyterLab listens on 127.0.0.1 only; as root (a container) it gets --allow-root, without
    which Jupyter refuses to start, and as anyone else it does not."""
    printed = subprocess.run(
        ["make", "-n", "lab", "LAB_PORT=8899"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    lab = [line for line in printed.splitlines() if "jupyter lab" in line]
    assert len(lab) == 1, printed
    assert "--ip 127.0.0.1" in lab[0] and "--port 8899" in lab[0]
    assert ("--allow-root" in lab[0]) == (os.geteuid() == 0)


@pytest.mark.skipif(shutil.which("make") is None or os.name != "posix", reason="needs make")
def test_torch_spec_may_carry_pip_options(tmp_path: Path) -> None:
    """README's TORCH_SPEC="torch==2.13.0 --index-url URL" reached pip as ONE argument, an
    invalid requirement: the CPU or CUDA build could not be chosen as documented."""
    import shlex

    url = "https://download.pytorch.org/whl/cpu"
    printed = subprocess.run(
        ["make", "-n", f"VENV={tmp_path / 'venv'}", f"TORCH_SPEC=torch==2.13.0 --index-url {url}",
         str(tmp_path / "venv" / ".torch")],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    install = [shlex.split(line) for line in printed.splitlines() if " install " in line]
    assert len(install) == 1, printed
    assert install[0][-3:] == ["torch==2.13.0", "--index-url", url]
