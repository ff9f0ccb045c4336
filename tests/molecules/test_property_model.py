"""PropertyModel and the scaffold split on the real ESOL solubility data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rdkit.Chem.Scaffolds import MurckoScaffold

from ai4s_lab.errors import DataFileError, InputError, ParameterError
from ai4s_lab.molecules import PropertyModel, compare_with_baselines, read_molecules, scaffold_split

TARGET = "measured log solubility in mols per litre"


@pytest.fixture(scope="module")
def esol(shared_data: Path) -> Any:
    return read_molecules(shared_data / "molecules" / "delaney-processed.csv", standardize=False)


def test_scaffold_split_partitions_by_scaffold(esol: Any) -> None:
    train, valid, test = scaffold_split(esol.mols)
    assert sorted(np.concatenate([train, valid, test]).tolist()) == list(range(len(esol)))
    scaffold = [MurckoScaffold.MurckoScaffoldSmiles(mol=m) for m in esol.mols]
    parts = [{scaffold[i] for i in part} for part in (train, valid, test)]
    assert not parts[0] & parts[1] and not parts[0] & parts[2] and not parts[1] & parts[2]
    assert len(train) <= 0.8 * len(esol) and len(test) >= 0.1 * len(esol) - 1


def test_fit_predict_save_load(tmp_path: Path, esol: Any) -> None:
    mols = esol.mols[:120]
    y = esol.data[TARGET].to_numpy()[:120]
    model = PropertyModel("descriptors", n_models=2, epochs=3, device="cpu").fit(mols, y)
    mean, std = model.predict(mols[:10], return_std=True)
    assert mean.shape == std.shape == (10,) and (std > 0).all()
    loaded = PropertyModel.load(model.save(tmp_path / "m.pt"), device="cpu")
    np.testing.assert_allclose(loaded.predict(mols[:10]), mean, rtol=1e-6)
    with pytest.raises(InputError, match="shape"):
        model.fit(mols, y[:5])
    with pytest.raises(DataFileError, match="no such file"):
        PropertyModel.load(tmp_path / "absent.pt")


@pytest.mark.slow
def test_esol_scaffold_rmse_beats_predicting_the_mean(esol: Any) -> None:
    table, _, split = compare_with_baselines(
        esol.mols, esol.data[TARGET].to_numpy(), n_models=3, device="cpu"
    )
    mean_rmse = table.loc["mean of training set", "rmse"]
    assert table.loc["MLP ensemble (3 members)", "rmse"] < 0.6 * mean_rmse
    assert table.loc["random forest (scikit-learn)", "rmse"] < 0.6 * mean_rmse
    assert len(split["test"]) == table.attrs["n_test"]


def test_smiles_give_the_same_features_as_molecules(esol: Any) -> None:
    model = PropertyModel("both", device="cpu")
    smiles = esol.smiles[:20]
    np.testing.assert_array_equal(model.featurize(smiles), model.featurize(esol.mols[:20]))


def test_bad_targets_and_sets_are_typed_errors(esol: Any) -> None:
    model = PropertyModel("descriptors", n_models=1, epochs=1, device="cpu")
    with pytest.raises(InputError, match="no molecules"):
        model.fit([], [])
    with pytest.raises(InputError, match="must be numbers"):
        model.fit(esol.mols[:3], ["high", "low", "low"])
    with pytest.raises(InputError, match=r"2 NaN or infinite value\(s\), at positions 1, 4"):
        model.fit(esol.mols[:5], [1.0, np.nan, 2.0, 3.0, np.inf])
    with pytest.raises(InputError, match=r"mols\[1\] is NoneType"):
        model.fit([esol.mols[0], None], [1.0, 2.0])
    with pytest.raises(InputError, match="shape"):
        compare_with_baselines(esol.mols[:10], np.zeros(9), n_models=1, epochs=1, device="cpu")
    with pytest.raises(ParameterError, match="batch_size=0"):
        PropertyModel(batch_size=0)
