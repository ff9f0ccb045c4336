"""AI surrogates for the PDE lab: Fourier neural operators and physics-informed networks.

>>> from ai4s_lab.pde import learn
>>> ds = learn.generate("darcy", n_samples=8, resolution=32, progress=False, device="cpu")
>>> x, y = learn.to_tensors(ds)
>>> model = learn.FNO(modes=8, width=16)
>>> result = learn.train(model, x, y, epochs=2, progress=False, device="cpu")
>>> round(learn.evaluate(result.model, x, y), 1) < 1.0
True

Datasets come from the PDE lab's solvers (:mod:`.datasets`), the FNO (:mod:`.fno`) is our own
implementation of Li et al. (ICLR 2021, arXiv:2010.08895), :mod:`.training` trains with
checkpoints and rolls out autoregressively, and :mod:`.pinn` fits a physics-informed network to
1D viscous Burgers and compares it with the Cole–Hopf solution. No Jupyter code is imported.
"""

from __future__ import annotations

from ai4s_lab.pde.learn.datasets import (
    NS_SETUPS,
    PROBLEMS,
    burgers_dataset,
    darcy_dataset,
    darcy_permeability,
    generate,
    load_dataset,
    navier_stokes_dataset,
    save_dataset,
    to_tensors,
)
from ai4s_lab.pde.learn.fno import FNO, SpectralConv, build_model
from ai4s_lab.pde.learn.pinn import (
    BurgersPINN,
    burgers_residual,
    cole_hopf_burgers,
    train_burgers_pinn,
)
from ai4s_lab.pde.learn.training import (
    TrainResult,
    evaluate,
    load_checkpoint,
    predict,
    relative_l2,
    rollout,
    save_checkpoint,
    train,
)

__all__ = [
    "FNO",
    "NS_SETUPS",
    "PROBLEMS",
    "BurgersPINN",
    "SpectralConv",
    "TrainResult",
    "build_model",
    "burgers_dataset",
    "burgers_residual",
    "cole_hopf_burgers",
    "darcy_dataset",
    "darcy_permeability",
    "evaluate",
    "generate",
    "load_checkpoint",
    "load_dataset",
    "navier_stokes_dataset",
    "predict",
    "relative_l2",
    "rollout",
    "save_checkpoint",
    "save_dataset",
    "to_tensors",
    "train",
    "train_burgers_pinn",
]
