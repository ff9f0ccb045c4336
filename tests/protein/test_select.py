"""Structure.select: chains, residues, polymer atoms and models, checked against gemmi."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.errors import InputError
from ai4s_lab.protein import contact_map, load_structure, load_trajectory, superpose
from tests.protein._complexes import two_chain_ubiquitin

gemmi = pytest.importorskip("gemmi")


def test_one_chain_of_a_complex_is_the_chain_gemmi_reads() -> None:
    dimer = two_chain_ubiquitin()
    chain_b = dimer.select("B")
    doc = gemmi.cif.read_string(dimer.to_mmcif_string())
    reference = gemmi.make_structure_from_block(doc.sole_block())[0]["B"]
    positions = np.array([atom.pos.tolist() for residue in reference for atom in residue])
    assert chain_b.n_atoms == len(positions) and chain_b.chains == ["B"]
    np.testing.assert_allclose(chain_b.coords[0], positions, atol=1e-3)
    assert chain_b.sequence == gemmi.one_letter_code([r.name for r in reference])
    assert chain_b.residue_index.max() + 1 == chain_b.n_residues == len(reference)
    # the two copies differ by a shift of 40 Å along x: superposing one chain on the other
    fit = superpose(chain_b, dimer.select("A"), alignment="sequence", device="cpu")
    assert float(fit.rmsd[0]) == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(fit.coords[0].numpy(), dimer.select("A").coords[0], atol=1e-6)


def test_a_chains_contact_map_is_its_block_of_the_whole() -> None:
    dimer = two_chain_ubiquitin()
    whole = contact_map(dimer, device="cpu")[0]
    alone = contact_map(dimer.select(["A"]), device="cpu")[0]
    assert alone.shape == (76, 76)
    assert bool((whole[:76, :76] == alone).all())


def test_residues_by_number_and_by_key(shared_data: Path) -> None:
    dimer = two_chain_ubiquitin()
    span = dimer.select("A", range(10, 21))
    assert [key[1] for key in span.residue_ids] == list(range(10, 21))
    assert {key[0] for key in span.residue_ids} == {"A"}
    both = dimer.select(residues=[5])  # residue 5 of every chain
    assert both.residue_ids == [("A", 5, ""), ("B", 5, "")]
    assert dimer.select(residues=("B", 7)).residue_ids == [("B", 7, "")]
    assert dimer.select(residues=(7, 8)).n_residues == 4  # a tuple of numbers is numbers
    # polymer=True drops the 58 waters of 1UBI, as gemmi's remove_ligands_and_waters does
    crystal = load_structure(shared_data / "protein" / "pdb1ubi.pdb")
    protein = crystal.select(polymer=True)
    st = gemmi.read_structure(str(shared_data / "protein" / "pdb1ubi.pdb"))
    st.remove_ligands_and_waters()
    assert protein.n_atoms == st[0].count_atom_sites() < crystal.n_atoms
    assert not protein.water.any()


def test_models_of_an_ensemble_and_of_a_trajectory(shared_data: Path) -> None:
    nmr = load_structure(shared_data / "protein" / "1l2y.pdb")
    picked = nmr.select(models=[3, 0])
    np.testing.assert_array_equal(picked.coords, nmr.coords[[3, 0]])
    assert nmr.select("A", models=slice(0, 5)).n_models == 5
    pytest.importorskip("MDAnalysis")
    trajectory = load_trajectory(
        shared_data / "protein" / "md_1u19.pdb", shared_data / "protein" / "md_1u19.xtc"
    )
    every_tenth = trajectory.select(models=slice(0, None, 10))
    np.testing.assert_array_equal(
        every_tenth.metadata["time_ps"], trajectory.metadata["time_ps"][::10]
    )
    assert every_tenth.n_models == len(every_tenth.metadata["time_ps"]) == 6


def test_bad_selections_name_what_the_structure_has() -> None:
    dimer = two_chain_ubiquitin()
    with pytest.raises(InputError, match=r"no chain C; its chains are A, B"):
        dimer.select("C")
    with pytest.raises(InputError, match=r"no residue \('A', 500, ''\)"):
        dimer.select(residues=[("A", 500)])
    with pytest.raises(InputError, match=r"none of the residues 500, 501"):
        dimer.select("A", [500, 501])
    with pytest.raises(InputError, match="mixes numbers and"):
        dimer.select(residues=[5, ("A", 6)])
    with pytest.raises(InputError, match="give residue numbers"):
        dimer.select(residues="10-20")
    with pytest.raises(InputError, match="out of range"):
        dimer.select(models=[3])
    with pytest.raises(InputError, match="holds no atom"):
        dimer.select(residues=[])
