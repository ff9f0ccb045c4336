"""Files saved as UTF-16 with a byte-order mark (Excel's "Unicode text"); RDKit parses the
same molecules from the UTF-8 text."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdkit import Chem

from ai4s_lab.molecules import read_molecules

ROWS = [("CCO", "ethanol"), ("c1ccccc1O", "phenol"), ("CC(=O)O", "acetic acid")]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
@pytest.mark.parametrize("name", ["lib.smi", "lib.tsv"])
def test_utf16_table_reads_as_its_text(tmp_path: Path, encoding: str, name: str) -> None:
    header = "smiles\tname\n" if name.endswith(".tsv") else ""
    text = header + "".join(f"{smiles}\t{title}\r\n" for smiles, title in ROWS)
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path = tmp_path / name
    path.write_bytes(data)
    result = read_molecules(path, standardize=False)
    assert result.smiles == [Chem.MolToSmiles(Chem.MolFromSmiles(s)) for s, _ in ROWS]
    assert result.ids == [title for _, title in ROWS]
    assert result.errors.empty


def test_utf16_sdf(tmp_path: Path) -> None:
    mol = Chem.MolFromSmiles("c1ccccc1O")
    mol.SetProp("_Name", "phénol")
    block = Chem.MolToMolBlock(mol) + "$$$$\n"
    path = tmp_path / "lib.sdf"
    path.write_bytes(block.encode("utf-16"))
    result = read_molecules(path, standardize=False)
    assert result.smiles == [Chem.MolToSmiles(mol)]
    assert result.ids == ["phénol"]
