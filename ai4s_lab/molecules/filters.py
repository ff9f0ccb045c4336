"""Drug-likeness rules and structural-alert filters, each with the reason a molecule fails.

References
----------
.. [Lipinski] C. A. Lipinski, F. Lombardo, B. W. Dominy, P. J. Feeney, "Experimental and
   computational approaches to estimate solubility and permeability in drug discovery and
   development settings", Adv. Drug Deliv. Rev. 23, 3–25 (1997).
   doi:10.1016/S0169-409X(96)00423-1
.. [Veber] D. F. Veber et al., "Molecular properties that influence the oral bioavailability of
   drug candidates", J. Med. Chem. 45, 2615–2623 (2002). doi:10.1021/jm020017n
.. [PAINS] J. B. Baell, G. A. Holloway, "New substructure filters for removal of pan assay
   interference compounds (PAINS) from screening libraries", J. Med. Chem. 53, 2719–2740 (2010).
   doi:10.1021/jm901137j
.. [Brenk] R. Brenk et al., "Lessons learnt from assembling screening libraries for drug
   discovery for neglected diseases", ChemMedChem 3, 435–444 (2008). doi:10.1002/cmdc.200700139
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ai4s_lab.errors import InputError, ParameterError
from ai4s_lab.molecules._rdkit import as_mols, without_hydrogens
from ai4s_lab.molecules.physchem import descriptors

__all__ = ["FILTERS", "apply_filters"]

#: Lipinski's rule of five: a molecule fails when it breaks more than one of these
LIPINSKI_LIMITS = {"MW": 500.0, "logP": 5.0, "HBD": 5, "HBA": 10}
#: Veber's rules: both must hold
VEBER_LIMITS = {"rotatable_bonds": 10, "TPSA": 140.0}
FILTERS = ("lipinski", "veber", "pains", "brenk")
_CATALOGS = {"pains": "PAINS", "brenk": "BRENK"}


def apply_filters(
    mols: Sequence[Any],
    filters: str | Sequence[str] = FILTERS,
    *,
    table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Check molecules against drug-likeness rules and structural alerts.

    Parameters
    ----------
    mols
        RDKit molecules or SMILES strings; explicit hydrogen atoms are removed first, as the
        rules and alerts are defined on heavy atoms (isotopic hydrogens are kept).
    filters
        One filter name or a list of them: any of ``"lipinski"`` (at most one violation of
        MW ≤ 500 g/mol, logP ≤ 5, HBD ≤ 5, HBA ≤ 10), ``"veber"`` (rotatable bonds ≤ 10 and
        TPSA ≤ 140 Å²), ``"pains"`` (RDKit's FilterCatalog PAINS A/B/C) and ``"brenk"``
        (RDKit's Brenk catalog).
    table
        Descriptors already computed by :func:`~ai4s_lab.molecules.descriptors` (saves time):
        one row a molecule, in the order of ``mols``.

    Returns
    -------
    pandas.DataFrame
        One boolean column ``pass_<filter>`` a filter, ``passes`` (all of them), and ``reasons``:
        why the molecule fails, e.g. ``"lipinski: MW 612.7 > 500, logP 6.1 > 5; pains: ene_rhod_A"``
        (empty when it passes). A rule whose descriptor is NaN (RDKit failed on it) counts as
        broken, with ``"<name> nan"`` in the reasons.

    Raises
    ------
    InputError
        If an item of ``mols`` is not a molecule or an unparseable SMILES, or ``table`` has
        another number of rows than ``mols``.

    References
    ----------
    Lipinski 1997 doi:10.1016/S0169-409X(96)00423-1; Veber 2002 doi:10.1021/jm020017n;
    PAINS: Baell & Holloway 2010 doi:10.1021/jm901137j; Brenk 2008 doi:10.1002/cmdc.200700139.
    """
    chosen = [f.lower() for f in ([filters] if isinstance(filters, str) else filters)]
    unknown = [f for f in chosen if f not in FILTERS]
    if unknown:
        raise ParameterError(f"unknown filter(s) {unknown}; choose from {list(FILTERS)}")
    # the alerts are SMARTS of heavy-atom graphs: explicit H atoms would hide "[R0;D2]" chains
    mols = [without_hydrogens(mol) for mol in as_mols(mols)]
    if table is not None and len(table) != len(mols):
        raise InputError(
            f"table has {len(table)} rows for {len(mols)} molecules; pass the descriptors of "
            "these molecules, in their order"
        )
    needed = sorted(set(LIPINSKI_LIMITS) | set(VEBER_LIMITS))
    if ("lipinski" in chosen or "veber" in chosen) and (
        table is None or not set(needed) <= set(table.columns)
    ):
        table = descriptors(mols, needed)
    reasons: list[list[str]] = [[] for _ in mols]
    out = pd.DataFrame(index=range(len(mols)))
    if "lipinski" in chosen:
        assert table is not None
        flags = []
        for i, row in enumerate(table.reset_index(drop=True).itertuples(index=False)):
            broken = [
                f"{name} {getattr(row, name):.4g} > {limit}"
                for name, limit in LIPINSKI_LIMITS.items()
                if not getattr(row, name) <= limit  # NaN breaks the rule
            ]
            ok = len(broken) <= 1
            if not ok:
                reasons[i].append("lipinski: " + ", ".join(broken))
            flags.append(ok)
        out["pass_lipinski"] = flags
    if "veber" in chosen:
        assert table is not None
        flags = []
        for i, row in enumerate(table.reset_index(drop=True).itertuples(index=False)):
            broken = [
                f"{name} {getattr(row, name):.4g} > {limit}"
                for name, limit in VEBER_LIMITS.items()
                if not getattr(row, name) <= limit  # NaN breaks the rule
            ]
            if broken:
                reasons[i].append("veber: " + ", ".join(broken))
            flags.append(not broken)
        out["pass_veber"] = flags
    for name in ("pains", "brenk"):
        if name in chosen:
            catalog = _catalog(_CATALOGS[name])
            flags = []
            for i, mol in enumerate(mols):
                hits = [entry.GetDescription() for entry in catalog.GetMatches(mol)]
                if hits:
                    reasons[i].append(f"{name}: " + ", ".join(dict.fromkeys(hits)))
                flags.append(not hits)
            out[f"pass_{name}"] = flags
    out["passes"] = out.all(axis=1) if len(out.columns) else True
    out["reasons"] = ["; ".join(r) for r in reasons]
    return out


_CATALOG_CACHE: dict[str, Any] = {}


def _catalog(name: str) -> Any:
    """RDKit's FilterCatalog for one set of alerts (built once per process)."""
    if name not in _CATALOG_CACHE:
        from rdkit.Chem import FilterCatalog

        params = FilterCatalog.FilterCatalogParams()
        params.AddCatalog(getattr(FilterCatalog.FilterCatalogParams.FilterCatalogs, name))
        _CATALOG_CACHE[name] = FilterCatalog.FilterCatalog(params)
    return _CATALOG_CACHE[name]
