"""2D depictions (SVG, drawn by RDKit) and the substructure a molecule shares with a query."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ai4s_lab.errors import InputError, ParameterError
from ai4s_lab.molecules._rdkit import as_mol, chem, rdkit_messages

__all__ = ["mol_to_svg", "shared_substructure"]


def mol_to_svg(
    mol: Any,
    *,
    size: tuple[int, int] = (220, 160),
    highlight_atoms: Sequence[int] | None = None,
    legend: str = "",
) -> str:
    """An SVG depiction of a molecule by RDKit's ``MolDraw2DSVG``.

    Parameters
    ----------
    mol
        RDKit molecule or SMILES.
    size
        Width and height in pixels.
    highlight_atoms
        Atom indices to highlight (the bonds between them are highlighted too).
    legend
        Text under the drawing.

    Returns
    -------
    str
        The SVG document (no XML declaration), ready to inline in HTML.

    Raises
    ------
    InputError
        If ``mol`` is not a molecule (e.g. ``None``) or an unparseable SMILES.
    """
    from rdkit.Chem.Draw import rdMolDraw2D

    mol = as_mol(mol, "mol", query=True)  # a SMARTS pattern is drawn as it is
    atoms = [int(i) for i in highlight_atoms or ()]
    outside = [i for i in atoms if not 0 <= i < mol.GetNumAtoms()]
    if outside:
        raise InputError(
            f"highlight_atoms {outside} are not atoms of this molecule; it has "
            f"{mol.GetNumAtoms()} atoms, numbered 0 … {mol.GetNumAtoms() - 1}"
        )
    chosen = set(atoms)
    bonds = [
        b.GetIdx()
        for b in mol.GetBonds()
        if b.GetBeginAtomIdx() in chosen and b.GetEndAtomIdx() in chosen
    ]
    drawer = rdMolDraw2D.MolDraw2DSVG(int(size[0]), int(size[1]))
    options: Any = drawer.drawOptions()
    options.clearBackground = False
    with rdkit_messages():
        rdMolDraw2D.PrepareAndDrawMolecule(
            drawer, mol, legend=legend, highlightAtoms=atoms, highlightBonds=bonds
        )
    drawer.FinishDrawing()
    svg: str = drawer.GetDrawingText()
    return svg.replace("<?xml version='1.0' encoding='iso-8859-1'?>\n", "")


def shared_substructure(query: Any, mol: Any, *, timeout: float = 2) -> list[int]:
    """Atoms of ``mol`` in its maximum common substructure with ``query`` (RDKit's FindMCS).

    Parameters
    ----------
    query, mol
        RDKit molecules or SMILES.
    timeout
        Seconds FindMCS may take (it returns the best found so far); rounded up to whole
        seconds.

    Returns
    -------
    list of int
        Atom indices of ``mol``; empty when nothing is shared.

    Raises
    ------
    InputError
        If ``query`` or ``mol`` is not a molecule or an unparseable SMILES.

    References
    ----------
    A. Dalke, J. Hastings, "FMCS: a novel algorithm for the multiple MCS problem",
    J. Cheminform. 5 (Suppl 1), O6 (2013). doi:10.1186/1758-2946-5-S1-O6
    """
    from rdkit.Chem import rdFMCS

    Chem = chem()
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ParameterError(f"timeout={timeout!r} must be a positive number of seconds")
    timeout = max(1, math.ceil(timeout))  # FindMCS takes whole seconds
    if isinstance(query, str) and not query.strip():
        return []  # no query: nothing to share
    query = as_mol(query, "query", query=True)  # a SMARTS pattern is matched as it is
    mol = as_mol(mol, "mol")
    if query.GetNumAtoms() == 0 or mol.GetNumAtoms() == 0:
        return []
    whole = mol.GetSubstructMatch(query)
    if len(whole) == query.GetNumAtoms():
        return list(whole)  # the whole query is in mol: that is the common substructure
    result = rdFMCS.FindMCS(
        [query, mol], timeout=timeout, ringMatchesRingOnly=True, completeRingsOnly=True
    )
    if not result.smartsString or result.numAtoms == 0:
        return []
    pattern = Chem.MolFromSmarts(result.smartsString)
    match = mol.GetSubstructMatch(pattern)
    return list(match)
