"""Distance and contact maps against scipy and MDAnalysis; batching and chunking change nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from ai4s_lab.errors import InputError
from ai4s_lab.protein import (
    contact_map,
    distance_matrix,
    example_file,
    load_structure,
    radius_of_gyration,
)


@pytest.fixture(scope="module")
def ensemble():  # type: ignore[no-untyped-def]
    return load_structure(example_file("1l2y.pdb"))


@pytest.fixture(scope="module")
def alphafold():  # type: ignore[no-untyped-def]
    return load_structure(example_file("AF-Q5VSL9-F1-model_v4.pdb"))


def test_distance_matrix_matches_scipy(alphafold, device: str) -> None:  # type: ignore[no-untyped-def]
    x = alphafold.coordinates("CB")[0]
    ours = distance_matrix(x, device=device, dtype="float64").cpu().numpy()
    np.testing.assert_allclose(ours, cdist(x, x), atol=1e-6)
    y = alphafold.coordinates("CA")[0][:100]
    rect = distance_matrix(x, y, device=device, dtype="float64", chunk_size=37).cpu().numpy()
    np.testing.assert_allclose(rect, cdist(x, y), atol=1e-6)


def test_batched_equals_one_by_one(ensemble, device: str) -> None:  # type: ignore[no-untyped-def]
    x = ensemble.coordinates("CA")
    batched = distance_matrix(x, device=device, dtype="float64").cpu().numpy()
    for k in range(len(x)):
        np.testing.assert_allclose(batched[k], cdist(x[k], x[k]), atol=1e-6)
    maps = contact_map(ensemble, cutoff=6.0, atoms="CA", device=device).cpu().numpy()
    for k in (0, 17, 37):
        one = contact_map(ensemble, cutoff=6.0, atoms="CA", models=[k], device=device)
        np.testing.assert_array_equal(maps[k], one.cpu().numpy()[0])


@pytest.mark.parametrize("atoms", ["CA", "CB"])
def test_contact_map_matches_mdanalysis(shared_data: Path, atoms: str, device: str) -> None:
    distances = pytest.importorskip("MDAnalysis.analysis.distances")
    structure = load_structure(shared_data / "protein" / "5h73.pdb")
    ours = contact_map(structure, cutoff=8.0, atoms=atoms, device=device).cpu().numpy()[0]
    coords = structure.coordinates(atoms)[0].astype(np.float32)
    theirs = distances.contact_matrix(coords, cutoff=8.0, returntype="numpy")
    # Pairs within float32 rounding of the cutoff could legitimately differ; there are none here.
    d = cdist(coords, coords)
    near = np.abs(d - 8.0) < 1e-4
    assert not near.any()
    np.testing.assert_array_equal(ours, theirs)
    assert ours.shape == (363, 363)


def test_cb_falls_back_to_ca_for_glycine(alphafold) -> None:  # type: ignore[no-untyped-def]
    cb = alphafold.atom_indices("CB")
    names = alphafold.atom_name[cb]
    residues = alphafold.res_name[cb]
    assert set(names[residues == "GLY"].tolist()) == {"CA"}
    assert set(names[residues != "GLY"].tolist()) == {"CB"}


def test_heavy_atom_contacts_match_scipy(shared_data: Path, device: str) -> None:
    structure = load_structure(shared_data / "protein" / "5h73.pdb")
    index = structure.atom_indices("heavy")
    owner = structure.residue_of_atoms(index)
    d = cdist(structure.coords[0, index], structure.coords[0, index])
    starts = np.r_[0, np.flatnonzero(np.diff(owner)) + 1]
    per_residue = np.minimum.reduceat(np.minimum.reduceat(d, starts, axis=0), starts, axis=1)
    ours = contact_map(structure, cutoff=4.5, atoms="heavy", device=device, chunk_size=100)
    np.testing.assert_array_equal(ours.cpu().numpy()[0], per_residue < 4.5)


def test_chunked_map_of_5000_residues(device: str) -> None:
    """A 5,000-residue chain (random walk, 3.8 Å steps) in small chunks equals a direct check."""
    import torch

    rng = np.random.default_rng(1)
    steps = rng.normal(size=(5000, 3))
    steps *= 3.8 / np.linalg.norm(steps, axis=1, keepdims=True)
    x = np.cumsum(steps, axis=0)
    ours = contact_map(x, cutoff=8.0, device=device, dtype="float32", chunk_size=512)
    assert ours.shape == (5000, 5000) and ours.dtype == torch.bool
    rows = rng.choice(5000, 40, replace=False)
    np.testing.assert_array_equal(ours.cpu().numpy()[rows], cdist(x[rows], x) < 8.0)


def test_radius_of_gyration_matches_mdanalysis(shared_data: Path, device: str) -> None:
    mda = pytest.importorskip("MDAnalysis")
    path = shared_data / "protein" / "1l2y.pdb"
    universe = mda.Universe(str(path))
    ca = universe.select_atoms("name CA")
    expected = []
    for _ in universe.trajectory:
        expected.append(ca.radius_of_gyration())
    ours = radius_of_gyration(load_structure(path), atoms="CA", device=device)
    np.testing.assert_allclose(ours.cpu().numpy(), expected, atol=1e-4)


def test_bad_arguments(ensemble) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match="cutoff=-1"):
        contact_map(ensemble, cutoff=-1)
    with pytest.raises(InputError, match="atoms='side'"):
        contact_map(ensemble, atoms="side")
    with pytest.raises(InputError, match="not \\(\\.\\.\\., n_atoms, 3\\)"):
        distance_matrix(np.zeros((4, 2)))
    with pytest.raises(InputError, match="NaN"):
        distance_matrix(np.full((3, 3), np.nan))


def test_heavy_atom_contacts_of_a_large_complex_match_a_kd_tree() -> None:
    # 2GTL (erythrocruorin, 15 chains, 2,395 residues; shipped with tmtools): every residue pair
    # with a heavy-atom pair within the cutoff, found independently by scipy's k-d tree.
    tmtools = pytest.importorskip("tmtools")
    from scipy.spatial import cKDTree

    path = Path(tmtools.__file__).parent / "data" / "2gtl.pdb"
    if not path.is_file():
        pytest.skip("tmtools ships no 2gtl.pdb")
    structure = load_structure(path)
    index = structure.atom_indices("heavy")
    owner = structure.residue_of_atoms(index)
    n_res = len(structure.polymer_residues)
    pairs = cKDTree(structure.coords[0, index]).query_pairs(4.5, output_type="ndarray")
    expected = np.eye(n_res, dtype=bool)
    expected[owner[pairs[:, 0]], owner[pairs[:, 1]]] = True
    expected[owner[pairs[:, 1]], owner[pairs[:, 0]]] = True
    ours = contact_map(structure, cutoff=4.5, atoms="heavy", device="cpu")
    assert ours.shape == (1, n_res, n_res) and n_res == 2395
    np.testing.assert_array_equal(ours[0].numpy(), expected)


@pytest.mark.parametrize("models", [38, [0, 40], slice(50, 60), [], -39])
def test_models_that_do_not_exist_are_refused(ensemble, models: object) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=r"models=.*(out of range|none of the 38|no model)"):
        contact_map(ensemble, models=models, device="cpu")
    with pytest.raises(InputError, match=r"models="):
        contact_map(ensemble, atoms="heavy", models=models, device="cpu")
    with pytest.raises(InputError, match=r"models="):
        ensemble.coordinates("CA", models=models)


def test_model_choices_pick_those_models(ensemble) -> None:  # type: ignore[no-untyped-def]
    last = contact_map(ensemble, models=-1, device="cpu")
    both = contact_map(ensemble, models=[0, 37], device="cpu")
    assert last.shape == (1, 20, 20) and both.shape == (2, 20, 20)
    assert bool((both[1] == last[0]).all())
    np.testing.assert_array_equal(
        ensemble.coordinates("CA", models=37), ensemble.coords[37][ensemble.atom_indices("CA")]
    )


def test_structures_without_amino_acids_are_refused_by_name(shared_data: Path) -> None:
    """Waters only (1UBI's HETATM records): the residue-level measures say the structure holds
    no amino-acid residues and what it holds, instead of a reshape error or a radius of
    gyration of 0 Å; the heavy-atom map is empty, as it should be."""
    from ai4s_lab.protein import gdt_ts, load_structure, rmsd, tm_score

    lines = (shared_data / "protein" / "pdb1ubi.pdb").read_text().splitlines()
    waters = load_structure("\n".join(line for line in lines if line.startswith("HETATM")))
    assert waters.n_atoms > 0
    for measure in (
        lambda: contact_map(waters, device="cpu"),
        lambda: radius_of_gyration(waters, atoms="all", device="cpu"),
        lambda: tm_score(waters, waters, device="cpu"),
        lambda: gdt_ts(waters, waters, device="cpu"),
        lambda: rmsd(waters, waters, device="cpu"),
    ):
        with pytest.raises(InputError, match=r"no amino-acid residues .* residues HOH"):
            measure()
    assert contact_map(waters, atoms="heavy", device="cpu").shape == (1, 0, 0)
    with pytest.raises(InputError, match="no points"):
        tm_score(np.zeros((0, 3)), np.zeros((0, 3)), device="cpu")
