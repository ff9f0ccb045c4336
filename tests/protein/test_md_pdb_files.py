"""PDB files as simulation programs write them (CHARMM, NAMD, GROMACS): no element columns,
names aligned their own way, force-field water names; and the trajectory files that go with
them. Checked against the same atoms in a standard PDB file (read by biotite) and against
MDAnalysis."""

from __future__ import annotations

import re
import struct
import warnings
from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.errors import Ai4sWarning, DataFileError, InputError
from ai4s_lab.protein import (
    contact_map,
    load_structure,
    load_trajectory,
    matched_coordinates,
    rmsd,
    rmsd_over_time,
    superpose,
)

pdb = pytest.importorskip("biotite.structure.io.pdb")


def _charmm_style(text: str) -> str:
    """A standard PDB file as CHARMM/NAMD write it: every atom name from column 13, a blank
    chain, a segment ID (PROT, or SOLV for waters) and no element columns."""
    out = []
    for line in text.splitlines():
        if line[:6] not in ("ATOM  ", "HETATM"):
            continue
        segment = "SOLV" if line[17:20] == "HOH" else "PROT"
        name = line[12:16].strip()
        out.append(f"ATOM  {line[6:12]}{name:<4}{line[16:21]} {line[22:72]}{segment}")
    return "\n".join(out) + "\nEND\n"


def test_charmm_pdb_without_elements_reads_like_the_standard_file(
    shared_data: Path, tmp_path: Path
) -> None:
    """Read by the name alignment, CHARMM's "CA  " is calcium, "CD  " cadmium and "HG1 "
    mercury: the protein had no Cα, so no polymer residue, before elements were read in the
    context of the residue."""
    standard = shared_data / "protein" / "pdb1ubi.pdb"
    charmm = tmp_path / "ubi_charmm.pdb"
    charmm.write_text(_charmm_style(standard.read_text()))
    theirs = pdb.PDBFile.read(str(standard)).get_structure(model=1, altloc="first")
    ours = load_structure(charmm)
    assert ours.chains == ["PROT", "SOLV"]
    np.testing.assert_array_equal(ours.atom_name, theirs.atom_name)
    np.testing.assert_array_equal(ours.element, np.char.upper(theirs.element.astype(str)))
    reference = load_structure(standard)
    assert len(ours.polymer_residues) == len(reference.polymer_residues) == 76
    assert ours.sequence == reference.sequence
    np.testing.assert_array_equal(
        contact_map(ours, device="cpu").numpy(), contact_map(reference, device="cpu").numpy()
    )
    mobile, target, _ = matched_coordinates(ours, reference, "heavy", alignment="sequence")
    assert len(mobile) == len(target) == len(reference.atom_indices("heavy"))
    same_frame = rmsd(ours, reference, atoms="heavy", alignment="sequence", superpose=False)
    assert float(same_frame[0]) == pytest.approx(0.0, abs=1e-9)
    dry = load_structure(charmm, hydrogens=False, water=False)
    assert dry.n_atoms == int((theirs.hetero == False).sum())  # noqa: E712 (1UBI has no H)


def test_ions_and_ligands_without_elements() -> None:
    """GROMACS writes an ion's name from column 14 (" NA " of NA+ is sodium, not nitrogen); a
    haem's left-aligned "FE" is iron and its "NA" a nitrogen."""
    atoms = [
        ("HETATM", "FE  ", "HEM", "A", 201),
        ("HETATM", "NA  ", "HEM", "A", 201),
        ("HETATM", "CHA ", "HEM", "A", 201),
        ("HETATM", "CL1 ", "LIG", "A", 202),
        ("HETATM", "C2  ", "LIG", "A", 202),
        ("ATOM  ", " NA ", "NA+", " ", 203),
        ("ATOM  ", " CL ", "CL-", " ", 204),
        ("ATOM  ", " SOD", "SOD", " ", 205),
        ("HETATM", "CA  ", " CA", "A", 206),
    ]
    text = "".join(
        f"{record}{i + 1:5d} {name}{' '}{res:>3} {chain}{num:4d}    "
        f"{float(i):8.3f}{0.0:8.3f}{0.0:8.3f}{1.0:6.2f}{0.0:6.2f}\n"
        for i, (record, name, res, chain, num) in enumerate(atoms)
    )
    structure = load_structure(text + "END\n")
    assert structure.element.tolist() == ["FE", "N", "C", "CL", "C", "NA", "CL", "NA", "CA"]


