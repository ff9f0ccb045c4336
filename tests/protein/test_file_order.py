"""Atoms keep the order of the file (the order of a trajectory of that topology) where a
residue's atoms are apart in it, as in files that list the hydrogens after all heavy atoms.
Checked against MDAnalysis and biotite, which read atoms in file order."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.protein import (
    load_structure,
    load_trajectory,
    radius_of_gyration,
    residue_table,
    secondary_structure,
)

mda = pytest.importorskip("MDAnalysis")
bstruc = pytest.importorskip("biotite.structure")
bpdb = pytest.importorskip("biotite.structure.io.pdb")


def _hydrogens_last(shared_data: Path, n_residues: int = 12) -> str:
    """The first residues of ubiquitin, heavy atoms first, then one hydrogen a residue listed
    after all of them (apart from its residue), numbered in file order."""
    heavy, hydrogens = [], []
    for line in (shared_data / "protein" / "pdb1ubi.pdb").read_text().splitlines():
        if not line.startswith("ATOM") or int(line[22:26]) > n_residues:
            continue
        heavy.append(line)
        if line[12:16] == " CA ":
            x = float(line[30:38]) + 0.9
            hydrogens.append(f"{line[:12]} HA {line[16:30]}{x:8.3f}{line[38:76]} H")
    lines = [f"{line[:6]}{i:5d}{line[11:]}" for i, line in enumerate(heavy + hydrogens, 1)]
    return "\n".join(lines) + "\nEND\n"


def test_pdb_atoms_keep_the_file_order(shared_data: Path, tmp_path: Path) -> None:
    path = tmp_path / "hydrogens_last.pdb"
    path.write_text(_hydrogens_last(shared_data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        universe = mda.Universe(str(path))
    ours = load_structure(path)
    np.testing.assert_array_equal(ours.atom_name, universe.atoms.names)
    np.testing.assert_allclose(ours.coords[0], universe.atoms.positions, atol=1e-3)
    assert ours.n_residues == len(ours.polymer_residues) == 12  # still one residue each
    assert ours.sequence == "MQIFVKTLTGKT"
    table = residue_table(ours)
    assert len(table) == 12
    per_number = [int((universe.atoms.resids == n).sum()) for n in range(1, 13)]
    np.testing.assert_array_equal(table.n_atoms, per_number)  # MDAnalysis splits residues

    # A trajectory of this topology holds its atoms in file order: each atom gets its own
    # coordinates (before, gemmi's residue-grouped order took the coordinates of others).
    shifted = tmp_path / "frames.dcd"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MDAnalysis: no unit cell to write
        with mda.Writer(str(shifted), universe.atoms.n_atoms) as writer:
            for k in range(3):
                universe.atoms.positions = universe.atoms.positions * (1.0 + 0.1 * k)
                writer.write(universe.atoms)
        frames = mda.Universe(str(path), str(shifted))
        expected = np.array([ts.positions.copy() for ts in frames.trajectory])
    trajectory = load_trajectory(path, shifted)
    np.testing.assert_allclose(trajectory.coords, expected, atol=1e-3)
    np.testing.assert_allclose(
        radius_of_gyration(trajectory, atoms="heavy", device="cpu")[0],
        radius_of_gyration(ours, atoms="heavy", device="cpu")[0],
        atol=1e-4,
    )


def test_mmcif_atoms_keep_the_row_order(shared_data: Path, tmp_path: Path) -> None:
    pdbx = pytest.importorskip("biotite.structure.io.pdbx")
    text = _hydrogens_last(shared_data)
    atoms = bpdb.PDBFile.read(_write(tmp_path / "in.pdb", text)).get_structure(model=1)
    cif = pdbx.CIFFile()
    pdbx.set_structure(cif, atoms)
    path = tmp_path / "hydrogens_last.cif"
    cif.write(str(path))
    ours = load_structure(path)
    np.testing.assert_array_equal(ours.atom_name, atoms.atom_name)
    np.testing.assert_allclose(ours.coords[0], atoms.coord, atol=1e-3)
    assert len(ours.polymer_residues) == 12


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_force_field_histidine_names_in_secondary_structure(shared_data: Path) -> None:
    """CHARMM's HSD/HSE and Amber's HIE are histidines: P-SEA on their Cα trace is P-SEA on
    the same trace with HIS (biotite's reading of the standard file), not a gap in the chain."""
    standard = (shared_data / "protein" / "pdb1ubi.pdb").read_text()
    renamed = "\n".join(
        line.replace("HIS A", "HSD A") if line.startswith("ATOM") else line
        for line in standard.splitlines()
    )
    theirs = bpdb.PDBFile.read(io.StringIO(standard)).get_structure(model=1)
    theirs = theirs[bstruc.filter_amino_acids(theirs)]
    expected = [{"a": "H", "b": "E"}.get(str(code), "C") for code in bstruc.annotate_sse(theirs)]
    ours = load_structure(renamed)
    assert "HSD" in ours.res_name.tolist()
    assert secondary_structure(ours).tolist() == expected
