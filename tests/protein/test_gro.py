"""GROMACS .gro files against MDAnalysis and biotite: atoms, frames, precision, chains, ions,
topologies of XTC trajectories, bad files."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.errors import DataFileError
from ai4s_lab.protein import load_structure, load_trajectory

mda = pytest.importorskip("MDAnalysis")


def _quiet_universe(*paths: Path):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mda.Universe(*[str(p) for p in paths])


@pytest.fixture(scope="module")
def rhodopsin_gro() -> Path:
    """nglview's GROMACS file of the md_1u19 simulation (with velocities)."""
    nglview = pytest.importorskip("nglview")
    path = Path(nglview.__file__).parent / "datafiles" / "md_1u19.gro"
    if not path.is_file():
        pytest.skip(f"{path} is not installed")
    return path


def test_gro_matches_mdanalysis_and_the_pdb(rhodopsin_gro: Path, shared_data: Path) -> None:
    ours = load_structure(rhodopsin_gro)
    universe = _quiet_universe(rhodopsin_gro)
    assert ours.format == "gro" and ours.n_atoms == universe.atoms.n_atoms == 5547
    np.testing.assert_allclose(ours.coords[0], universe.atoms.positions, atol=1e-4)  # nm → Å
    np.testing.assert_array_equal(ours.atom_name, universe.atoms.names)
    np.testing.assert_array_equal(ours.res_name, universe.atoms.resnames)
    np.testing.assert_array_equal(ours.res_seq, universe.atoms.resids)
    # the same simulation as PDB (written by another program): same residues and elements
    pdb = load_structure(shared_data / "protein" / "md_1u19.pdb")
    assert ours.sequence == pdb.sequence and len(ours.sequence) == 348
    np.testing.assert_array_equal(ours.element, pdb.element)  # lipid CLA..CLG stay carbons
    np.testing.assert_allclose(ours.coords[0], pdb.coords[0], atol=1e-3)


def test_gro_topology_of_an_xtc_trajectory(rhodopsin_gro: Path, shared_data: Path) -> None:
    xtc = shared_data / "protein" / "md_1u19.xtc"
    ours = load_trajectory(rhodopsin_gro, xtc)
    universe = _quiet_universe(rhodopsin_gro, xtc)
    assert ours.n_models == len(universe.trajectory) == 51
    universe.trajectory[30]
    np.testing.assert_allclose(ours.coords[30], universe.atoms.positions, atol=1e-4)
    np.testing.assert_allclose(ours.metadata["time_ps"], [ts.time for ts in universe.trajectory])


def _frames_as_gro(top: Path, traj: Path, frames: list[int], tmp_path: Path) -> Path:
    """A multi-frame .gro written by MDAnalysis's GROWriter, one frame at a time, with the
    frame time in each title."""
    universe = _quiet_universe(top, traj)
    text = []
    for k in frames:
        ts = universe.trajectory[k]
        one = tmp_path / f"frame{k}.gro"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            universe.atoms.write(str(one))
        lines = one.read_text().splitlines()
        text.append("\n".join([f"md_1u19 t= {ts.time:.5f} step= {k}", *lines[1:]]))
    out = tmp_path / "frames.gro"
    out.write_text("\n".join(text) + "\n")
    return out


def test_multi_frame_gro_equals_biotite_and_the_xtc(shared_data: Path, tmp_path: Path) -> None:
    gro_module = pytest.importorskip("biotite.structure.io.gro")
    top, xtc = shared_data / "protein" / "md_1u19.pdb", shared_data / "protein" / "md_1u19.xtc"
    path = _frames_as_gro(top, xtc, [0, 10, 50], tmp_path)
    frames = load_trajectory(path)
    assert frames.n_models == 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stack = gro_module.GROFile.read(str(path)).get_structure()
    np.testing.assert_allclose(frames.coords, stack.coord, atol=1e-4)
    universe = _quiet_universe(top, xtc)
    for model, k in enumerate([0, 10, 50]):
        universe.trajectory[k]  # .gro holds 0.001 nm = 0.01 Å
        np.testing.assert_allclose(frames.coords[model], universe.atoms.positions, atol=6e-3)
    np.testing.assert_allclose(frames.metadata["time_ps"], [0.0, 200.0, 1000.0])
    assert load_trajectory(path, start=1).metadata["time_ps"].tolist() == [200.0, 1000.0]


