"""Writes notebooks/convergence_sweep.ipynb (run: python tools/build_convergence_sweep.py)."""

import sys
from pathlib import Path

from nbformat.v4 import new_code_cell, new_markdown_cell

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _notebook import write_notebook

cells = [
    new_markdown_cell(
        "# A parameter sweep: how does the error depend on the grid and the diffusivity?\n\n"
        "One notebook, many runs. This notebook hands the tour notebook (`00_tour.ipynb`: the "
        "heat equation solved with finite differences and compared with its exact Fourier "
        "solution) to a **sweep**: every combination of grid size and diffusivity runs as its "
        "own papermill job, on a local pool of workers or on a Dask cluster. Each run is "
        "recorded in a SQLite catalog with its parameters, the values the notebook recorded "
        "(`ai4s_lab.record`), timings, versions and an offline HTML report; a finished run is "
        "never repeated, so an interrupted sweep resumes where it stopped.\n\n"
        "The science question for a class: on the Fourier mode $e^{i\\mathbf k\\cdot\\mathbf x}$ "
        "the 5-point Laplacian gives $-|\\mathbf k|^2 + h^2(k_x^4 + k_y^4)/12 + O(h^4)$ instead of "
        "$-|\\mathbf k|^2$, so each mode decays slightly too slowly and its error at time $t$ is "
        "about $D\\,t\\,h^2 (k_x^4 + k_y^4)/12 \\; e^{-D|\\mathbf k|^2 t}$ times its amplitude. "
        "Halving $h$ should therefore divide the error by about four at every diffusivity. With "
        "the tour's initial amplitudes $\\propto 1/(1 + |\\mathbf k|^2)$, a short wave's error is "
        "about $(h^2/12)\\, y\\, e^{-y}$ with $y = D t |\\mathbf k|^2$ (up to a direction factor "
        "between 1/2 and 1): the largest errors sit in a ring of modes around "
        "$|\\mathbf k|^2 = 1/(D t)$. A larger diffusivity shrinks that ring to longer waves, where "
        "there are fewer modes, and so *reduces* the error at the fixed final time."
    ),
    new_code_cell(
        "# Parameters\n"
        'notebook = "00_tour.ipynb"  # the notebook to sweep, relative to this one\n'
        "grid_sizes = [16, 32, 64]  # n_grid values\n"
        "diffusivities = [0.05, 0.2]  # diffusivity values\n"
        "executor = \"local\"  # 'local' or 'dask'\n"
        "workers = 2  # runs at once\n"
        "scheduler = \"\"  # e.g. 'tcp://10.0.0.5:8786' for an existing Dask cluster\n"
        'out_dir = ""  # sweep folder; empty: inside this run\'s folder',
        metadata={"tags": ["parameters"]},
    ),
    new_code_cell(
        "import os\n"
        "from pathlib import Path\n\n"
        "import numpy as np\n"
        "import plotly.graph_objects as go\n\n"
        "import ai4s_lab\n"
        "from ai4s_lab.pipelines import Sweep, expand_grid\n\n"
        'sweep_dir = Path(out_dir or Path(os.environ.get("AI4S_RUN_DIR", ".")) / "sweep")\n'
        'grid = {"n_grid": grid_sizes, "diffusivity": diffusivities}\n'
        "sweep = Sweep(notebook, expand_grid(grid), output_dir=sweep_dir, executor=executor,\n"
        "              workers=workers, scheduler=scheduler or None)\n"
        "result = sweep.run()\n"
        'print(f"{len(result.runs)} runs ({result.executed} executed, {result.cached} cached), "\n'
        '      f"{len(result.failed)} failed; index: {result.index}")'
    ),
    new_markdown_cell(
        "## The catalog as a table\n\n"
        "`RunCatalog.to_frame()` gives one row a run: parameters (`param.*`) and recorded "
        "values (`rec.*`)."
    ),
    new_code_cell(
        "from ai4s_lab.pipelines import RunCatalog\n\n"
        "table = RunCatalog(sweep_dir).to_frame()\n"
        'table = table[table.status == "succeeded"].sort_values(["param.diffusivity", "param.n_grid"])\n'
        'table[["param.n_grid", "param.diffusivity", "rec.max_error", "rec.convergence_order", "duration_s"]]'
    ),
    new_code_cell(
        "fig = go.Figure()\n"
        "orders = {}\n"
        'for nu, group in table.groupby("param.diffusivity"):\n'
        '    h = 2 * np.pi / group["param.n_grid"].to_numpy()\n'
        '    err = group["rec.max_error"].to_numpy()\n'
        "    orders[nu] = float(np.polyfit(np.log(h), np.log(err), 1)[0])\n"
        '    fig.add_trace(go.Scatter(x=h, y=err, mode="markers+lines",\n'
        '                             name=f"D = {nu:g} (order {orders[nu]:.2f})"))\n'
        'fig.update_xaxes(type="log", title="grid spacing h")\n'
        'fig.update_yaxes(type="log", title="max |numerical − exact| at t_end")\n'
        'fig.update_layout(width=650, height=420, title="Error across the sweep")\n'
        'ai4s_lab.record("orders", {str(k): v for k, v in orders.items()})\n'
        'ai4s_lab.record("runs", len(result.runs))\n'
        'ai4s_lab.record("failed", len(result.failed))\n'
        "fig.show()"
    ),
    new_markdown_cell(
        "## Going bigger\n\n"
        "* From a terminal: `ai4s-lab sweep notebooks/00_tour.ipynb --grid grid.yaml --workers 2` "
        "with `grid.yaml` holding `n_grid: [16, 32, 64]` and `diffusivity: [0.05, 0.2]`; "
        "`ai4s-lab runs sweeps/00_tour` lists the catalog and `ai4s-lab report sweeps/00_tour` "
        "rebuilds `index.html`.\n"
        "* On a cluster: start `dask scheduler` on one machine and `dask worker "
        "tcp://SCHEDULER:8786` on the others, then pass `--executor dask --scheduler "
        'tcp://SCHEDULER:8786` (here: `executor="dask"`, `scheduler="tcp://..."`).\n'
        "* Interrupted? Run the same command again: finished runs are skipped."
    ),
]

write_notebook(cells, "convergence_sweep.ipynb")
