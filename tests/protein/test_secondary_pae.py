"""Secondary structure against biotite on its own parse; residue tables; PAE files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ai4s_lab.errors import DataFileError, InputError
from ai4s_lab.protein import (
    load_pae,
    load_structure,
    plddt_band,
    residue_table,
    secondary_structure,
)

bstruc = pytest.importorskip("biotite.structure")
pdbio = pytest.importorskip("biotite.structure.io.pdb")


@pytest.mark.parametrize("name", ["pdb1ubi.pdb", "5h73.pdb", "AF-Q5VSL9-F1-model_v4.pdb"])
def test_secondary_structure_matches_biotite(shared_data: Path, name: str) -> None:
    path = shared_data / "protein" / name
    atoms = pdbio.PDBFile.read(str(path)).get_structure(model=1, altloc="first")
    atoms = atoms[bstruc.filter_amino_acids(atoms)]
    expected = np.array([{"a": "H", "b": "E"}.get(c, "C") for c in bstruc.annotate_sse(atoms)])
    ours = secondary_structure(load_structure(path))
    np.testing.assert_array_equal(ours, expected)
    assert {"H", "E"} <= set(ours.tolist())


def test_residue_table_of_a_predicted_model(shared_data: Path) -> None:
    model = load_structure(shared_data / "protein" / "AF-Q5VSL9-F1-model_v4.pdb")
    table = residue_table(model)
    assert len(table) == 837
    assert table.res_seq.tolist() == list(range(1, 838))
    assert table.n_atoms.sum() == model.n_atoms == 6718
    assert (table.confidence == "very low").sum() == 127  # MANIFEST: 127 residues < 50
    np.testing.assert_allclose(table.plddt, table.b_factor, atol=1e-6)
    assert plddt_band([95, 90, 89.9, 70, 50, 49.9]).tolist() == [
        "very high",
        "very high",
        "confident",
        "confident",
        "low",
        "very low",
    ]


def test_pae_layouts(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    matrix = np.round(rng.uniform(0, 31.75, size=(6, 6)), 2)
    new = tmp_path / "v4.json"
    new.write_text(
        json.dumps(
            [{"predicted_aligned_error": matrix.tolist(), "max_predicted_aligned_error": 31.75}]
        )
    )
    i, j = np.meshgrid(np.arange(1, 7), np.arange(1, 7), indexing="ij")
    old = tmp_path / "v1.json"
    old.write_text(
        json.dumps(
            [
                {
                    "residue1": i.ravel().tolist(),
                    "residue2": j.ravel().tolist(),
                    "distance": matrix.ravel().tolist(),
                    "max_predicted_aligned_error": 31.75,
                }
            ]
        )
    )
    colab = tmp_path / "colabfold.json"
    colab.write_text(json.dumps({"pae": matrix.tolist(), "max_pae": 31.75, "ptm": 0.81}))
    for path in (new, old, colab):
        pae = load_pae(path)
        np.testing.assert_array_equal(pae.matrix, matrix)
        assert pae.max_error == 31.75 and pae.n_residues == 6
    assert load_pae(colab).ptm == pytest.approx(0.81)


def test_bad_pae_files(tmp_path: Path) -> None:
    cases = {
        "empty.json": (b"", "is empty"),
        "binary.json": (bytes(range(256)) * 4, "binary|not valid JSON"),
        "cut.json": (b'[{"predicted_aligned_error": [[1, 2], [3', "line 1: is not valid JSON"),
        "nopae.json": (b'{"plddt": [1, 2]}', "holds no PAE"),
        "ragged.json": (b'{"pae": [[1, 2], [3]]}', "not numeric|shape"),
        "negative.json": (b'{"pae": [[0, -1], [1, 0]]}', "negative"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(DataFileError, match=message) as err:
            load_pae(path)
        assert name in str(err.value)


def test_pae_files_with_bad_values_raise_typed_errors(tmp_path: Path) -> None:
    cases = {
        "v1_letters.json": ({"residue1": ["a"], "residue2": [1], "distance": [1.0]}, "numbers"),
        "v1_zero.json": ({"residue1": [0], "residue2": [1], "distance": [1.0]}, "1-based"),
        "ptm_text.json": ({"pae": [[0, 1], [1, 0]], "ptm": "high"}, "'ptm' is 'high'"),
        "max_text.json": ({"pae": [[0, 1], [1, 0]], "max_pae": [31.75]}, "'max_pae'"),
        "af3_summary.json": ({"ptm": 0.5, "iptm": 0.4, "ranking_score": 0.6}, "full_data"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_text(json.dumps(content))
        with pytest.raises(DataFileError, match=message) as err:
            load_pae(path)
        assert name in str(err.value)
    with pytest.raises(DataFileError, match="folder"):
        load_pae(tmp_path)


def test_pae_upper_case_gz_suffix(tmp_path: Path) -> None:
    import gzip

    matrix = [[0.0, 3.5], [4.25, 0.0]]
    path = tmp_path / "MODEL_PAE.JSON.GZ"
    path.write_bytes(gzip.compress(json.dumps({"pae": matrix, "max_pae": 31.75}).encode()))
    np.testing.assert_array_equal(load_pae(path).matrix, matrix)


# -- model numbers ------------------------------------------------------------------------------
@pytest.mark.parametrize("model", [38, -39, 1.0, "2", True])
def test_a_model_that_does_not_exist_is_refused(shared_data: Path, model: object) -> None:
    ensemble = load_structure(shared_data / "protein" / "1l2y.pdb")  # 38 NMR models
    for function in (residue_table, secondary_structure):
        with pytest.raises(InputError, match=rf"model={model!r}.*(38 model|integer 0 … 37)"):
            function(ensemble, model=model)  # type: ignore[arg-type]


def test_negative_model_counts_from_the_last(shared_data: Path) -> None:
    path = shared_data / "protein" / "1l2y.pdb"
    ensemble = load_structure(path)
    atoms = pdbio.PDBFile.read(str(path)).get_structure(model=38)  # biotite: 1-based models
    ca = atoms[(atoms.atom_name == "CA")]
    table = residue_table(ensemble, model=-1)
    np.testing.assert_allclose(table[["x", "y", "z"]].to_numpy(), ca.coord, atol=1e-3)


# -- Boltz PAE files ---------------------------------------------------------------------------
def test_boltz_pae_npz_with_its_confidence_json(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    matrix = rng.uniform(0.25, 31.75, (57, 57)).astype(np.float32)  # Boltz saves float32
    path = tmp_path / "pae_complex_model_0.npz"
    np.savez_compressed(path, pae=matrix)
    (tmp_path / "confidence_complex_model_0.json").write_text(
        json.dumps({"confidence_score": 0.8, "ptm": 0.71, "iptm": 0.64, "complex_plddt": 0.8})
    )
    pae = load_pae(path)
    np.testing.assert_array_equal(pae.matrix, matrix.astype(np.float64))
    assert pae.n_residues == 57 and (pae.ptm, pae.iptm) == (0.71, 0.64)
    assert pae.max_error == pytest.approx(float(matrix.max()))
    alone = tmp_path / "other.npy"  # a plain matrix, and a batch of one model
    np.save(alone, matrix[None])
    np.testing.assert_array_equal(load_pae(alone).matrix, matrix)
    assert load_pae(alone).ptm is None


@pytest.mark.parametrize(
    ("write", "match"),
    [
        (lambda p: np.savez(p, plddt=np.ones(5)), r"no 'pae'.*arrays: plddt.*Boltz"),
        (lambda p: np.savez(p, pae=np.ones((3, 4))), r"shape \(3, 4\)"),
        (lambda p: np.savez(p, pae=np.full((2, 2), np.nan)), r"missing, infinite or negative"),
        (lambda p: np.savez(p, pae=np.array([{"a": 1}], dtype=object)), r"NumPy cannot read"),
        (lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), r"NumPy cannot read"),
    ],
)
def test_bad_npz_pae_files(tmp_path: Path, write: Any, match: str) -> None:
    path = tmp_path / "pae_x_model_0.npz"
    write(path)
    with pytest.raises(DataFileError, match=rf"pae_x_model_0\.npz: .*{match}"):
        load_pae(path)