def _gro_line(num: int, res: str, atom: str, serial: int, xyz: tuple[float, ...], fmt: str) -> str:
    return f"{num % 100_000:5d}{res:<5s}{atom:>5s}{serial % 100_000:5d}" + "".join(
        format(v, fmt) for v in xyz
    )


def test_precision_chains_ions_and_waters(tmp_path: Path) -> None:
    """Two peptide chains numbered from 1 each, waters and ions, written at %10.5f; residue
    numbers wrapping past 99,999 start another chain instead of merging residues."""
    atoms = [
        (1, "ALA", "N"), (1, "ALA", "CA"), (1, "ALA", "C"), (2, "GLY", "N"), (2, "GLY", "CA"),
        (1, "HIE", "N"), (1, "HIE", "CA"), (2, "NME", "N"),
        (3, "SOL", "OW"), (3, "SOL", "HW1"), (3, "SOL", "HW2"),
        (4, "NA", "NA"), (5, "CL", "CL"), (6, "SOD", "SOD"), (7, "CA", "CA"), (8, "ZN", "ZN"),
        (99_999, "SOL", "OW"), (100_000, "SOL", "OW"),
    ]  # fmt: skip
    rng = np.random.default_rng(7)
    xyz = rng.uniform(0, 5, (len(atoms), 3)).round(5)
    lines = ["mixed system", str(len(atoms))]
    lines += [
        _gro_line(n, r, a, i + 1, tuple(xyz[i]), "10.5f") for i, (n, r, a) in enumerate(atoms)
    ]
    lines.append("   5.00000   5.00000   5.00000")
    path = tmp_path / "mixed.gro"
    path.write_text("\n".join(lines) + "\n")
    s = load_structure(path)
    np.testing.assert_allclose(s.coords[0], xyz * 10.0, atol=1e-9)
    assert s.chains == ["A", "B", "C"]  # restart at 1, then the wrap 99,999 → 0
    assert s.sequence == "AGH"
    assert s.residue_ids == [("A", 1, ""), ("A", 2, ""), ("B", 1, "")]
    assert s.element.tolist() == [
        "N", "C", "C", "N", "C", "N", "C", "N", "O", "H", "H", "NA", "CL", "NA", "CA", "ZN",
        "O", "O",
    ]  # fmt: skip
    assert s.water.sum() == 5 and s.n_residues == 12
    dry = load_structure(path, water=False, hydrogens=False)
    assert dry.n_atoms == 13 and dry.n_residues == 9 and not dry.water.any()
    text = load_structure(path.read_text())  # .gro text is recognised without a name
    np.testing.assert_array_equal(text.coords, s.coords)


_ATOM = "    1ALA      N    1   0.100   0.200   0.300\n"
_BOX = " 1 1 1\n"


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("title\n3\n" + _ATOM, r"line 3: frame 1 announces 3 atoms"),
        ("title\nmany\n", r"line 2: expected the number of atoms"),
        ("title\n1\n" + _ATOM.replace("0.200", "abc  ") + _BOX, r"line 3: columns 21-44 .*"),
        (
            "title\n1\n" + _ATOM + _BOX + "title\n1\n" + _ATOM.replace("  N ", " CA ") + _BOX,
            r"line 5: frame 2 holds other atoms",
        ),
    ],
)
def test_bad_gro_files_name_the_line(tmp_path: Path, content: str, match: str) -> None:
    path = tmp_path / "bad.gro"
    path.write_text(content)
    with pytest.raises(DataFileError, match=rf"bad\.gro, {match}"):
        load_structure(path)