def _waters_text() -> str:
    """Two residues of a protein, then SOL (TIP4P, GROMACS) and TIP3 (CHARMM) waters."""
    lines = []
    atoms = [
        ("N", "ALA", 1), ("CA", "ALA", 1), ("C", "ALA", 1), ("O", "ALA", 1),
        ("N", "GLY", 2), ("CA", "GLY", 2), ("C", "GLY", 2), ("O", "GLY", 2),
        ("OW", "SOL", 3), ("HW1", "SOL", 3), ("HW2", "SOL", 3), ("MW", "SOL", 3),
        ("OW", "SOL", 4), ("HW1", "SOL", 4), ("HW2", "SOL", 4), ("MW", "SOL", 4),
        ("OH2", "TIP3", 5), ("H1", "TIP3", 5), ("H2", "TIP3", 5),
        ("NA", "NA", 6),
    ]  # fmt: skip
    for i, (name, res, num) in enumerate(atoms):
        lines.append(
            f"ATOM  {i + 1:5d}  {name:<3} {res:<4} {num:4d}    "
            f"{1.5 * i:8.3f}{0.3 * i:8.3f}{0.0:8.3f}{1.0:6.2f}{0.0:6.2f}"
        )
    return "\n".join(lines) + "\nEND\n"


def test_force_field_waters_are_waters(tmp_path: Path) -> None:
    """SOL and TIP3 waters are waters, as MDAnalysis's ``water`` selection says: flagged, and
    removed by ``water=False`` (as they are from a .gro file)."""
    mda = pytest.importorskip("MDAnalysis")
    path = tmp_path / "solvated.pdb"
    path.write_text(_waters_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        universe = mda.Universe(str(path))
    water = universe.select_atoms("water")
    structure = load_structure(path)
    assert int(structure.water.sum()) == water.n_atoms == 11
    dry = load_structure(path, water=False)
    assert dry.n_atoms == universe.atoms.n_atoms - water.n_atoms
    assert dry.res_name.tolist()[-1] == "NA"
    assert dry.element.tolist()[-1] == "NA"  # a sodium ion, not the nitrogen of " NA "
    assert "X" not in dry.element.tolist()


def test_no_protein_atoms_is_a_typed_error(tmp_path: Path) -> None:
    """A trajectory of waters has no Cα: a typed error that says so, not ZeroDivisionError."""
    text = _waters_text()
    waters = "\n".join(line for line in text.splitlines() if line[17:20] in ("SOL", "TIP"))
    frames = load_trajectory(load_structure(waters + "\nEND\n"))
    with pytest.raises(InputError, match=r"no amino-acid residues.*RMSD over time"):
        rmsd_over_time(frames, device="cpu")
    empty = np.zeros((2, 0, 3))
    with pytest.raises(InputError, match="no points"):
        rmsd(empty, empty[0], device="cpu")
    with pytest.raises(InputError, match="at least one point"):
        superpose(empty, empty[0], device="cpu")


def test_dcd_whose_header_counts_more_frames_than_a_run_wrote(
    shared_data: Path, tmp_path: Path
) -> None:
    """CHARMM writes the planned frame count (NSET) in the header; a run that stops early
    leaves it. A file that ends at a frame's end is read whole, with a warning; one cut inside
    a frame is still refused (test_trajectory_io)."""
    mda = pytest.importorskip("MDAnalysis")
    topology = shared_data / "protein" / "1l2y.pdb"
    raw = bytearray((shared_data / "protein" / "1l2y.dcd").read_bytes())
    assert struct.unpack("<i", raw[8:12])[0] == 38
    raw[8:12] = struct.pack("<i", 500)  # the run planned 500 frames and wrote 38
    early = tmp_path / "early.dcd"
    early.write_bytes(bytes(raw))
    with pytest.warns(Ai4sWarning, match="declares 500 frames but it holds 38 whole frames"):
        frames = load_trajectory(topology, early)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        universe = mda.Universe(str(topology), str(early))
        expected = np.array([ts.positions.copy() for ts in universe.trajectory])
    assert frames.n_models == len(expected) == 38
    np.testing.assert_allclose(frames.coords, expected, atol=1e-5)
    cut = tmp_path / "cut.dcd"
    cut.write_bytes(bytes(raw[: len(raw) - 100]))
    with pytest.raises(DataFileError, match="part of another: the file is truncated"):
        load_trajectory(topology, cut)


@pytest.mark.parametrize(
    ("name", "kind"), [("system.psf", "CHARMM/NAMD PSF"), ("topol.tpr", "GROMACS run-input")]
)
def test_unreadable_simulation_topology_is_named(
    shared_data: Path, tmp_path: Path, name: str, kind: str
) -> None:
    path = tmp_path / name
    path.write_bytes(b"PSF EXT\n\n       1 !NTITLE\n" if name.endswith(".psf") else b"\x00" * 64)
    with pytest.raises(DataFileError, match=re.escape(name) + ".*cannot read it as.*" + kind):
        load_trajectory(path, shared_data / "protein" / "1l2y.dcd")


def test_amber_ncdf_extension(shared_data: Path, tmp_path: Path) -> None:
    """``.ncdf`` is Amber's NetCDF trajectory as ``.nc`` is (MDAnalysis reads both)."""
    mda = pytest.importorskip("MDAnalysis")
    pytest.importorskip("netCDF4")
    topology = shared_data / "protein" / "1l2y.pdb"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        universe = mda.Universe(str(topology), str(shared_data / "protein" / "1l2y.xtc"))
        path = tmp_path / "frames.ncdf"
        with mda.Writer(str(path), universe.atoms.n_atoms, format="NCDF") as writer:
            for _ in universe.trajectory[:3]:
                writer.write(universe.atoms)
    frames = load_trajectory(topology, path)
    assert frames.n_models == 3
    np.testing.assert_allclose(frames.coords[2], universe.trajectory[2].positions, atol=1e-4)


def test_unmatched_chains_are_named(shared_data: Path) -> None:
    """Two chains of one file (both named after it) that share no residue keys: the message
    says which chains were compared, so the user sees why."""
    text = (shared_data / "protein" / "pdb1ubi.pdb").read_text()
    moved = "\n".join(
        f"{line[:21]}B{line[22:]}" if line.startswith(("ATOM", "HETATM")) else line
        for line in text.splitlines()
    )
    complex_ = load_structure(text.replace("\nEND", "") + "\nTER\n" + moved)
    with pytest.raises(InputError, match=r"chains \['B'\]\) correspond .* \(chains \['A'\]\)"):
        rmsd(complex_.select("B"), complex_.select("A"), device="cpu")
    same = rmsd(complex_.select("B"), complex_.select("A"), alignment="sequence", device="cpu")
    assert float(same[0]) == pytest.approx(0.0, abs=1e-6)


def test_pdbqt_autodock_types_are_not_elements(tmp_path: Path) -> None:
    """A PDBQT file's columns 78-79 hold AutoDock types: "NA" is an acceptor nitrogen (not
    sodium), "OA" an acceptor oxygen, "HD" a polar hydrogen, "A" an aromatic carbon."""
    rows = [("C1", "A"), ("N1", "NA"), ("O1", "OA"), ("H1", "HD"), ("C2", "C"), ("S1", "SA")]
    text = "".join(
        f"ATOM  {i:5d}  {name:<3} UNL A   1    {float(i):8.3f}{0.0:8.3f}{0.0:8.3f}"
        f"  0.00  0.00    +0.000 {kind:<2}\n"
        for i, (name, kind) in enumerate(rows, start=1)
    )
    path = tmp_path / "ligand.pdbqt"
    path.write_text(text + "END\n")
    assert load_structure(path).element.tolist() == ["C", "N", "O", "H", "C", "S"]
