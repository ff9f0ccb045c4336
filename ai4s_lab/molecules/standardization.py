"""Standardization of molecules with RDKit's MolStandardize.

The steps follow RDKit's ``rdMolStandardize`` (itself a port of MolVS by M. Swain): cleanup
(remove explicit H, disconnect metals, normalize functional groups, reionize), keep the largest
organic fragment (drop salts and solvents), neutralize charges where a neutral form exists, and
pick the canonical tautomer. Each step can be switched off.

Two effects of RDKit's steps that a user should know. Its cleanup disconnects every metal
bonded to N, O or F and every transition metal bonded to C, P, S or a halogen; with the
largest fragment kept, a metal complex becomes its largest ligand (cisplatin an amide anion
``[NH2-]``, ferrocene cyclopentadiene). Here cleanup breaks only the bonds of alkali and
alkaline-earth metals by default (``metals="salts"``: sodium benzoate drawn with an O–Na bond
still gives benzoate), so coordination complexes and organometallics stay whole;
``metals="all"`` is RDKit's behaviour. RDKit's ``TautomerEnumerator`` by default
also drops the stereo of atoms and bonds that a tautomer shift could change, so (S)-ibuprofen
and L-alanine would lose their stereocentres and enantiomers would merge in a screen; here the
canonical tautomer keeps the input's stereo unless ``keep_stereo=False``.

RDKit's ``Uncharger`` adds hydrogens without perceiving aromaticity again, so an aromatic
carbanion (cyclopentadienide ``[cH-]1cccc1``, the ligands of ferrocene, indenide) would come out
as an aromatic ring that cannot exist and whose SMILES does not parse (``c1cccc1``). The
neutralized molecule is sanitized again, as RDKit's ``ChargeParent`` does, which gives the neutral
molecule a chemist would draw (cyclopentadiene ``C1=CCC=C1``); where that fails the charged form is
kept. Every molecule returned has a SMILES that RDKit parses back; one that would not is an
error (a bad row in :func:`~ai4s_lab.molecules.read_molecules`), never a broken molecule.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ai4s_lab.errors import InputError, ParameterError
from ai4s_lab.molecules._rdkit import as_mol, chem, rdkit_messages

__all__ = ["METAL_MODES", "StandardizeOptions", "standardize"]


@dataclass(frozen=True)
class StandardizeOptions:
    """Which MolStandardize steps :func:`standardize` applies (all on by default).

    Attributes
    ----------
    cleanup
        ``rdMolStandardize.Cleanup``: remove Hs, disconnect metals (see ``metals``),
        normalize, reionize.
    metals
        Which metal bonds cleanup breaks: ``"salts"`` (default) those of alkali and
        alkaline-earth metals to N, O and F (salts drawn with covalent bonds), keeping
        coordination complexes and organometallics whole (cisplatin, ferrocene); ``"all"``
        RDKit's ``MetalDisconnector`` (transition metals too); ``"none"`` none.
    largest_fragment
        Keep the largest organic fragment (drops counter-ions and solvents); a fragment with
        carbon wins over a larger inorganic one (isopropylamine pyrophosphate gives
        isopropylamine), as ``LargestFragmentChooser(preferOrganic=True)``.
    neutralize
        ``rdMolStandardize.Uncharger``: neutralize charges where possible, then sanitize again
        as ``rdMolStandardize.ChargeParent`` does (cyclopentadienide gives cyclopentadiene);
        a molecule whose neutral form cannot be sanitized stays charged.
    canonical_tautomer
        ``rdMolStandardize.TautomerEnumerator().Canonicalize``; the slowest step (≈ 2 ms a
        molecule).
    keep_stereo
        The canonical tautomer keeps the stereo of the input at atoms and bonds that a
        tautomer shift could change (the α-carbon of an amino acid, of a profen). ``False``
        removes it, as RDKit's defaults (``tautomerRemoveSp3Stereo``,
        ``tautomerRemoveBondStereo``) do.
    """

    cleanup: bool = True
    largest_fragment: bool = True
    neutralize: bool = True
    canonical_tautomer: bool = True
    keep_stereo: bool = True
    metals: str = "salts"

    def __post_init__(self) -> None:
        if self.metals not in METAL_MODES:
            raise ParameterError(
                f"metals={self.metals!r} is not a mode; use one of {', '.join(METAL_MODES)}"
            )

    def as_dict(self) -> dict[str, bool | str]:
        """The options as a plain dict (for manifests and saved files)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, steps: dict[str, Any]) -> StandardizeOptions:
        """The options :meth:`as_dict` gave; a dict written before ``metals`` existed gets
        ``"all"``, what cleanup did then."""
        return cls(**{"metals": "all", **steps})


#: the values of ``StandardizeOptions.metals``
METAL_MODES = ("salts", "all", "none")
# RDKit's MetalDisconnector patterns restricted to groups 1 and 2 (Li … Fr, Be … Ra) bonded to
# N, O or F; the second pattern (metals bonded to C, P, S, halogens) then matches nothing.
_SALT_METALS_NOF = "[#3,#11,#19,#37,#55,#87,#4,#12,#20,#38,#56,#88]~[#7,#8,F]"
_NO_MATCH = "[#6&!#6]"


