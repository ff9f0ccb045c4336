"""Views: the kernel side of every AI4S Lab widget.

Views adapt core objects (a field, a structure, a phase diagram, a molecule table) to nglview,
py3Dmol, plotly or anywidget, and send user events back as plain Python values; they compute no
science. Their front-end halves live in the repository's top-level ``widgets/`` folder (shipped in
``ai4s_lab/widgets/static/``).

Each view loads on first use, so ``from ai4s_lab.widgets import FieldView`` imports anywidget but
not RDKit or nglview.
"""

from __future__ import annotations

import importlib
from typing import Any

# view name -> module in this package that defines it (one view family a module)
_VIEWS: dict[str, str] = {
    "PhaseDiagramView": "phase_diagram_view",
    "CompositionMapView": "composition_map_view",
    "FieldView": "field_view",
    "ProteinView": "protein_view",
    "ContactMapView": "contact_map_view",
    "PAEView": "contact_map_view",
    "MoleculeGridView": "molecule_grid_view",
    "ConformerView": "conformer_view",
    "TrainingView": "training_view",
    "ComparisonView": "comparison_view",
}

__all__ = sorted(_VIEWS)


def __getattr__(name: str) -> Any:
    module = _VIEWS.get(name)
    if module is None:
        raise AttributeError(f"module 'ai4s_lab.widgets' has no attribute {name!r}")
    return getattr(importlib.import_module(f"ai4s_lab.widgets.{module}"), name)


def __dir__() -> list[str]:
    return sorted(_VIEWS)
