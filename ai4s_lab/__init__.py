"""AI4S Lab: a Jupyter-native research environment for AI-for-Science.

``import ai4s_lab`` is cheap: torch, RDKit, gemmi and the Jupyter packages load only when a
subpackage that needs them is used (``ai4s_lab.pde``, ``ai4s_lab.molecules``, ...).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ai4s_lab._version import __version__
from ai4s_lab.device import available_devices, resolve_device, resolve_dtype

if TYPE_CHECKING:
    from ai4s_lab import errors, pipelines
    from ai4s_lab.pipelines.record import record

__all__ = [
    "__version__",
    "available_devices",
    "errors",
    "pipelines",
    "record",
    "resolve_device",
    "resolve_dtype",
]

_SUBMODULES = {"errors", "pipelines", "pde", "protein", "materials", "molecules", "widgets"}


def __getattr__(name: str) -> Any:
    if name == "record":
        from ai4s_lab.pipelines.record import record

        return record
    if name in _SUBMODULES:
        return importlib.import_module(f"ai4s_lab.{name}")
    raise AttributeError(f"module 'ai4s_lab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(__all__) | _SUBMODULES)
