"""Inputs of PropertyModel, regression_metrics, scaffold_split and compare_with_baselines: one
SMILES as one molecule, target shapes, scaffold placement and cut-offs, typed parameter errors.

Expected values come from independent oracles: scikit-learn's metrics, RDKit's MurckoScaffold
grouping, and split sizes worked out by hand from the fractions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rdkit.Chem.Scaffolds import MurckoScaffold
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

from ai4s_lab.errors import Ai4sWarning, InputError, ParameterError
from ai4s_lab.molecules import PropertyModel, compare_with_baselines, read_molecules, scaffold_split
from ai4s_lab.molecules.fingerprints import FingerprintSpec
from ai4s_lab.molecules.models import regression_metrics

TARGET = "measured log solubility in mols per litre"

#: 19 monosubstituted benzenes (one scaffold, benzene) and cyclohexane (another)
BENZENES = [
    "c1ccccc1" + s
    for s in (
        "C", "O", "N", "Cl", "F", "Br", "I", "CC", "CCC", "C(=O)O", "C=O", "C#N",
        "[N+](=O)[O-]", "OC", "S", "CO", "CN", "C(C)C", "CCCC",
    )
]  # fmt: skip
DOMINANT = [*BENZENES, "C1CCCCC1"]
#: ten ring systems, each its own scaffold
TEN_SCAFFOLDS = [
    "c1ccccc1", "C1CCCCC1", "c1ccncc1", "c1ccc2ccccc2c1", "C1CCCC1",
    "c1ccsc1", "c1ccoc1", "c1cc[nH]c1", "C1CC1", "C1CCC1",
]  # fmt: skip
#: molecules without rings: they all share the empty scaffold
ACYCLIC = ["C" * k + end for k in range(1, 9) for end in ("", "O", "N")]


def _scaffolds(smiles: list[str]) -> list[str]:
    from rdkit import Chem

    return [MurckoScaffold.MurckoScaffoldSmiles(mol=Chem.MolFromSmiles(s)) for s in smiles]


@pytest.fixture(scope="module")
def esol(shared_data: Path) -> Any:
    return read_molecules(shared_data / "molecules" / "delaney-processed.csv", standardize=False)


@pytest.fixture(scope="module")
def trained(esol: Any) -> tuple[PropertyModel, list[Any], np.ndarray]:
    mols, y = esol.mols[:60], esol.data[TARGET].to_numpy()[:60]
    model = PropertyModel("descriptors", n_models=1, epochs=2, device="cpu").fit(mols, y)
    return model, mols, y


# -- 1. one SMILES string is one molecule -----------------------------------------------------


def test_fit_reads_one_smiles_as_one_molecule() -> None:
    model = PropertyModel("descriptors", n_models=1, epochs=1, device="cpu")
    # "CCO" read character by character would be three molecules (C, C, O)
    with pytest.raises(InputError, match=r"y has shape \(3,\).*for 1 molecules"):
        model.fit("CCO", [1.0, 2.0, 3.0])
    single = model.fit("CCO", [0.5]).predict(["CCO", "CCCCCCO"])
    listed = PropertyModel("descriptors", n_models=1, epochs=1, device="cpu").fit(["CCO"], [0.5])
    np.testing.assert_array_equal(single, listed.predict(["CCO", "CCCCCCO"]))


# -- 2. target shapes: (n,) or one column (n, 1), the right length ---------------------------


def test_evaluate_takes_a_column_and_agrees_with_scikit_learn(trained: Any) -> None:
    model, mols, y = trained
    prediction = model.predict(mols)
    for given in (y, y[:, None], list(y)):
        scores = model.evaluate(mols, given)
        assert scores["r2"] == pytest.approx(r2_score(y, prediction), rel=1e-12)
        assert scores["rmse"] == pytest.approx(mean_squared_error(y, prediction) ** 0.5)
        assert scores["mae"] == pytest.approx(mean_absolute_error(y, prediction))


def test_fit_takes_the_same_column_as_evaluate(trained: Any) -> None:
    model, mols, y = trained
    column = PropertyModel("descriptors", n_models=1, epochs=2, device="cpu").fit(mols, y[:, None])
    np.testing.assert_array_equal(column.predict(mols[:5]), model.predict(mols[:5]))


def test_evaluate_refuses_targets_of_the_wrong_length_or_shape(trained: Any) -> None:
    model, mols, y = trained
    with pytest.raises(InputError, match=r"y has shape \(59,\).*\(60,\) or \(60, 1\)"):
        model.evaluate(mols, y[:-1])
    with pytest.raises(InputError, match=r"y has shape \(60, 2\)"):
        model.evaluate(mols, np.stack([y, y], axis=1))
    with pytest.raises(InputError, match=r"y has shape \(1, 60\)"):
        model.evaluate(mols, y[None, :])


def test_regression_metrics_checks_shapes_and_agrees_with_scikit_learn() -> None:
    rng = np.random.default_rng(7)
    y = rng.normal(size=30)
    pred = y + rng.normal(scale=0.3, size=30)
    for y_true, y_pred in ((y[:, None], pred), (y, pred[:, None]), (y[:, None], pred[:, None])):
        scores = regression_metrics(y_true, y_pred)
        assert scores["r2"] == pytest.approx(r2_score(y, pred), rel=1e-12)
        assert scores["rmse"] == pytest.approx(mean_squared_error(y, pred) ** 0.5, rel=1e-12)
        assert scores["mae"] == pytest.approx(mean_absolute_error(y, pred), rel=1e-12)
    with pytest.raises(InputError, match=r"y_pred has shape \(29,\)"):
        regression_metrics(y, pred[:-1])
    with pytest.raises(InputError, match=r"y_true has shape \(2, 15\)"):
        regression_metrics(y.reshape(2, 15), pred)
    with pytest.raises(InputError, match="empty"):
        regression_metrics([], [])
    with pytest.raises(InputError, match=r"y_pred has 1 NaN"):
        regression_metrics(y, np.where(np.arange(30) == 3, np.nan, pred))


# -- 3. scaffold placement: a dominant scaffold goes to train -------------------------------


def test_a_scaffold_larger_than_the_train_share_goes_to_train() -> None:
    scaffolds = _scaffolds(DOMINANT)
    benzene_rows = [i for i, s in enumerate(scaffolds) if s == "c1ccccc1"]
    assert len(benzene_rows) == 19 and len(set(scaffolds)) == 2
    train, valid, test = scaffold_split(DOMINANT)
    assert train.tolist() == benzene_rows
    assert valid.tolist() == [] and test.tolist() == [19]


def test_molecules_without_rings_all_go_to_train() -> None:
    assert set(_scaffolds(ACYCLIC)) == {""}
    train, valid, test = scaffold_split(ACYCLIC)
    assert train.tolist() == list(range(len(ACYCLIC))) and not len(valid) and not len(test)


def test_compare_refuses_a_scaffold_split_it_cannot_score() -> None:
    y = np.linspace(-3.0, 1.0, len(ACYCLIC))
    kwargs: dict[str, Any] = {"features": "descriptors", "n_models": 1, "epochs": 1}
    with pytest.raises(InputError, match=r"0 molecule\(s\) in the test part.*split=\"random\""):
        compare_with_baselines(ACYCLIC, y, device="cpu", **kwargs)
    with pytest.raises(InputError, match=r"1 molecule\(s\) in the test part.*scaffold"):
        compare_with_baselines(DOMINANT, np.arange(20.0), device="cpu", **kwargs)
    with pytest.raises(InputError, match=r"0 molecule\(s\) in the fitting"):
        compare_with_baselines(
            ACYCLIC, y, fractions=(0.0, 0.0, 1.0), split="random", device="cpu", **kwargs
        )
    with pytest.raises(ParameterError, match="split='cluster'"):
        compare_with_baselines(ACYCLIC, y, split="cluster", device="cpu", **kwargs)


def test_compare_warns_on_a_small_random_split_and_runs_on_a_larger_one(esol: Any) -> None:
    kwargs: dict[str, Any] = {"features": "descriptors", "n_models": 1, "epochs": 1}
    y = np.linspace(-3.0, 1.0, len(ACYCLIC))
    with pytest.warns(Ai4sWarning, match="only 3 in the test part"):
        table, _, split = compare_with_baselines(ACYCLIC, y, split="random", device="cpu", **kwargs)
    assert [len(split[k]) for k in ("train", "valid", "test")] == [19, 2, 3]  # 24 molecules
    mols, target = esol.mols[:100], esol.data[TARGET].to_numpy()[:100]
    table, _, split = compare_with_baselines(mols, target, split="random", device="cpu", **kwargs)
    assert [len(split[k]) for k in ("train", "valid", "test")] == [80, 10, 10]
    rows = np.concatenate([split["train"], split["valid"], split["test"]])
    assert sorted(rows.tolist()) == list(range(100))
    assert table.attrs["n_test"] == 10 and np.isfinite(table["rmse"]).all()


# -- 4. cut-offs robust to floating-point rounding -------------------------------------------


@pytest.mark.parametrize(
    ("fractions", "sizes"),
    [
        ((0.7, 0.1, 0.2), [7, 1, 2]),  # (0.7 + 0.1) * 10 = 7.999999999999999
        ((0.1, 0.7, 0.2), [1, 7, 2]),  # (0.1 + 0.7) * 10 = 7.999999999999999
        ((0.8, 0.1, 0.1), [8, 1, 1]),  # exact in floating point: a control
    ],
)
def test_scaffold_split_sizes_follow_the_fractions_exactly(
    fractions: tuple[float, float, float], sizes: list[int]
) -> None:
    assert len(set(_scaffolds(TEN_SCAFFOLDS))) == 10
    parts = scaffold_split(TEN_SCAFFOLDS, fractions)
    assert [len(p) for p in parts] == sizes


# -- 5. constructor arguments: typed errors, numpy integers accepted -------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dropout": None}, "dropout=None"),
        ({"dropout": "0.1"}, "dropout='0.1'"),
        ({"dropout": 1.0}, r"dropout=1.0: use a number in \[0, 1\)"),
        ({"seed": None}, "seed=None: use a non-negative integer"),
        ({"seed": 1.5}, "seed=1.5"),
        ({"seed": -1}, "seed=-1"),
        ({"seed": True}, "seed=True"),
        ({"hidden": (-5,)}, r"hidden=\(-5,\): use a tuple of positive layer widths"),
        ({"hidden": "128"}, "hidden='128'"),
        ({"hidden": (0,)}, r"hidden=\(0,\)"),
        ({"hidden": (64.0,)}, r"hidden=\(64.0,\)"),
        ({"hidden": (True,)}, r"hidden=\(True,\)"),
        ({"hidden": None}, "hidden=None"),
        ({"n_models": True}, "n_models=True"),
        ({"radius": 9}, "radius=9: use an integer from 0 to 8"),
        ({"radius": 2.0}, "radius=2.0"),
        ({"n_bits": 1000}, "n_bits=1000: use a positive multiple of 64"),
    ],
)
def test_bad_settings_are_parameter_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        PropertyModel(device="cpu", **kwargs)


def test_numpy_integer_settings_train_save_and_load(tmp_path: Path) -> None:
    smiles = ["CCO", "CCCO", "c1ccccc1O", "CC(=O)O", "CCN", "c1ccccc1"]
    model = PropertyModel(
        "both",
        n_models=np.int64(2),
        hidden=np.array([16, 8]),
        dropout=np.float32(0.0),
        epochs=np.int32(2),
        batch_size=np.int64(4),
        radius=np.int64(1),
        n_bits=np.int64(128),
        seed=np.uint8(3),
        device="cpu",
    ).fit(smiles, np.arange(6.0))
    assert model.config.hidden == (16, 8) and model.config.radius == 1
    loaded = PropertyModel.load(model.save(tmp_path / "m.pt"), device="cpu")
    np.testing.assert_array_equal(loaded.predict(smiles), model.predict(smiles))


def test_a_linear_model_has_no_hidden_layer() -> None:
    model = PropertyModel("descriptors", hidden=(), n_models=1, epochs=1, device="cpu")
    model.fit(["CCO", "CCCO", "CCCCO"], [1.0, 2.0, 3.0])
    assert [type(layer).__name__ for layer in model.members[0]] == ["Linear"]


def test_fingerprint_spec_takes_numpy_integers_but_not_bools() -> None:
    spec = FingerprintSpec(radius=np.int64(2), n_bits=np.int64(1024), counts=True)
    assert spec == FingerprintSpec(radius=2, n_bits=1024, counts=True)
    assert type(spec.radius) is int and type(spec.n_bits) is int
    assert FingerprintSpec.from_json(spec.to_json()) == spec
    with pytest.raises(ParameterError, match="radius=True"):
        FingerprintSpec(radius=True)
