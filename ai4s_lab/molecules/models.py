"""Property models: a small torch MLP ensemble on fingerprints and descriptors, a scaffold split,
and a comparison with simple baselines.

The ensemble's spread is a rough uncertainty (deep ensembles, Lakshminarayanan et al. 2017,
arXiv:1612.01474); the scaffold split puts whole Bemis–Murcko scaffolds in one part, so a test
score measures transfer to new chemotypes rather than to near-duplicates.

References
----------
.. [BM] G. W. Bemis, M. A. Murcko, "The properties of known drugs. 1. Molecular frameworks",
   J. Med. Chem. 39, 2887–2893 (1996). doi:10.1021/jm9602928
.. [Morgan] D. Rogers, M. Hahn, J. Chem. Inf. Model. 50, 742–754 (2010). doi:10.1021/ci100050t
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ai4s_lab._numbers import is_integer, is_real
from ai4s_lab.device import resolve_device
from ai4s_lab.errors import Ai4sWarning, DataFileError, InputError, ParameterError
from ai4s_lab.molecules._rdkit import as_mols
from ai4s_lab.molecules.fingerprints import FingerprintSpec, morgan_fingerprints
from ai4s_lab.molecules.physchem import DESCRIPTORS, descriptors
from ai4s_lab.molecules.standardization import StandardizeOptions, options_of, standardize_like

if TYPE_CHECKING:
    import torch

__all__ = ["PropertyModel", "compare_with_baselines", "regression_metrics", "scaffold_split"]

logger = logging.getLogger(__name__)

#: descriptors used as model inputs (QED is left out: slow, and a composite of the others)
MODEL_DESCRIPTORS = tuple(name for name in DESCRIPTORS if name != "QED")
_FEATURES = ("morgan", "descriptors", "both")
_SPLITS = ("scaffold", "random")
_MODEL_FORMAT = "ai4s-lab property model"
#: slack (in molecules) when a fraction of ``n`` is compared with a count: ``(0.7 + 0.1) * 10``
#: is 7.999999999999999 in floating point and must still allow 8 molecules
_CUT_TOLERANCE = 1e-6
#: fewest molecules in the fitting or the test part that :func:`compare_with_baselines` runs on
#: (one value has no spread to learn from, and R² is undefined for one test value)
MIN_PART = 2
#: below this many molecules in a part, :func:`compare_with_baselines` warns that the scores
#: are noisy
FEW_MOLECULES = 10


def _cut_offs(fractions: tuple[float, float, float], n: int) -> tuple[int, int]:
    """The most molecules train, and train plus validation, may hold (floor of the fractions of
    ``n``, robust to floating-point rounding)."""
    train_cut = math.floor(fractions[0] * n + _CUT_TOLERANCE)
    valid_cut = math.floor((fractions[0] + fractions[1]) * n + _CUT_TOLERANCE)
    return train_cut, max(train_cut, valid_cut)


def scaffold_split(
    mols: Sequence[Any], fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split molecules by Bemis–Murcko scaffold into train, validation and test indices.

    Molecules are grouped by scaffold (RDKit's ``MurckoScaffold``); groups are placed largest
    first into train until it is full, then validation, then test, so the rarer scaffolds end up
    in the test set (the deterministic scheme of MoleculeNet/DeepChem). A part is full when the
    next group would take it past ``floor(fraction * n)`` molecules. The largest group goes into
    train even when it alone is larger than the train share (unless that share is 0), so train
    is never empty: 19 benzene derivatives and cyclohexane give a train part of the 19. The
    parts can therefore differ much from ``fractions`` when one scaffold dominates; molecules
    without rings all share the empty scaffold and form one group.

    Parameters
    ----------
    mols
        RDKit molecules or SMILES strings.
    fractions
        Target fractions of train, validation and test; they must sum to 1.

    Returns
    -------
    tuple of numpy.ndarray
        Sorted int64 row indices of train, validation and test; together, every row once.

    References
    ----------
    Bemis & Murcko 1996, doi:10.1021/jm9602928.
    """
    from rdkit.Chem.Scaffolds import MurckoScaffold

    _check_fractions(fractions)
    groups: dict[str, list[int]] = {}
    for i, mol in enumerate(as_mols(mols)):
        key = MurckoScaffold.MurckoScaffoldSmiles(mol=mol, includeChirality=False)
        groups.setdefault(key, []).append(i)
    ordered = sorted(groups.values(), key=lambda rows: (-len(rows), rows[0]))
    n = sum(len(rows) for rows in ordered)
    train_cut, valid_cut = _cut_offs(fractions, n)
    parts: list[list[int]] = [[], [], []]
    for rows in ordered:
        if len(parts[0]) + len(rows) <= train_cut or (not parts[0] and fractions[0] > 0):
            parts[0] += rows
        elif len(parts[0]) + len(parts[1]) + len(rows) <= valid_cut:
            parts[1] += rows
        else:
            parts[2] += rows
    train, valid, test = (np.array(sorted(p), dtype=np.int64) for p in parts)
    return train, valid, test


