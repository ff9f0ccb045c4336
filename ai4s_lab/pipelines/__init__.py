"""Notebook pipelines: run parameterized notebooks with papermill, keep provenance, write reports.

This package orchestrates; it never imports a science module (the labs run inside the notebooks'
kernels, never in the process that drives them).
"""

from __future__ import annotations

from ai4s_lab.pipelines.catalog import RunCatalog
from ai4s_lab.pipelines.grids import expand_grid, read_grid, read_list
from ai4s_lab.pipelines.index import write_index
from ai4s_lab.pipelines.kernels import wait_for_kernels
from ai4s_lab.pipelines.manifest import RunManifest, read_manifest
from ai4s_lab.pipelines.parameters import (
    check_parameters,
    normalize_parameters,
    notebook_parameters,
    parse_cli_parameters,
    parse_value,
    read_parameter_file,
)
from ai4s_lab.pipelines.record import read_records, record
from ai4s_lab.pipelines.report import export_html
from ai4s_lab.pipelines.runner import RunResult, run_notebook
from ai4s_lab.pipelines.showcase import run_showcase, showcase_notebooks
from ai4s_lab.pipelines.sweep import Sweep, SweepResult

__all__ = [
    "RunCatalog",
    "RunManifest",
    "RunResult",
    "Sweep",
    "SweepResult",
    "check_parameters",
    "expand_grid",
    "export_html",
    "normalize_parameters",
    "notebook_parameters",
    "parse_cli_parameters",
    "parse_value",
    "read_grid",
    "read_list",
    "read_manifest",
    "read_parameter_file",
    "read_records",
    "record",
    "run_notebook",
    "run_showcase",
    "showcase_notebooks",
    "wait_for_kernels",
    "write_index",
]
