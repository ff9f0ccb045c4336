"""Writes notebooks/neural_operator.ipynb from the cells below (so the notebook diffs stay readable).

Run: python tools/build_neural_operator.py
"""

import sys
from pathlib import Path

from nbformat.v4 import new_code_cell, new_markdown_cell

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _notebook import write_notebook

cells = [
    new_markdown_cell(
        "# Neural operators: a Fourier neural operator as a PDE surrogate\n\n"
        "A **neural operator** learns a map between functions — here from a PDE's input field "
        "(a permeability, an initial vorticity) to its solution — from examples that a classical "
        "solver produced. The **Fourier neural operator** (FNO; Li et al., ICLR 2021, "
        "[arXiv:2010.08895](https://arxiv.org/abs/2010.08895)) alternates pointwise linear maps "
        "with convolutions parametrised by their lowest Fourier modes. Because its weights live "
        "on wave numbers, one trained model runs on any grid (zero-shot super-resolution) and, "
        "once trained, costs a few FFTs per sample instead of a full solve.\n\n"
        "This notebook generates a training set with the PDE lab's solvers, trains an FNO with a "
        "live loss curve, compares its predictions with the solver (truth, prediction, error), "
        "and measures the speed-up.\n\n"
        "**Larger settings.** The defaults finish in one to two minutes on 2 CPU cores and give a "
        "rough surrogate (test error of a few per cent). The FNO paper's Darcy setting is "
        "`resolution=64` (85 in the paper), `n_train=1000`, `epochs=500`, `width=32`, `modes=12` "
        "(≈1% error; hours on a CPU, minutes on a GPU with `device='cuda'`). With "
        "`problem='navier-stokes'` the defaults train a one-step surrogate ($\\Delta t = 1$) with "
        "an error below 1% in two to three minutes; `resolution=64`, `n_train=200`, `epochs=50` is the "
        "larger setting of `bench/RESULTS.md` (about 45 minutes on a CPU core)."
    ),
    new_code_cell(
        "# Parameters (papermill and `ai4s-lab run -p NAME VALUE` override these)\n"
        'problem = "darcy"  # "darcy", "navier-stokes" or "burgers"\n'
        "resolution = 32  # grid points per side\n"
        "n_train = 160  # training samples (trajectories for navier-stokes)\n"
        "n_test = 40  # test samples\n"
        "epochs = 30  # training epochs\n"
        "modes = 8  # Fourier modes kept per axis\n"
        "width = 16  # hidden channels\n"
        'device = "auto"  # "auto", "cpu", "cuda", "cuda:N" or "mps"\n'
        "seed = 0  # seed of the data and of the training",
        metadata={"tags": ["parameters"]},
    ),
    new_code_cell(
        "import time\n\n"
        "import numpy as np\n"
        "import plotly.graph_objects as go\n"
        "import torch\n"
        "from plotly.subplots import make_subplots\n\n"
        "import ai4s_lab\n"
        "from ai4s_lab.pde import learn\n\n"
        "# check the parameters before any work: one actionable line per mistake\n"
        'if problem not in ("darcy", "navier-stokes", "burgers"):\n'
        '    raise ValueError(f"problem={problem!r}: use \\"darcy\\", \\"navier-stokes\\" or \\"burgers\\"")\n'
        "for key, value in dict(resolution=resolution, n_train=n_train, n_test=n_test, epochs=epochs,\n"
        "                       modes=modes, width=width).items():\n"
        "    if isinstance(value, bool) or not isinstance(value, int) or value < 1:\n"
        '        raise ValueError(f"{key}={value!r}: use a positive integer")\n'
        'pad = 4 if problem == "darcy" else 0  # Darcy is not periodic: the FNO pads 4 cells\n'
        "if 2 * modes > resolution + pad:  # an FNO layer keeping `modes` modes needs 2·modes points\n"
        "    raise ValueError(\n"
        '        f"modes={modes} is too many for resolution={resolution}: use resolution >= "\n'
        '        f"{2 * modes - pad} or modes <= {(resolution + pad) // 2} (2·modes <= resolution"\n'
        '        + (" + 4 padding)" if pad else ")")\n'
        "    )\n\n"
        "dev = ai4s_lab.resolve_device(device)\n"
        'print(f"training on {dev}")'
    ),
    new_markdown_cell(
        "## 1. Training data from the PDE lab\n\n"
        "Darcy flow $-\\nabla\\cdot(a\\nabla p) = 1$: permeabilities $a$ are thresholded Gaussian "
        "random fields (12 or 3), solved by conjugate gradients. Navier–Stokes: vorticity "
        "$\\omega(t) \\to \\omega(t+\\Delta t)$, $\\Delta t = 1$, at $\\nu = 10^{-3}$ on the FNO "
        "paper's set-up (unit torus, forcing $0.1(\\sin 2\\pi(x+y) + \\cos 2\\pi(x+y))$, random "
        "initial vorticity). Burgers: $u_0 \\to u(1)$."
    ),
    new_code_cell(
        'options = {"seed": seed, "device": dev, "progress": False}\n'
        'if problem == "navier-stokes":\n'
        "    options.update(n_steps=4)\n"
        "start = time.perf_counter()\n"
        "ds = learn.generate(problem, n_train + n_test, resolution, **options)\n"
        "solver_seconds = time.perf_counter() - start\n"
        "x_train, y_train = learn.to_tensors(ds, samples=slice(0, n_train))\n"
        "x_test, y_test = learn.to_tensors(ds, samples=slice(n_train, n_train + n_test))\n"
        'print(f"{len(x_train)} training and {len(x_test)} test pairs on a {resolution}-point grid "\n'
        '      f"in {solver_seconds:.1f} s")\n'
        "ds.attrs"
    ),
    new_markdown_cell(
        "## 2. Train the FNO\n\n"
        "Loss: the mean relative $L^2$ error; Adam with a cosine learning-rate decay."
    ),
    new_code_cell(
        "torch.manual_seed(seed)\n"
        "ndim = x_train.ndim - 2\n"
        'padding = 4 if problem == "darcy" else 0  # Darcy is not periodic\n'
        "# Darcy grids hold both boundaries (nodes j/(n-1)); the others are periodic (i/n)\n"
        'coordinates = "nodes" if problem == "darcy" else "cells"\n'
        "model = learn.FNO(modes=modes, width=width, layers=4, ndim=ndim, padding=padding,\n"
        "                  coordinates=coordinates)\n"
        "result = learn.train(model, x_train, y_train, epochs=epochs, batch_size=10, lr=3e-3,\n"
        '                     schedule="cosine", validation=(x_test, y_test), seed=seed,\n'
        "                     device=dev, progress=False)\n"
        "history = result.history\n"
        "fig = go.Figure()\n"
        'for key in ("train_loss", "val_loss"):\n'
        '    fig.add_scatter(x=[h["epoch"] for h in history], y=[h[key] for h in history], name=key)\n'
        'fig.update_layout(yaxis_type="log", xaxis_title="epoch", yaxis_title="relative L2",\n'
        '                  height=320, title="Training curve")\n'
        "fig.show()"
    ),
    new_markdown_cell("## 3. Truth, prediction, error"),
    new_code_cell(
        "test_error = learn.evaluate(result.model, x_test, y_test)\n"
        "baseline = float(learn.relative_l2(y_train.mean(0, keepdim=True).expand_as(y_test), y_test))\n"
        'print(f"test relative L2 error {test_error:.3%} (mean-field baseline {baseline:.1%})")\n'
        'ai4s_lab.record("test_relative_l2", test_error)\n'
        "prediction = learn.predict(result.model, x_test[:1])[0, 0].numpy()\n"
        "truth = y_test[0, 0].numpy()\n"
        "if ndim == 2:\n"
        '    fig = make_subplots(rows=1, cols=3, subplot_titles=("truth", "FNO", "error"))\n'
        "    for col, z in enumerate([truth, prediction, prediction - truth], 1):\n"
        '        fig.add_trace(go.Heatmap(z=z, showscale=col == 3, colorscale="RdBu_r"), 1, col)\n'
        "else:\n"
        '    fig = go.Figure([go.Scatter(y=truth, name="truth"), go.Scatter(y=prediction, name="FNO")])\n'
        "fig.update_layout(height=340)\n"
        "fig.show()"
    ),
    new_markdown_cell(
        "## 4. Speed-up and zero-shot super-resolution\n\n"
        "The solver and the surrogate produce the same output for the test inputs; we time both "
        "(the surrogate after one warm-up call, best of three). On a CPU at these small grids the "
        "solvers are cheap and the FNO is at best a few times faster (`bench/RESULTS.md`: 3× for "
        "Darcy at 64² on 2 threads); the large speed-ups of the literature are on GPUs. The model "
        "trained at `resolution` is then evaluated, without retraining, on data at twice the "
        "resolution: it runs on the finer grid (Darcy's zero padding keeps its physical width, "
        "4 cells at `resolution` become 8 at twice it), but with these small defaults its error "
        "there is larger than at the training resolution."
    ),
    new_code_cell(
        "start = time.perf_counter()\n"
        'learn.generate(problem, n_test, resolution, **{**options, "seed": seed + 1})\n'
        "solver_time = time.perf_counter() - start\n"
        "learn.predict(result.model, x_test[:1])  # warm-up: the first call pays one-off set-up\n"
        "timings = []\n"
        "for _ in range(3):\n"
        "    start = time.perf_counter()\n"
        "    learn.predict(result.model, x_test)\n"
        "    timings.append(time.perf_counter() - start)\n"
        "surrogate_time = min(timings)\n"
        "speedup = solver_time / surrogate_time\n"
        'verdict = f"{speedup:.1f}x faster" if speedup >= 1 else f"{1 / speedup:.1f}x slower"\n'
        'print(f"solver {solver_time:.2f} s, surrogate {surrogate_time:.3f} s: the surrogate is {verdict} "\n'
        '      "(the solver time includes drawing the inputs, which is negligible)")\n'
        'ai4s_lab.record("speedup", speedup)\n'
        'fine = learn.generate(problem, 8, 2 * resolution, **{**options, "seed": seed + 2})\n'
        "x_fine, y_fine = learn.to_tensors(fine)\n"
        "fine_error = learn.evaluate(result.model, x_fine, y_fine)\n"
        'print(f"trained at {resolution}, evaluated at {2 * resolution}: relative L2 {fine_error:.3%}")\n'
        'ai4s_lab.record("superresolution_relative_l2", fine_error)'
    ),
]

write_notebook(cells, "neural_operator.ipynb")
