"""Molecules that share chain IDs (blank ones, from simulations) are kept apart, never dropped;
long mmCIF chain names are kept whole. Counts and coordinates against biotite and gemmi."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.errors import DataFileError
from ai4s_lab.protein import load_structure

gemmi = pytest.importorskip("gemmi")
bpdb = pytest.importorskip("biotite.structure.io.pdb")


def _ubiquitin_atoms(shared_data: Path) -> list[str]:
    text = (shared_data / "protein" / "pdb1ubi.pdb").read_text()
    return [line for line in text.splitlines() if line.startswith("ATOM")]


def _copy(lines: list[str], dx: float, segment: str = "") -> str:
    """The lines with a blank chain ID, moved by ``dx`` Å along x, with a segment ID."""
    out = []
    for line in lines:
        line = line.ljust(80)
        x = f"{float(line[30:38]) + dx:8.3f}"
        out.append(line[:21] + " " + line[22:30] + x + line[38:72] + f"{segment:<4}" + line[76:])
    return "\n".join(out) + "\n"


def _biotite(text: str, model: int | None = 1) -> object:
    return bpdb.PDBFile.read(io.StringIO(text)).get_structure(model=model)


@pytest.mark.parametrize("layout", ["TER", "segment IDs"])
def test_two_copies_with_blank_chain_ids_are_two_chains(shared_data: Path, layout: str) -> None:
    lines = _ubiquitin_atoms(shared_data)
    if layout == "TER":
        text = _copy(lines, 0.0) + "TER\n" + _copy(lines, 40.0) + "END\n"
    else:
        text = _copy(lines, 0.0, "P1") + _copy(lines, 40.0, "P2") + "END\n"
    structure = load_structure(text)
    theirs = _biotite(text)
    raw = gemmi.read_pdb_string(text)
    assert structure.n_atoms == theirs.array_length() == raw[0].count_atom_sites() == 2 * len(lines)
    np.testing.assert_allclose(structure.coords[0], theirs.coord, atol=1e-3)
    np.testing.assert_array_equal(structure.atom_name, theirs.atom_name)
    expected = ["A", "B"] if layout == "TER" else ["P1", "P2"]
    assert structure.chains == expected
    assert len(structure.residue_ids) == len(set(structure.residue_ids)) == 152
    # each chain is one whole copy: the second one 40 Å along x from the first
    first, second = (structure.select(chains=c).coordinates("CA", models=0) for c in expected)
    np.testing.assert_allclose(second - first, [[40.0, 0.0, 0.0]] * 76, atol=2e-3)


def test_one_molecule_without_chain_id_keeps_its_blank_name(shared_data: Path) -> None:
    structure = load_structure(shared_data / "protein" / "md_1u19.pdb")
    assert structure.chains == [""]


def test_copies_in_one_model_of_several_keep_their_coordinates(shared_data: Path) -> None:
    lines = _ubiquitin_atoms(shared_data)[:40]
    models = []
    for k, shift in enumerate((0.0, 5.0), start=1):
        body = _copy(lines, shift) + "TER\n" + _copy(lines, shift + 40.0) + "TER\n"
        models.append(f"MODEL     {k:4d}\n{body}ENDMDL\n")
    text = "".join(models) + "END\n"
    structure = load_structure(text)
    theirs = _biotite(text, model=None)
    assert structure.n_models == 2 and structure.n_atoms == 80
    np.testing.assert_allclose(structure.coords, theirs.coord, atol=1e-3)


def test_copies_nothing_tells_apart_are_refused_not_merged(shared_data: Path) -> None:
    lines = _ubiquitin_atoms(shared_data)
    text = _copy(lines, 0.0) + _copy(lines, 40.0) + "END\n"
    with pytest.raises(DataFileError, match=r"MET 1 without a chain ID holds two atoms named N"):
        load_structure(text)
    chain_a = "\n".join(line[:21] + "A" + line[22:] for line in lines)
    with pytest.raises(DataFileError, match="chain A appears again after a TER record"):
        load_structure(chain_a + "\nTER\n" + chain_a + "\nEND\n")


def test_only_atoms_with_an_alternate_location_are_removed(shared_data: Path) -> None:
    """A ligand whose atoms share one name (docking output) keeps them all; the B location of
    an atom with A/B locations goes."""
    lines = _ubiquitin_atoms(shared_data)
    ca = next(line for line in lines if line[12:16] == " CA ")
    alt_a = ca[:16] + "A" + ca[17:54] + "  0.60" + ca[60:]
    alt_b = ca[:16] + "B" + ca[17:30] + f"{float(ca[30:38]) + 1:8.3f}" + ca[38:54] + "  0.40"
    alt_b += ca[60:]
    ligand = [
        f"HETATM{900 + k:5d}  C1  LIG B 201    {k:8.3f}   0.000   0.000  1.00 20.00           C"
        for k in range(3)
    ]
    text = "\n".join([*(alt_a + "\n" + alt_b if ln == ca else ln for ln in lines), *ligand])
    structure = load_structure(text + "\nEND\n")
    theirs = _biotite(text)  # biotite keeps the first location too (altloc="first")
    assert structure.n_atoms == theirs.array_length() == len(lines) + 3
    assert (structure.res_name == "LIG").sum() == 3
    np.testing.assert_allclose(structure.coords[0], theirs.coord, atol=1e-3)


def test_long_mmcif_chain_names_are_kept_whole(shared_data: Path) -> None:
    st = gemmi.read_structure(str(shared_data / "protein" / "pdb1ubi.pdb"))
    st.remove_ligands_and_waters()
    st[0].add_chain(st[0][0].clone())
    st[0][0].name, st[0][1].name = "AAAA1", "AAAA2"
    st.setup_entities()
    text = st.make_mmcif_document().as_string()
    theirs = gemmi.make_structure_from_block(gemmi.cif.read_string(text).sole_block())
    structure = load_structure(text)
    assert structure.chains == [chain.name for chain in theirs[0]] == ["AAAA1", "AAAA2"]
    assert len(structure.select(chains="AAAA2").residue_ids) == 76
    assert len(set(structure.residue_ids)) == 152


def test_hydrogens_sharing_one_name_are_all_kept(shared_data: Path) -> None:
    # some programs name every hydrogen of a residue "H": not two molecules in one residue
    lines = _ubiquitin_atoms(shared_data)[:8]  # MET 1 of chain A
    hydrogens = [
        "ATOM    999  H   MET A   1      27.000  24.000   2.000  1.00  0.00           H",
        "ATOM   1000  H   MET A   1      27.500  24.500   2.500  1.00  0.00           H",
    ]
    text = "\n".join(lines + hydrogens) + "\nEND\n"
    assert load_structure(text).n_atoms == len(_biotite(text)) == 10
