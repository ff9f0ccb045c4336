"""Request paths of the server extension resolve inside the root, and only there (no server)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ai4s_lab.server.paths import OutsideRootError, resolve_inside


@pytest.mark.parametrize("name", ["~backup", "a:b", "notes~"])
def test_tilde_and_colon_are_ordinary_characters_of_names(tmp_path: Path, name: str) -> None:
    (tmp_path / name).mkdir()
    assert resolve_inside(tmp_path, name) == (tmp_path / name).resolve()


@pytest.mark.parametrize(
    "bad", ["/etc", "\\\\server\\share", "..", "a/../../b", "a\\..\\..", "x\x00y"]
)
def test_absolute_parent_and_nul_paths_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(OutsideRootError):
        resolve_inside(tmp_path, bad)


def test_a_symlink_out_of_the_root_is_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    os.symlink(outside, root / "escape")
    os.symlink(outside / "missing.txt", root / "dangling")
    for link in ("escape", "escape/x", "dangling"):
        with pytest.raises(OutsideRootError, match="outside the server root"):
            resolve_inside(root, link)
    assert resolve_inside(root, "") == root.resolve()
