"""Molecules broken across the periodic box: a whole protein wrapped atom by atom into
orthorhombic and triclinic boxes comes back whole (up to a lattice translation); a raw GROMACS
trajectory against MDAnalysis's own unwrap."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.errors import Ai4sWarning
from ai4s_lab.protein import load_structure, load_trajectory, rmsd_over_time

mda = pytest.importorskip("MDAnalysis")
from MDAnalysis.lib.mdamath import triclinic_vectors  # noqa: E402


def _wrapped_trajectory(
    shared_data: Path, tmp_path: Path, cell: list[float]
) -> tuple[Path, Path, np.ndarray]:
    """1L2Y's NMR models as frames, each atom put inside the box ``cell`` on its own, written
    as XTC with the box; and the whole models."""
    topology = shared_data / "protein" / "1l2y.pdb"
    whole = load_structure(topology, altloc="all").coords[:5]
    box = triclinic_vectors(np.array(cell, dtype=np.float32)).astype(np.float64)
    # move the protein so it straddles the box's corner, then wrap every atom into the box
    fractional = (whole - whole[:, :1] + 0.05) @ np.linalg.inv(box)
    wrapped = (fractional - np.floor(fractional)) @ box
    universe = mda.Universe(str(topology))
    path = tmp_path / "wrapped.xtc"
    with warnings.catch_warnings(), mda.Writer(str(path), universe.atoms.n_atoms) as writer:
        warnings.simplefilter("ignore")
        for frame in wrapped:
            universe.atoms.positions = frame
            universe.dimensions = cell
            writer.write(universe.atoms)
    return topology, path, whole


@pytest.mark.parametrize(
    "cell",
    [[31.0, 33.0, 35.0, 90.0, 90.0, 90.0], [34.0, 34.0, 34.0, 60.0, 60.0, 90.0]],
    ids=["orthorhombic", "rhombic-dodecahedron"],
)
def test_wrapped_protein_is_made_whole(
    shared_data: Path, tmp_path: Path, cell: list[float]
) -> None:
    topology, path, whole = _wrapped_trajectory(shared_data, tmp_path, cell)
    with pytest.warns(Ai4sWarning, match=r"residues are broken across the periodic box"):
        raw = load_trajectory(topology, path)
    assert np.ptp(raw.coords[0], axis=0).max() > 25  # torn: spans the box
    ours = load_trajectory(topology, path, unwrap=True)
    # whole again: the models up to one translation a frame (XTC keeps 0.01 Å)
    for k in range(len(whole)):
        shift = ours.coords[k, 0] - whole[k, 0]
        np.testing.assert_allclose(ours.coords[k], whole[k] + shift, atol=0.011)
    np.testing.assert_allclose(ours.metadata["box"][:, :3], [cell[:3]] * len(whole), atol=1e-4)


def test_raw_gromacs_trajectory_against_mdanalysis_unwrap() -> None:
    """adk_oplsaa.xtc: the protein across the faces of its rhombic-dodecahedron box."""
    datafiles = pytest.importorskip("MDAnalysisTests.datafiles")
    with pytest.warns(Ai4sWarning, match=r"\d+ residues are broken.*unwrap=True"):
        load_trajectory(datafiles.TPR, datafiles.XTC, stop=2)
    ours = load_trajectory(datafiles.TPR, datafiles.XTC, stop=2, unwrap=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        universe = mda.Universe(datafiles.TPR, datafiles.XTC)
    protein = universe.select_atoms("protein")
    index = protein.indices
    for k, _ in enumerate(universe.trajectory[:2]):
        theirs = protein.unwrap(compound="fragments")  # over the TPR's bonds
        mine = ours.coords[k, index]
        np.testing.assert_allclose(mine - mine[0], theirs - theirs[0], atol=1e-3)
    # every water whole too: O–H within 1.1 Å in each frame
    oxygen = np.flatnonzero(ours.water & (ours.atom_name == "OW"))
    for offset in (1, 2):
        bonds = np.linalg.norm(ours.coords[:, oxygen + offset] - ours.coords[:, oxygen], axis=-1)
        assert bonds.max() < 1.1
    rmsd = rmsd_over_time(ours, 0).numpy()
    assert rmsd[1:].max() < 2.0  # 9.8 Å before: the torn protein, not motion


def test_each_chain_is_joined_on_its_own(shared_data: Path) -> None:
    """Two copies of 1L2Y as chains A and B (and a water between): each chain comes back whole,
    each up to its own lattice translation."""
    from ai4s_lab.protein._periodic import make_whole

    model = load_structure(shared_data / "protein" / "1l2y.pdb")
    one = model.coords[:2]
    water = np.array([[[0.0, 0.0, 0.0], [0.96, 0.0, 0.0], [-0.24, 0.93, 0.0]]] * 2)
    whole = np.concatenate([one, np.add(one, [12.0, 3.0, -5.0]), water + 20.0], axis=1)
    n = model.n_atoms
    residue_index = np.r_[
        model.residue_index, model.residue_index + model.n_residues, [2 * model.n_residues] * 3
    ]
    chain_id = np.array(["A"] * n + ["B"] * n + ["W"] * 3)
    polymer = np.r_[np.ones(2 * n, dtype=bool), np.zeros(3, dtype=bool)]
    box = np.tile(triclinic_vectors(np.array([29.0, 30.0, 31.0, 90, 90, 90]))[None], (2, 1, 1))
    fractional = (whole + 7.0) @ np.linalg.inv(box[0])
    coords = (fractional - np.floor(fractional)) @ box[0]
    broken = make_whole(coords, box, residue_index, chain_id, polymer, apply=True)
    assert broken > 0
    for atoms in (slice(0, n), slice(n, 2 * n), slice(2 * n, 2 * n + 3)):
        for k in range(2):
            shift = coords[k, atoms][0] - whole[k, atoms][0]
            np.testing.assert_allclose(coords[k, atoms], whole[k, atoms] + shift, atol=1e-5)
            lattice = (shift - 7.0) @ np.linalg.inv(box[0])  # whole box vectors
            np.testing.assert_allclose(lattice, np.round(lattice), atol=1e-6)


def test_gro_frames_carry_their_box_and_are_made_whole() -> None:
    """A GROMACS .gro file's box line (nine values: a rhombic dodecahedron) against
    MDAnalysis's reading of it; its protein, broken across the box, made whole as MDAnalysis
    makes it whole over the TPR's bonds."""
    datafiles = pytest.importorskip("MDAnalysisTests.datafiles")
    with pytest.warns(Ai4sWarning, match=r"residues are broken across the periodic box"):
        raw = load_trajectory(datafiles.GRO)
    ours = load_trajectory(datafiles.GRO, unwrap=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        universe = mda.Universe(datafiles.TPR, datafiles.GRO)
    np.testing.assert_allclose(raw.metadata["box"][0], universe.dimensions, atol=1e-3)
    protein = universe.select_atoms("protein")
    theirs = protein.unwrap(compound="fragments")
    mine = ours.coords[0, protein.indices]
    np.testing.assert_allclose(mine - mine[0], theirs - theirs[0], atol=1e-3)
    with pytest.warns(Ai4sWarning, match="hold no periodic box"):
        load_trajectory(load_structure(datafiles.PDB_small), unwrap=True)
