"""Proteins: structures, predicted models, contacts, superposition, scores and trajectories.

Pure compute (numpy, torch, gemmi, biotite, MDAnalysis); no Jupyter packages. Views of these
objects are in :mod:`ai4s_lab.widgets` (``ProteinView``, ``ContactMapView``, ``PAEView``).

Example
-------
>>> from ai4s_lab import protein
>>> model = protein.load_structure("AF-Q5VSL9-F1-model_v4.pdb")  # doctest: +SKIP
>>> model.plddt.mean()  # doctest: +SKIP
"""

from __future__ import annotations

from ai4s_lab.protein.confidence import PAE, PLDDT_BANDS, load_pae, plddt_band
from ai4s_lab.protein.data import example_file
from ai4s_lab.protein.geometry import contact_map, distance_matrix, radius_of_gyration
from ai4s_lab.protein.reading import load_structure
from ai4s_lab.protein.scores import GDT_TS_CUTOFFS, gdt_ts, rmsd, tm_d0, tm_score
from ai4s_lab.protein.secondary import residue_table, secondary_structure
from ai4s_lab.protein.structure import ATOM_SETS, Structure
from ai4s_lab.protein.superpose import (
    Superposition,
    kabsch,
    matched_coordinates,
    sequence_alignment,
    superpose,
)
from ai4s_lab.protein.trajectory import load_trajectory, rmsd_over_time, trajectory_table

__all__ = [
    "ATOM_SETS",
    "GDT_TS_CUTOFFS",
    "PAE",
    "PLDDT_BANDS",
    "Structure",
    "Superposition",
    "contact_map",
    "distance_matrix",
    "example_file",
    "gdt_ts",
    "kabsch",
    "load_pae",
    "load_structure",
    "load_trajectory",
    "matched_coordinates",
    "plddt_band",
    "radius_of_gyration",
    "residue_table",
    "rmsd",
    "rmsd_over_time",
    "secondary_structure",
    "sequence_alignment",
    "superpose",
    "tm_d0",
    "tm_score",
    "trajectory_table",
]
