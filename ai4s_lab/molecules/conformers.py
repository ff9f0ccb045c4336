"""3D conformers: RDKit's ETKDG embedding refined with the MMFF94 force field.

References
----------
.. [ETKDG] S. Riniker, G. A. Landrum, "Better informed distance geometry: using what we know to
   improve conformation generation", J. Chem. Inf. Model. 55, 2562–2574 (2015).
   doi:10.1021/acs.jcim.5b00654
.. [MMFF] T. A. Halgren, "Merck molecular force field. I.", J. Comput. Chem. 17, 490–519 (1996).
   doi:10.1002/(SICI)1096-987X(199604)17:5/6<490::AID-JCC1>3.0.CO;2-P
"""

from __future__ import annotations

import math
from typing import Any

from ai4s_lab.errors import InputError, ParameterError
from ai4s_lab.molecules._rdkit import as_mol, chem, rdkit_messages

__all__ = ["RANDOM_START_FROM", "embed_conformer"]


#: Heavy atoms from which the embedding starts from random coordinates: RDKit's advice for
#: large, flexible molecules (peptides, macrocycles), whose eigenvalue start often fails.
RANDOM_START_FROM = 100
#: Characters of a SMILES shown in an error message; a longer one is cut, ending in "…"
SHOWN_SMILES = 60


def embed_conformer(
    mol: Any, *, seed: int = 0, optimize: bool = True, timeout: float = 60.0
) -> tuple[Any, float | None]:
    """One 3D conformer: ETKDGv3 embedding, then MMFF94 minimization.

    Parameters
    ----------
    mol
        RDKit molecule or SMILES.
    seed
        Random seed of the embedding (same seed, same coordinates).
    optimize
        Minimize with MMFF94 (where MMFF has parameters for every atom).
    timeout
        RDKit's ``EmbedParameters.timeout`` (s), rounded up to whole seconds: the time one
        ``EmbedMolecule`` call may spend on each fragment of the molecule, which RDKit checks
        between the steps of its distance-geometry minimizations. It is not a wall-clock
        limit on this function: a failed start from the distance-geometry eigenvectors is
        tried again from random coordinates with its own limit, each fragment has its own,
        and the other steps (bounds-matrix smoothing, the ETKDG torsion minimization, the
        MMFF94 minimization of up to 2000 iterations) are not bounded. For a hard limit, run
        the call in a worker process that you stop (``concurrent.futures``). An RDKit without
        ``EmbedParameters.timeout`` applies no limit.

    Returns
    -------
    tuple
        The molecule with explicit hydrogens and one conformer (coordinates in Å), and the MMFF94
        energy in kcal/mol (``None`` when not optimized or MMFF lacks parameters).

    Raises
    ------
    InputError
        If ``mol`` is not a molecule, the SMILES is invalid, the molecule has no atoms, or
        RDKit cannot embed it.
    """
    from ai4s_lab._optional import import_optional

    AllChem: Any = import_optional("rdkit.Chem.AllChem")

    Chem = chem()
    parsed = as_mol(mol, "mol")
    if parsed.GetNumAtoms() == 0:
        raise InputError("mol has no atoms: there is nothing to embed")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ParameterError(f"timeout={timeout!r} must be a positive number of seconds")
    with rdkit_messages() as log:
        withh = Chem.AddHs(parsed)
        params = AllChem.ETKDGv3()
        params.randomSeed = int(seed)
        if hasattr(params, "timeout"):
            params.timeout = max(1, math.ceil(timeout))
        params.useRandomCoords = parsed.GetNumHeavyAtoms() >= RANDOM_START_FROM
        status = AllChem.EmbedMolecule(withh, params)
        if status != 0 and not params.useRandomCoords:
            params.useRandomCoords = True
            status = AllChem.EmbedMolecule(withh, params)
        if status != 0:
            raise InputError(
                f"RDKit's ETKDG could not embed {_shortened(Chem.MolToSmiles(parsed))!r}, from the "
                f"distance-geometry start nor from random coordinates: "
                f"{log.take() or 'no conformer found'}; try another seed, or a longer timeout"
            )
        energy = None
        if optimize and AllChem.MMFFHasAllMoleculeParams(withh):
            props = AllChem.MMFFGetMoleculeProperties(withh)
            field = AllChem.MMFFGetMoleculeForceField(withh, props)
            field.Minimize(maxIts=2000)
            energy = float(field.CalcEnergy())
    return withh, energy


def _shortened(smiles: str) -> str:
    """``smiles`` cut to :data:`SHOWN_SMILES` characters and ``"…"`` where it is longer."""
    return smiles if len(smiles) <= SHOWN_SMILES else smiles[:SHOWN_SMILES] + "…"
