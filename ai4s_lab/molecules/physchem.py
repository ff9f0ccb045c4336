"""Physico-chemical descriptors computed by RDKit, one row a molecule.

References
----------
.. [QED] G. R. Bickerton, G. V. Paolini, J. Besnard, S. Muresan, A. L. Hopkins, "Quantifying the
   chemical beauty of drugs", Nat. Chem. 4, 90–98 (2012). doi:10.1038/nchem.1243
.. [logP] S. A. Wildman, G. M. Crippen, "Prediction of physicochemical parameters by atomic
   contributions", J. Chem. Inf. Comput. Sci. 39, 868–873 (1999). doi:10.1021/ci990307l
.. [TPSA] P. Ertl, B. Rohde, P. Selzer, "Fast calculation of molecular polar surface area as a sum
   of fragment-based contributions", J. Med. Chem. 43, 3714–3717 (2000). doi:10.1021/jm000942e
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ai4s_lab.errors import InputError, ParameterError
from ai4s_lab.molecules._rdkit import as_mols, chem, rdkit_messages, without_hydrogens

__all__ = ["DESCRIPTORS", "descriptors"]

#: name -> (units, what it is); the columns :func:`descriptors` returns, in this order
DESCRIPTORS: dict[str, tuple[str, str]] = {
    "MW": ("g/mol", "average molecular weight"),
    "logP": ("log10", "Wildman–Crippen octanol/water partition coefficient"),
    "TPSA": ("Å²", "topological polar surface area (Ertl), N and O only"),
    "HBD": ("count", "H-bond donors, Lipinski's definition (N–H and O–H)"),
    "HBA": ("count", "H-bond acceptors, Lipinski's definition (N and O atoms)"),
    "rotatable_bonds": ("count", "rotatable bonds (RDKit's default, strict definition)"),
    "heavy_atoms": ("count", "non-hydrogen atoms"),
    "rings": ("count", "rings (SSSR)"),
    "aromatic_rings": ("count", "aromatic rings"),
    "fraction_csp3": ("fraction", "fraction of carbons that are sp3"),
    "formal_charge": ("e", "net formal charge"),
    "QED": ("0–1", "quantitative estimate of drug-likeness (Bickerton 2012)"),
}


def _functions() -> dict[str, Callable[[Any], float]]:
    from rdkit.Chem import QED, rdMolDescriptors

    from ai4s_lab._optional import import_optional

    Crippen: Any = import_optional("rdkit.Chem.Crippen")
    Descriptors: Any = import_optional("rdkit.Chem.Descriptors")

    Chem = chem()
    return {
        "MW": Descriptors.MolWt,
        "logP": Crippen.MolLogP,
        "TPSA": rdMolDescriptors.CalcTPSA,
        "HBD": rdMolDescriptors.CalcNumLipinskiHBD,
        "HBA": rdMolDescriptors.CalcNumLipinskiHBA,
        "rotatable_bonds": rdMolDescriptors.CalcNumRotatableBonds,
        "heavy_atoms": lambda m: m.GetNumHeavyAtoms(),
        "rings": rdMolDescriptors.CalcNumRings,
        "aromatic_rings": rdMolDescriptors.CalcNumAromaticRings,
        "fraction_csp3": rdMolDescriptors.CalcFractionCSP3,
        "formal_charge": Chem.GetFormalCharge,
        "QED": QED.qed,
    }


def descriptors(
    mols: Iterable[Any],
    names: str | Sequence[str] | None = None,
    *,
    index: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Compute descriptors for each molecule.

    Parameters
    ----------
    mols
        RDKit molecules (e.g. a :class:`~ai4s_lab.molecules.MoleculeSet`) or SMILES strings.
        Explicit hydrogen atoms are removed first (RDKit would count an O–H bond of
        ``Chem.AddHs(mol)`` as rotatable); isotopic hydrogens are kept.
    names
        Which descriptors (keys of :data:`DESCRIPTORS`; one name, such as ``"MW"``, or a
        list of them); all by default. Units: MW in g/mol,
        TPSA in Å², logP in log10 units, counts as integers, QED in [0, 1].
    index
        Row labels of the result (default 0..n-1).

    Returns
    -------
    pandas.DataFrame
        One row a molecule, one column a descriptor. A descriptor RDKit fails on is NaN.

    Raises
    ------
    InputError
        If an item is not a molecule (e.g. ``None`` from a SMILES RDKit could not parse) or is
        a SMILES RDKit cannot parse; the message names its position.

    References
    ----------
    QED: Bickerton et al. 2012, doi:10.1038/nchem.1243. logP: Wildman & Crippen 1999,
    doi:10.1021/ci990307l. TPSA: Ertl et al. 2000, doi:10.1021/jm000942e.
    """
    chosen = (
        list(DESCRIPTORS) if names is None else [names] if isinstance(names, str) else list(names)
    )
    unknown = [n for n in chosen if n not in DESCRIPTORS]
    if unknown:
        raise ParameterError(f"unknown descriptor(s) {unknown}; choose from {list(DESCRIPTORS)}")
    mols = [without_hydrogens(mol) for mol in as_mols(mols)]  # rotatable bonds: heavy atoms
    if index is not None and len(index) != len(mols):
        raise InputError(f"index has {len(index)} labels for {len(mols)} molecules")
    functions = _functions()
    rows = []
    with rdkit_messages() as log:
        for mol in mols:
            row = {}
            for name in chosen:
                try:
                    row[name] = float(functions[name](mol))
                except Exception:  # RDKit raises C++-mapped types; record NaN, go on
                    row[name] = np.nan
            log.take()
            rows.append(row)
    frame = pd.DataFrame(rows, columns=chosen, index=None if index is None else list(index))
    counts = [n for n in chosen if DESCRIPTORS[n][0] in ("count", "e")]
    if counts and not frame[counts].isna().any().any():
        frame[counts] = frame[counts].astype(np.int64)
    return frame
