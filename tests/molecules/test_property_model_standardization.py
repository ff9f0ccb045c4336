"""PropertyModel predicts new molecules in the form its training set was standardized to, keeps
that in its file, and refuses a file that is not a model without torch's unsafe advice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rdkit import Chem
from rdkit.Chem.MolStandardize import rdMolStandardize

from ai4s_lab.errors import DataFileError
from ai4s_lab.molecules import PropertyModel, StandardizeOptions, read_molecules

TRAIN = ["CC(=O)[O-].[K+]", "CCO", "CCN", "c1ccccc1O", "CCCC(=O)O", "OC(=O)c1ccccc1"]
SALT, ACID = "CC(=O)[O-].[Na+]", "CC(=O)O"


def _model() -> PropertyModel:
    return PropertyModel("morgan", n_models=1, hidden=(4,), epochs=2, n_bits=64, device="cpu")


def test_predict_and_evaluate_standardize_as_the_training_set_was(tmp_path: Path) -> None:
    # RDKit's own parent of the salt is the acid: the oracle of what the model should see
    parent = rdMolStandardize.ChargeParent(Chem.MolFromSmiles(SALT))
    assert Chem.MolToSmiles(parent) == Chem.MolToSmiles(Chem.MolFromSmiles(ACID))
    library = read_molecules(TRAIN)
    y = np.arange(len(library), dtype=float)
    model = _model().fit(library, y)
    assert model.standardization == StandardizeOptions()
    acid = model.predict([ACID])
    np.testing.assert_array_equal(model.predict([SALT]), acid)
    np.testing.assert_array_equal(model.predict(SALT), acid)  # one SMILES is one molecule
    np.testing.assert_array_equal(model.predict(read_molecules([SALT])), acid)
    assert model.evaluate([SALT, "CCO"], [1.0, 2.0]) == model.evaluate([ACID, "CCO"], [1.0, 2.0])

    path = model.save(tmp_path / "m.pt")
    loaded = PropertyModel.load(path, device="cpu")
    assert loaded.standardization == StandardizeOptions()
    np.testing.assert_array_equal(loaded.predict([SALT]), acid)

    # a model trained on a plain list takes molecules as given, as before
    plain = _model().fit([Chem.MolToSmiles(m) for m in library.mols], y)
    assert plain.standardization is None
    assert plain.predict([SALT])[0] != plain.predict([ACID])[0]


def test_a_model_file_of_an_earlier_version_loads_without_standardization(
    tmp_path: Path,
) -> None:
    import torch

    model = _model().fit(read_molecules(TRAIN), np.arange(len(TRAIN), dtype=float))
    state = torch.load(model.save(tmp_path / "m.pt"), weights_only=True)
    del state["standardization"]
    torch.save(state, tmp_path / "old.pt")
    old = PropertyModel.load(tmp_path / "old.pt", device="cpu")
    assert old.standardization is None
    np.testing.assert_array_equal(old.predict([ACID]), model.predict([ACID]))


def test_a_file_that_is_no_model_is_refused_without_unsafe_advice(tmp_path: Path) -> None:
    script = tmp_path / "x.py"
    script.write_text("print('hello')\n")
    with pytest.raises(
        DataFileError, match=r"not a model file written by PropertyModel\.save"
    ) as err:
        PropertyModel.load(script)
    assert "weights_only" not in str(err.value) and "pickle" not in str(err.value).lower()
