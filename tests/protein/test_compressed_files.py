"""Structure files compressed with bzip2 or xz (as gzip), as archives and MD test sets ship
them. Checked against the uncompressed file."""

from __future__ import annotations

import bz2
import lzma
from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.errors import DataFileError
from ai4s_lab.protein import load_structure


@pytest.mark.parametrize(("suffix", "compress"), [(".bz2", bz2.compress), (".xz", lzma.compress)])
def test_bzip2_and_xz(shared_data: Path, tmp_path: Path, suffix: str, compress: object) -> None:
    source = shared_data / "protein" / "pdb1ubi.pdb"
    path = tmp_path / f"pdb1ubi.pdb{suffix}"
    path.write_bytes(compress(source.read_bytes()))  # type: ignore[operator]
    ours, plain = load_structure(path), load_structure(source)
    assert ours.name == plain.name == "pdb1ubi"
    assert ours.format == "pdb"
    np.testing.assert_array_equal(ours.coords, plain.coords)
    np.testing.assert_array_equal(ours.atom_name, plain.atom_name)
    damaged = tmp_path / f"damaged.pdb{suffix}"
    damaged.write_bytes(path.read_bytes()[:200])
    with pytest.raises(DataFileError, match=r"damaged\.pdb.*not a valid (bzip2|xz) file"):
        load_structure(damaged)
