"""Materials: computed entries, phase diagrams (convex hulls), decompositions, composition maps.

Pure compute (numpy, scipy's Qhull, torch); no Jupyter packages are imported here. The views
are :class:`ai4s_lab.widgets.PhaseDiagramView` and :class:`ai4s_lab.widgets.CompositionMapView`.

>>> from ai4s_lab.materials import PhaseDiagram, example_entries, load_entries
>>> pd = PhaseDiagram(load_entries(example_entries("Li-P-S")), zero_references=True)
>>> any(e.name == "Li3PS4" for e in pd.stable_entries)
True
"""

from __future__ import annotations

from ai4s_lab.materials.composition import ELEMENTS, Composition, FormulaError
from ai4s_lab.materials.composition_map import (
    composition_grid,
    composition_map,
    simplex_coordinates,
)
from ai4s_lab.materials.entries import (
    Entry,
    EntryError,
    LoadedEntries,
    RejectedRow,
    entries_from_pymatgen,
    load_entries,
)
from ai4s_lab.materials.examples import example_entries
from ai4s_lab.materials.phase_diagram import (
    FORMATION_ENERGY_TOL,
    NUMERICAL_TOL,
    MissingReferenceError,
    PhaseDiagram,
)
from ai4s_lab.materials.surrogate import FormationEnergyGP

__all__ = [
    "ELEMENTS",
    "FORMATION_ENERGY_TOL",
    "NUMERICAL_TOL",
    "Composition",
    "Entry",
    "EntryError",
    "FormationEnergyGP",
    "FormulaError",
    "LoadedEntries",
    "MissingReferenceError",
    "PhaseDiagram",
    "RejectedRow",
    "composition_grid",
    "composition_map",
    "entries_from_pymatgen",
    "example_entries",
    "load_entries",
    "simplex_coordinates",
]