class _Standardizer:
    """The RDKit standardizer objects, built once per call of :func:`standardize_many`."""

    def __init__(self, options: StandardizeOptions) -> None:
        from rdkit.Chem.MolStandardize import rdMolStandardize

        self.options = options
        self.module = rdMolStandardize
        self.chooser = rdMolStandardize.LargestFragmentChooser(preferOrganic=True)
        self.uncharger = rdMolStandardize.Uncharger()
        params = rdMolStandardize.CleanupParameters()
        # RDKit's stubs type these flags as CleanupParameters; they are bools.
        params.tautomerRemoveSp3Stereo = not options.keep_stereo  # type: ignore[assignment]
        params.tautomerRemoveBondStereo = not options.keep_stereo  # type: ignore[assignment]
        self.tautomers = rdMolStandardize.TautomerEnumerator(params)
        self.normalizer = rdMolStandardize.Normalizer()
        self.reionizer = rdMolStandardize.Reionizer()
        self.disconnector = None
        if options.metals == "salts":
            Chem = chem()
            self.disconnector = rdMolStandardize.MetalDisconnector()
            self.disconnector.SetMetalNof(Chem.MolFromSmarts(_SALT_METALS_NOF))
            self.disconnector.SetMetalNon(Chem.MolFromSmarts(_NO_MATCH))

    def _cleanup(self, mol: Any) -> Any:
        """RDKit's ``Cleanup`` with the metal bonds of ``options.metals`` broken."""
        if self.options.metals == "all":
            return self.module.Cleanup(mol)
        # the steps of RDKit's cleanupInPlace, with our disconnector (or none)
        Chem = chem()
        out = Chem.RemoveHs(mol)
        if self.disconnector is not None:
            out = self.disconnector.Disconnect(out)
        out = self.normalizer.normalize(out)
        out = self.reionizer.reionize(out)
        Chem.AssignStereochemistry(out, cleanIt=True, force=True)
        return out

    def __call__(self, mol: Any) -> Any:
        opts = self.options
        out = mol
        if opts.cleanup:
            out = self._cleanup(out)
        if opts.largest_fragment:
            out = self.chooser.choose(out)
        if opts.neutralize:
            out = _neutralized(self.uncharger, out)
        if opts.canonical_tautomer:
            out = self.tautomers.Canonicalize(out)
        _check_round_trip(out)
        return _same_conformers(mol, out)


def _neutralized(uncharger: Any, mol: Any) -> Any:
    """``uncharger.uncharge(mol)`` sanitized again, or ``mol`` if that cannot be sanitized.

    The Uncharger leaves the aromatic flags of the charged molecule: a neutralized aromatic
    carbanion is a five-membered "aromatic" ring with a CH2 that no SMILES parser accepts.
    Sanitizing perceives aromaticity again (RDKit's ``ChargeParent`` does the same).
    """
    Chem = chem()
    neutral = uncharger.uncharge(mol)
    try:
        Chem.SanitizeMol(neutral)
    except Exception:  # RDKit raises several C++-mapped types (kekulization, valence)
        return mol
    return neutral


def _check_round_trip(mol: Any) -> None:
    """Raise an :class:`InputError` if RDKit cannot parse the SMILES it writes for ``mol``."""
    Chem = chem()
    smiles = Chem.MolToSmiles(mol)
    if Chem.MolFromSmiles(smiles) is None:
        raise InputError(
            f"the standardized molecule {smiles!r} is not a valid molecule (RDKit cannot parse "
            "its SMILES back); switch off the step that breaks it in StandardizeOptions"
        )


def _same_conformers(mol: Any, out: Any) -> Any:
    """A copy of ``out`` with no more conformers than ``mol`` had.

    RDKit's ``TautomerEnumerator.Canonicalize`` returns a molecule with its input's conformer
    twice; a standardized molecule keeps the conformers it was read with, no more.
    """
    copy = chem().Mol(out)
    ids = [conformer.GetId() for conformer in copy.GetConformers()]
    for conformer_id in ids[mol.GetNumConformers() :]:
        copy.RemoveConformer(conformer_id)
    return copy


def standardize(mol: Any, options: StandardizeOptions | None = None) -> Any:
    """Standardize one molecule.

    Parameters
    ----------
    mol
        An RDKit ``Mol`` or a SMILES string.
    options
        Which steps to apply; defaults to all of them.

    Returns
    -------
    rdkit.Chem.Mol
        A new molecule, whose SMILES RDKit parses back; the input is not changed.

    Raises
    ------
    InputError
        If the SMILES cannot be parsed, RDKit fails on the molecule, or the standardized
        molecule's SMILES would not parse back; the message has RDKit's reason.
    """
    Chem = chem()
    if options is not None and not isinstance(options, StandardizeOptions):
        raise ParameterError(
            f"options={options!r} is not a StandardizeOptions; use e.g. "
            "StandardizeOptions(keep_stereo=False)"
        )
    parsed = as_mol(mol, "standardize: mol")
    with rdkit_messages() as log:
        try:
            return _Standardizer(options or StandardizeOptions())(parsed)
        except Exception as err:  # RDKit raises several C++-mapped types
            reason = _reason(err, log.take())
            raise InputError(
                f"RDKit could not standardize {Chem.MolToSmiles(parsed)!r}: {reason}"
            ) from err


def standardize_many(mols: list[Any], options: StandardizeOptions) -> list[tuple[Any, str]]:
    """Standardize a list; each item gives ``(mol or None, RDKit's reason for a failure)``."""
    worker = _Standardizer(options)
    out: list[tuple[Any, str]] = []
    with rdkit_messages() as log:
        for mol in mols:
            try:
                result = worker(mol)
                log.take()
                out.append((result, ""))
            except Exception as err:  # RDKit raises several C++-mapped types
                out.append((None, _reason(err, log.take())))
    return out


def _reason(err: Exception, logged: str) -> str:
    """Why standardization failed: our own message first, then what RDKit logged."""
    if isinstance(err, InputError):
        return f"{err} (RDKit: {logged})" if logged else str(err)
    return logged or f"{type(err).__name__}: {err}"