def _check_fractions(fractions: tuple[float, float, float]) -> None:
    if not (
        isinstance(fractions, (Sequence, np.ndarray))
        and len(fractions) == 3
        and all(is_real(f) and 0 <= f <= 1 for f in fractions)
        and abs(sum(fractions) - 1.0) <= 1e-9
    ):
        raise ParameterError(
            f"fractions={fractions!r}: use three non-negative numbers summing to 1, "
            "e.g. (0.8, 0.1, 0.1)"
        )


def regression_metrics(
    y_true: Sequence[float] | np.ndarray, y_pred: Sequence[float] | np.ndarray
) -> dict[str, float]:
    """RMSE, MAE (units of y) and R² of predictions.

    Parameters
    ----------
    y_true, y_pred
        Measured and predicted values, one a molecule: shape ``(n,)``, or a single column
        ``(n, 1)`` (as ``df[["logS"]].to_numpy()`` gives), which is flattened. Both must hold the
        same ``n >= 1`` finite numbers.

    Returns
    -------
    dict
        ``rmse`` and ``mae`` in the units of y; ``r2`` (NaN when ``y_true`` is constant).

    Raises
    ------
    InputError
        For another shape, different lengths, or NaN/infinite values.
    """
    y_true = _targets(y_true, None, "y_true")
    y_pred = _targets(y_pred, len(y_true), "y_pred")
    if not len(y_true):
        raise InputError("y_true and y_pred are empty; give at least one value to score")
    error = y_pred - y_true
    ss_tot = float(((y_true - y_true.mean()) ** 2).sum())
    return {
        "rmse": float(np.sqrt((error**2).mean())),
        "mae": float(np.abs(error).mean()),
        "r2": 1.0 - float((error**2).sum()) / ss_tot if ss_tot > 0 else float("nan"),
    }


@dataclass
class ModelConfig:
    """Settings of a :class:`PropertyModel` (saved with it)."""

    features: str = "both"
    n_models: int = 5
    hidden: tuple[int, ...] = (128, 32)
    dropout: float = 0.1
    epochs: int = 40
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 1e-4
    radius: int = 2
    n_bits: int = 1024
    seed: int = 0


