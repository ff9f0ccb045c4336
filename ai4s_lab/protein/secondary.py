"""Secondary structure (biotite's P-SEA) and per-residue summary tables.

References
----------
.. [1] G. Labesse, N. Colloc'h, J. Pothier, J.-P. Mornon, "P-SEA: a new efficient assignment of
   secondary structure from Cα trace of proteins", Comput. Appl. Biosci. 13, 291–295 (1997),
   doi:10.1093/bioinformatics/13.3.291.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ai4s_lab._optional import import_optional
from ai4s_lab.protein.structure import Structure

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["residue_table", "secondary_structure", "to_biotite"]

_SSE_NAMES = {"a": "H", "b": "E", "c": "C", "": "C"}


def to_biotite(structure: Structure, model: int = 0) -> Any:
    """One model of a structure as a ``biotite.structure.AtomArray`` (no re-parsing)."""
    import_optional("biotite")
    import biotite.structure as bstruc

    index = structure.model_index(model)
    atoms = bstruc.AtomArray(structure.n_atoms)
    atoms.coord = structure.coords[index].astype(np.float32)
    atoms.chain_id = structure.chain_id
    atoms.res_id = structure.res_seq
    atoms.ins_code = structure.ins_code
    atoms.res_name = structure.res_name
    atoms.hetero = structure.hetero
    atoms.atom_name = structure.atom_name
    atoms.element = structure.element
    atoms.add_annotation("b_factor", dtype=float)
    atoms.b_factor = structure.b_factor
    return atoms


def secondary_structure(structure: Structure, model: int = 0) -> np.ndarray:
    """Per-polymer-residue secondary structure: ``"H"`` helix, ``"E"`` strand, ``"C"`` coil.

    Assigned from the Cα trace by P-SEA [1]_ (``biotite.structure.annotate_sse``).

    Parameters
    ----------
    structure
        The structure.
    model
        Which model (0-based; negative numbers count from the last).

    Returns
    -------
    numpy.ndarray
        One letter a polymer residue, in the order of ``structure.residue_ids``.

    Raises
    ------
    InputError
        ``model`` is not a model of the structure.
    """
    import_optional("biotite")
    import biotite.structure as bstruc

    atoms = to_biotite(structure, model)
    # P-SEA reads the Cα trace only: one Cα a polymer residue, in residue order (a residue
    # whose atoms are apart in the file is still one residue), named as a standard amino acid
    # so that force-field names (HSD, HIE, CYX ...) are not taken for gaps in the chain
    ca = structure.atom_indices("CA")
    trace = atoms[ca[np.argsort(structure.residue_index[ca], kind="stable")]]
    trace.res_name[:] = "ALA"
    sse = bstruc.annotate_sse(trace)
    return np.array([_SSE_NAMES.get(str(code), "C") for code in sse])


def residue_table(structure: Structure, model: int = 0) -> pd.DataFrame:
    """One row a polymer residue: chain, number, insertion code, name, atoms, B-factor or
    pLDDT, secondary structure and Cα coordinates (Å).

    Parameters
    ----------
    structure
        The structure.
    model
        Model for the coordinates and secondary structure (0-based; negative numbers count
        from the last).

    Returns
    -------
    pandas.DataFrame
        Columns ``chain, res_seq, ins_code, res_name, n_atoms, b_factor, ss, x, y, z`` and
        ``plddt`` for a predicted model.

    Raises
    ------
    InputError
        ``model`` is not a model of the structure.
    """
    import pandas as pd

    from ai4s_lab.protein.confidence import plddt_band

    model = structure.model_index(model)
    ca = structure.atom_indices("CA")
    polymer = structure.polymer_residues
    counts = np.bincount(structure.residue_index, minlength=structure.n_residues)[polymer]
    sums = np.bincount(
        structure.residue_index, weights=structure.b_factor, minlength=structure.n_residues
    )[polymer]
    table = pd.DataFrame(
        {
            "chain": structure.chain_id[ca],
            "res_seq": structure.res_seq[ca],
            "ins_code": structure.ins_code[ca],
            "res_name": structure.res_name[ca],
            "n_atoms": counts,
            "b_factor": sums / counts,
            "ss": secondary_structure(structure, model),
            "x": structure.coords[model, ca, 0],
            "y": structure.coords[model, ca, 1],
            "z": structure.coords[model, ca, 2],
        }
    )
    plddt = structure.plddt
    if plddt is not None:
        table["plddt"] = plddt
        table["confidence"] = plddt_band(plddt)
    return table
