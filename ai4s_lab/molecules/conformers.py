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

from typing import Any

from ai4s_lab.errors import InputError
from ai4s_lab.molecules._rdkit import as_mol, chem, rdkit_messages

__all__ = ["embed_conformer"]


def embed_conformer(mol: Any, *, seed: int = 0, optimize: bool = True) -> tuple[Any, float | None]:
    """One 3D conformer: ETKDGv3 embedding, then MMFF94 minimization.

    Parameters
    ----------
    mol
        RDKit molecule or SMILES.
    seed
        Random seed of the embedding (same seed, same coordinates).
    optimize
        Minimize with MMFF94 (where MMFF has parameters for every atom).

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
    with rdkit_messages() as log:
        withh = Chem.AddHs(parsed)
        params = AllChem.ETKDGv3()
        params.randomSeed = int(seed)
        if AllChem.EmbedMolecule(withh, params) != 0:
            raise InputError(
                f"RDKit's ETKDG could not embed {Chem.MolToSmiles(parsed)!r}: "
                f"{log.take() or 'no conformer found'}"
            )
        energy = None
        if optimize and AllChem.MMFFHasAllMoleculeParams(withh):
            props = AllChem.MMFFGetMoleculeProperties(withh)
            field = AllChem.MMFFGetMoleculeForceField(withh, props)
            field.Minimize(maxIts=2000)
            energy = float(field.CalcEnergy())
    return withh, energy