class PropertyModel:
    """An ensemble of small torch MLPs predicting one molecular property.

    Inputs are Morgan count fingerprints (``log1p`` of the counts) and/or RDKit descriptors
    (standardized with the training set's mean and spread). Each member is trained from its own
    random start; the prediction is the mean, the uncertainty the standard deviation across
    members.

    Parameters
    ----------
    features
        ``"morgan"``, ``"descriptors"`` or ``"both"``.
    n_models
        Ensemble members (a positive integer).
    hidden
        Widths of the hidden layers, positive integers (``()`` gives a linear model).
    dropout
        Dropout probability after each hidden layer, in ``[0, 1)``.
    epochs, batch_size, lr, weight_decay
        AdamW training settings (positive integers; positive and non-negative numbers).
    radius, n_bits
        Morgan fingerprint settings (Rogers & Hahn 2010, doi:10.1021/ci100050t).
    seed
        Random seed, a non-negative integer (member ``i`` uses ``seed + i``).
    device
        Where to train and predict.

    Attributes
    ----------
    standardization
        The MolStandardize steps of the training molecules: those of the
        :class:`~ai4s_lab.molecules.MoleculeSet` given to :meth:`fit` (``None`` for a plain
        list, or a set read with ``standardize=False``). :meth:`predict` and :meth:`evaluate`
        put molecules and SMILES through the same steps first, so that sodium acetate is
        predicted as the acetic acid the model was trained on; saved with the model.
    """

    def __init__(
        self,
        features: str = "both",
        *,
        n_models: int = 5,
        hidden: Sequence[int] = (128, 32),
        dropout: float = 0.1,
        epochs: int = 40,
        batch_size: int = 128,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        radius: int = 2,
        n_bits: int = 1024,
        seed: int = 0,
        device: str | torch.device | None = "auto",
    ) -> None:
        if features not in _FEATURES:
            raise ParameterError(f"features={features!r}: use one of {_FEATURES}")
        for name, value in (("n_models", n_models), ("epochs", epochs), ("batch_size", batch_size)):
            if not is_integer(value) or value < 1:
                raise ParameterError(f"{name}={value!r}: use a positive integer")
        if not (is_real(dropout) and 0.0 <= dropout < 1.0):
            raise ParameterError(f"dropout={dropout!r}: use a number in [0, 1), e.g. 0.1")
        if not (is_real(lr) and 0 < lr < math.inf):
            raise ParameterError(f"lr={lr!r}: use a positive learning rate, e.g. 1e-3")
        if not (is_real(weight_decay) and 0 <= weight_decay < math.inf):
            raise ParameterError(f"weight_decay={weight_decay!r}: use a number >= 0, e.g. 1e-4")
        if not (is_integer(seed) and 0 <= seed < 2**63 - int(n_models)):
            raise ParameterError(f"seed={seed!r}: use a non-negative integer, e.g. 0")
        if (
            isinstance(hidden, (str, bytes))
            or not isinstance(hidden, (Sequence, np.ndarray))
            or not all(is_integer(width) and width >= 1 for width in hidden)
        ):
            raise ParameterError(
                f"hidden={hidden!r}: use a tuple of positive layer widths, e.g. (128, 32), "
                "or () for a linear model"
            )
        # Checks radius and n_bits now rather than at fit().
        spec = FingerprintSpec(radius=radius, n_bits=n_bits, counts=True)
        # Plain Python numbers, so that save() writes what torch.load(weights_only=True) reads.
        self.config = ModelConfig(
            features,
            int(n_models),
            tuple(int(width) for width in hidden),
            float(dropout),
            int(epochs),
            int(batch_size),
            float(lr),
            float(weight_decay),
            spec.radius,
            spec.n_bits,
            int(seed),
        )
        self.device = resolve_device(device)
        self.members: list[Any] = []
        self._scale: dict[str, np.ndarray] = {}
        self.standardization: StandardizeOptions | None = None

    # -- features ---------------------------------------------------------------------------

    def featurize(self, mols: Sequence[Any]) -> np.ndarray:
        """The model's input matrix ``(n, n_features)`` float32 (before scaling), of the
        molecules as given (not standardized)."""
        cfg = self.config
        mols = as_mols(mols)
        parts = []
        if cfg.features in ("morgan", "both"):
            spec = FingerprintSpec(radius=cfg.radius, n_bits=cfg.n_bits, counts=True)
            parts.append(
                np.log1p(morgan_fingerprints(list(mols), spec=spec).data.astype(np.float32))
            )
        if cfg.features in ("descriptors", "both"):
            table = descriptors(list(mols), MODEL_DESCRIPTORS).to_numpy(dtype=np.float32)
            parts.append(np.nan_to_num(table))
        return np.concatenate(parts, axis=1)

    def _scaled(self, x: np.ndarray) -> np.ndarray:
        return (x - self._scale["mean"]) / self._scale["std"]

    def _network(self, n_in: int) -> Any:
        from torch import nn

        layers: list[Any] = []
        width = n_in
        for size in self.config.hidden:
            layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(self.config.dropout)]
            width = size
        layers.append(nn.Linear(width, 1))
        return nn.Sequential(*layers)

    # -- training and prediction ------------------------------------------------------------

    def fit(self, mols: Sequence[Any] | str, y: Sequence[float] | np.ndarray) -> PropertyModel:
        """Train every member on molecules ``mols`` with targets ``y`` (any units).

        Parameters
        ----------
        mols
            RDKit molecules or SMILES strings; one string or one molecule is one molecule. A
            :class:`~ai4s_lab.molecules.MoleculeSet` also sets :attr:`standardization`.
        y
            One finite value a molecule: shape ``(n,)``, or a single column ``(n, 1)`` (as
            ``df[["logS"]].to_numpy()`` gives), which is flattened. A constant ``y`` has
            nothing to learn: every member then predicts it, with a spread of 0.
        """
        import torch

        standardization = options_of(mols)
        mols = as_mols(mols)
        if not mols:
            raise InputError("fit() got no molecules; pass at least one molecule and its value")
        target = _targets(y, len(mols))
        x = self.featurize(mols)
        std = x.std(axis=0)
        self._scale = {
            "mean": x.mean(axis=0),
            "std": np.where(std > 0, std, 1.0).astype(np.float32),
            "y_mean": np.array(target.mean()),
            "y_std": np.array(target.std() or 1.0),
        }
        xs = torch.from_numpy(self._scaled(x).astype(np.float32)).to(self.device)
        ys = torch.from_numpy(
            ((target - self._scale["y_mean"]) / self._scale["y_std"]).astype(np.float32)
        ).to(self.device)
        cfg = self.config
        self.members = []
        constant = not float(np.ptp(target)) > 0
        if constant:
            logger.info(
                "y is the same value %g for every molecule: each member predicts it", target[0]
            )
        for member in range(cfg.n_models):
            generator = torch.Generator().manual_seed(cfg.seed + member)
            torch.manual_seed(cfg.seed + member)
            net = self._network(xs.shape[1]).to(self.device)
            if constant:
                # nothing to learn: the output layer gives 0, i.e. the constant once unscaled
                # (as scikit-learn's regressors predict a constant target exactly)
                with torch.no_grad():
                    net[-1].weight.zero_()
                    net[-1].bias.zero_()
                net.eval()
                self.members.append(net)
                continue
            optimizer = torch.optim.AdamW(
                net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay
            )
            net.train()
            for _ in range(cfg.epochs):
                order = torch.randperm(len(xs), generator=generator).to(self.device)
                for start in range(0, len(xs), cfg.batch_size):
                    batch = order[start : start + cfg.batch_size]
                    loss = torch.nn.functional.mse_loss(net(xs[batch]).squeeze(-1), ys[batch])
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
            net.eval()
            self.members.append(net)
            logger.info(
                "trained member %d/%d (last loss %.4f)", member + 1, cfg.n_models, loss.item()
            )
        self.standardization = standardization
        return self

    def _inputs(self, mols: Sequence[Any] | str) -> list[Any]:
        """Molecules to predict, through the training set's :attr:`standardization`."""
        if self.standardization is None:
            return as_mols(mols)
        return standardize_like(
            mols if options_of(mols) is not None else as_mols(mols),
            self.standardization,
            "the training set",
            "drop it, or read the molecules with read_molecules(...), which reports such rows "
            "and keeps the others",
        )

    def predict(
        self, mols: Sequence[Any] | str, *, return_std: bool = False
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Predicted property (the ensemble mean), and optionally the members' spread.

        Molecules and SMILES are standardized first as the training set was (see
        :attr:`standardization`).
        """
        if not self.members:
            raise InputError("the model is not trained; call fit() or load() first")
        return self._predict(self._inputs(mols), return_std)

    def _predict(
        self, mols: list[Any], return_std: bool
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        import torch

        xs = torch.from_numpy(self._scaled(self.featurize(mols)).astype(np.float32)).to(self.device)
        with torch.no_grad():
            outs = torch.stack([net(xs).squeeze(-1) for net in self.members]).cpu().numpy()
        outs = outs.astype(np.float64) * float(self._scale["y_std"]) + float(self._scale["y_mean"])
        mean = outs.mean(axis=0)
        return (mean, outs.std(axis=0)) if return_std else mean

    def evaluate(
        self, mols: Sequence[Any] | str, y: Sequence[float] | np.ndarray
    ) -> dict[str, float]:
        """RMSE, MAE and R² on held-out molecules (see :func:`regression_metrics`).

        ``y`` takes the shapes :meth:`fit` takes: ``(n,)`` or a single column ``(n, 1)``.
        Molecules are standardized first, as for :meth:`predict`.
        """
        if not self.members:
            raise InputError("the model is not trained; call fit() or load() first")
        mols = self._inputs(mols)
        target = _targets(y, len(mols))
        prediction = self._predict(mols, return_std=False)
        assert isinstance(prediction, np.ndarray)
        return regression_metrics(target, prediction)

    # -- persistence ------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Save settings, scalers, weights and :attr:`standardization` to one file
        (``torch.save``)."""
        import torch

        if not self.members:
            raise InputError("the model is not trained; nothing to save")
        path = Path(path)
        steps = self.standardization
        torch.save(
            {
                "format": _MODEL_FORMAT,
                "config": asdict(self.config),
                "scale": {k: torch.from_numpy(np.asarray(v)) for k, v in self._scale.items()},
                "members": [net.state_dict() for net in self.members],
                "standardization": steps.as_dict() if steps is not None else None,
            },
            path,
        )
        return path

    @classmethod
    def load(cls, path: str | Path, *, device: str | torch.device | None = "auto") -> PropertyModel:
        """Load a model written by :meth:`save` (files written before :attr:`standardization`
        was saved load with ``None``).

        Raises
        ------
        DataFileError
            If the file is missing, or is not a model file written by :meth:`save` (it is
            read with ``torch.load(weights_only=True)``, which runs no code from the file).
        """
        import torch

        path = Path(path)
        if not path.is_file():
            raise DataFileError(path, "no such file")
        not_model = "is not a model file written by PropertyModel.save()"
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:  # torch raises several types for a non-model file
            # torch's own message suggests weights_only=False, which would run code from a
            # file of unknown origin; a model file needs no such thing
            raise DataFileError(
                path, f"{not_model} (torch cannot read it as one: {type(err).__name__})"
            ) from err
        if not isinstance(state, dict) or state.get("format") != _MODEL_FORMAT:
            raise DataFileError(path, not_model)
        config = dict(state["config"])
        config["hidden"] = tuple(config["hidden"])
        model = cls(**{k: v for k, v in config.items()}, device=device)
        model._scale = {k: v.numpy() for k, v in state["scale"].items()}
        steps = state.get("standardization")  # absent from files of earlier versions
        try:
            model.standardization = StandardizeOptions.from_dict(steps) if steps else None
        except (TypeError, ParameterError) as err:
            raise DataFileError(
                path, f"has standardization steps this version does not know: {steps}"
            ) from err
        n_in = len(model._scale["mean"])
        for weights in state["members"]:
            net = model._network(n_in)
            net.load_state_dict(weights)
            model.members.append(net.to(model.device).eval())
        return model


def _targets(y: Sequence[float] | np.ndarray, n: int | None, name: str = "y") -> np.ndarray:
    """``y`` as float64 of shape ``(n,)`` (any length where ``n`` is None); a single column
    ``(n, 1)`` is flattened. Otherwise an :class:`InputError` naming the shape or the bad rows."""
    try:
        target = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InputError(f"{name} must be numbers, one a molecule ({err})") from err
    if target.ndim == 2 and target.shape[1] == 1:
        target = target[:, 0]
    expected = "(n,) or (n, 1)" if n is None else f"({n},) or ({n}, 1)"
    if target.ndim != 1 or (n is not None and len(target) != n):
        raise InputError(
            f"{name} has shape {target.shape}; expected one value a molecule, shape {expected}"
            f"{'' if n is None else f' for {n} molecules'}; give one column of values"
        )
    bad = np.flatnonzero(~np.isfinite(target))
    if bad.size:
        shown = ", ".join(str(i) for i in bad[:10]) + (", ..." if bad.size > 10 else "")
        raise InputError(
            f"{name} has {bad.size} NaN or infinite value(s), at positions {shown}; drop those "
            "molecules first, e.g. keep = np.isfinite(y)"
        )
    return target


def compare_with_baselines(
    mols: Sequence[Any] | str,
    y: Sequence[float] | np.ndarray,
    *,
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
    split: str = "scaffold",
    features: str = "both",
    n_models: int = 5,
    epochs: int = 40,
    seed: int = 0,
    device: str | torch.device | None = "auto",
) -> tuple[pd.DataFrame, PropertyModel, dict[str, np.ndarray]]:
    """Test RMSE of the MLP ensemble beside two baselines, on a scaffold (or random) split.

    The baselines are the training mean (the RMSE of knowing nothing about the molecule) and a
    scikit-learn random forest (100 trees) on the same features. Train and validation parts
    are used together for fitting (no tuning is done on validation here).

    Parameters
    ----------
    mols
        RDKit molecules or SMILES strings.
    y
        One finite value a molecule, shape ``(n,)`` or a single column ``(n, 1)``.
    fractions
        Target fractions of train, validation and test.
    split
        ``"scaffold"`` (:func:`scaffold_split`: the test part holds scaffolds not seen in
        training) or ``"random"`` (a shuffle with ``seed``; for sets whose scaffolds cannot be
        split, such as molecules without rings, which all share the empty scaffold).
    features, n_models, epochs, seed, device
        As for :class:`PropertyModel`.

    Returns
    -------
    tuple
        A table (one row a model: ``rmse``, ``mae``, ``r2`` on the test part), the trained
        :class:`PropertyModel`, and the split (``{"train", "valid", "test"}`` row indices).

    Raises
    ------
    InputError
        When the fitting part (train and validation) or the test part has fewer than
        :data:`MIN_PART` (2) molecules; with a scaffold split this happens when one scaffold
        holds most molecules. The message suggests ``split="random"`` or other fractions.

    Warns
    -----
    Ai4sWarning
        When the fitting or the test part has fewer than :data:`FEW_MOLECULES` (10) molecules:
        the scores are then too noisy to rank the models.
    """
    from ai4s_lab._optional import import_optional

    if split not in _SPLITS:
        raise ParameterError(f"split={split!r}: use one of {_SPLITS}")
    ensemble_module = import_optional("sklearn.ensemble")
    model = PropertyModel(features, n_models=n_models, epochs=epochs, seed=seed, device=device)
    standardization = options_of(mols)
    mols = as_mols(mols)
    target = _targets(y, len(mols))
    if split == "scaffold":
        train, valid, test = scaffold_split(mols, fractions)
    else:
        train, valid, test = _random_split(len(mols), fractions, seed)
    fit_rows = np.concatenate([train, valid])
    _check_parts(len(mols), len(fit_rows), len(test), fractions, split)
    model.fit([mols[i] for i in fit_rows], target[fit_rows])
    x = model.featurize(mols)
    forest = ensemble_module.RandomForestRegressor(
        n_estimators=100, max_features=0.3, random_state=seed, n_jobs=1
    )
    forest.fit(x[fit_rows], target[fit_rows])
    predictions = {
        "mean of training set": np.full(len(test), target[fit_rows].mean()),
        "random forest (scikit-learn)": forest.predict(x[test]),
        f"MLP ensemble ({n_models} members)": model.predict([mols[i] for i in test]),
    }
    # the molecules were standardized as the set was: the model standardizes new ones so
    model.standardization = standardization
    rows = [
        {"model": name, **regression_metrics(target[test], pred)}
        for name, pred in predictions.items()
    ]
    table = pd.DataFrame(rows).set_index("model")
    table.attrs["n_train"], table.attrs["n_test"] = len(fit_rows), len(test)
    return table, model, {"train": train, "valid": valid, "test": test}


def _random_split(
    n: int, fractions: tuple[float, float, float], seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train, validation and test row indices of a shuffle of ``n`` rows, sorted."""
    _check_fractions(fractions)
    train_cut, valid_cut = _cut_offs(fractions, n)
    order = np.random.default_rng(seed).permutation(n)
    parts = (order[:train_cut], order[train_cut:valid_cut], order[valid_cut:])
    train, valid, test = (np.sort(part).astype(np.int64) for part in parts)
    return train, valid, test


def _check_parts(
    n: int, n_fit: int, n_test: int, fractions: tuple[float, float, float], split: str
) -> None:
    """Refuse a split with too few molecules to fit or to score on; warn when it has few."""
    if split == "scaffold":
        cause = (
            "the scaffold split keeps each Bemis-Murcko scaffold whole in one part, so a "
            "scaffold shared by many of the molecules (molecules without rings all share the "
            "empty scaffold), or a small set, leaves parts this small"
        )
        fix = 'use split="random", or more molecules with varied scaffolds'
    else:
        cause, fix = "the set is too small for these fractions", "use more molecules"
    for part, count, share in (
        ("fitting (train + valid)", n_fit, 1.0 - fractions[2]),
        ("test", n_test, fractions[2]),
    ):
        if count < MIN_PART:
            raise InputError(
                f"the {split} split of {n} molecules with fractions={fractions} left {count} "
                f"molecule(s) in the {part} part, fewer than the {MIN_PART} needed; {cause}. "
                f"Fix: {fix}, or give the {part} part a larger fraction than {share:.3g}"
            )
        if count < FEW_MOLECULES:
            warnings.warn(
                f"the {split} split of {n} molecules left only {count} in the {part} part; "
                f"scores on so few molecules are noisy ({fix})",
                Ai4sWarning,
                stacklevel=3,
            )
