"""Force-field names of amino acids that the PDB chemical component dictionary does not know:
protonation states, bonded and terminal forms (Amber, CHARMM, GROMACS's OPLS/GROMOS)."""

from __future__ import annotations

from ai4s_lab._optional import import_optional

__all__ = ["md_residue_letter"]

# Force-field names (Amber, CHARMM, GROMACS's OPLS/GROMOS) of protonation states and capped or
# bonded forms of the standard amino acids, which the PDB chemical component dictionary does
# not know.
_MD_RESIDUE_NAMES = {
    **dict.fromkeys(
        ("HID", "HIE", "HIP", "HSD", "HSE", "HSP", "HISD", "HISE", "HISH", "HISA", "HISB", "HIS1"),
        "H",
    ),
    **dict.fromkeys(("CYX", "CYM", "CYS2", "CYN", "CYSH", "CYS1"), "C"),
    **dict.fromkeys(("ASH", "ASPH", "ASPP"), "D"),
    **dict.fromkeys(("GLH", "GLUH", "GLUP"), "E"),
    **dict.fromkeys(("LYN", "LSN", "LYSH", "LYSN"), "K"),
    **dict.fromkeys(("ARN", "ARGN"), "R"),
    "TYM": "Y",
}


def md_residue_letter(name: str) -> str | None:
    """One-letter code of a force-field amino-acid name the PDB dictionary does not know.

    Protonation states and bonded forms (``HIE``, ``CYX``, ``ASH`` ...) and Amber's N- and
    C-terminal residues (``NALA``, ``CGLY``, ``NHIE``); ``None`` for any other name.
    """
    if name in _MD_RESIDUE_NAMES:
        return _MD_RESIDUE_NAMES[name]
    if len(name) == 4 and name[0] in "NC":
        core = name[1:]
        if core in _MD_RESIDUE_NAMES:
            return _MD_RESIDUE_NAMES[core]
        gemmi = import_optional("gemmi")
        info = gemmi.find_tabulated_residue(core)
        if info is not None and info.is_amino_acid() and info.one_letter_code.strip("?"):
            return str(info.one_letter_code.upper())
    return None
