"""Standardization of molecules with RDKit's MolStandardize.

The steps follow RDKit's ``rdMolStandardize`` (itself a port of MolVS by M. Swain): cleanup
(remove explicit H, disconnect metals, normalize functional groups, reionize), keep the largest
organic fragment (drop salts and solvents), neutralize charges where a neutral form exists, and
pick the canonical tautomer. Each step can be switched off.

Two effects of RDKit's steps that a user should know. Its cleanup disconnects every metal bonded to
N, O or F and every transition metal bonded to C, P, S or a halogen; with the largest fragment
kept, a metal complex becomes its largest ligand (cisplatin an amide anion ``[NH2-]``, ferrocene
cyclopentadiene). Here cleanup breaks only the bonds of alkali and alkaline-earth metals by default
(``metals="salts"``: sodium benzoate drawn with an O–Na bond still gives benzoate), so coordination
complexes and organometallics stay whole; ``metals="all"`` is RDKit's behaviour. Complexes are
often written disconnected, the way PubChem and ChEMBL store them (cisplatin
``N.N.[Cl-].[Cl-].[Pt+2]``, ferrocene ``[CH-]1C=CC=C1.[CH-]1C=CC=C1.[Fe+2]``); no bond is left to
keep, so with ``metals="salts"`` or ``"none"`` the largest-fragment step keeps every fragment of a
molecule that holds a metal other than an alkali or alkaline-earth one (:data:`OTHER_METALS`): the
complex stays whole, with whatever counter-ions and solvents were written with it. RDKit's
``TautomerEnumerator`` by default also drops the stereo of atoms and bonds that a tautomer shift
could change, so (S)-ibuprofen and L-alanine would lose their stereocentres and enantiomers would
merge in a screen; here the canonical tautomer keeps the input's stereo unless
``keep_stereo=False``.

RDKit's ``Uncharger`` adds hydrogens without perceiving aromaticity again, so an aromatic
carbanion (cyclopentadienide ``[cH-]1cccc1``, the ligands of ferrocene, indenide) would come out
as an aromatic ring that cannot exist and whose SMILES does not parse (``c1cccc1``). The
neutralized molecule is sanitized again, as RDKit's ``ChargeParent`` does, which gives the neutral
molecule a chemist would draw (cyclopentadiene ``C1=CCC=C1``); where that fails the charged form is
kept. Every molecule returned has a SMILES that RDKit parses back; one that would not is an
error (a bad row in :func:`~ai4s_lab.molecules.read_molecules`), never a broken molecule. The
one step that can break a molecule on its own, RDKit's canonical tautomer (it moves a hydrogen
onto an oxygen that holds an explicit deuterium, ``[2H]OC(C)=O``), is then skipped for that
molecule, which keeps the form it had before, and the skip is logged (``logging.INFO``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ai4s_lab.errors import InputError, ParameterError
from ai4s_lab.molecules._rdkit import as_mol, chem, rdkit_messages

__all__ = ["METAL_MODES", "OTHER_METALS", "StandardizeOptions", "standardize"]

logger = logging.getLogger(__name__)


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
        isopropylamine), as ``LargestFragmentChooser(preferOrganic=True)``. With ``metals``
        ``"salts"`` or ``"none"``, a molecule holding a metal of :data:`OTHER_METALS` keeps
        all its fragments: a complex written disconnected (``N.N.[Cl-].[Cl-].[Pt+2]``) is not
        cut down to one ligand.
    neutralize
        ``rdMolStandardize.Uncharger``: neutralize charges where possible, then sanitize again
        as ``rdMolStandardize.ChargeParent`` does (cyclopentadienide gives cyclopentadiene);
        a molecule whose neutral form cannot be sanitized stays charged.
    canonical_tautomer
        ``rdMolStandardize.TautomerEnumerator().Canonicalize``; the slowest step (≈ 2 ms a
        molecule). Where RDKit's canonical tautomer is not a valid molecule (an explicit
        deuterium on the oxygen of an acid or a hydroxypyridine), the molecule keeps its form
        before this step, and a message is logged.
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
#: Metals other than those of groups 1 and 2: Al, Ga, In, Sn, Tl, Pb, Bi, Po, the transition
#: metals, lanthanides and actinides (atomic numbers). A molecule holding one keeps all its
#: fragments in the largest-fragment step unless ``metals="all"``.
OTHER_METALS = frozenset(
    {13, 31, 49, 50, 81, 82, 83, 84}
    | {*range(21, 31), *range(39, 49), *range(57, 81), *range(89, 113)}
)


class _Standardizer:
    """The RDKit standardizer objects, built once per :func:`standardizer`."""

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
        if opts.largest_fragment and not (opts.metals != "all" and _has_other_metal(out)):
            out = self.chooser.choose(out)
        if opts.neutralize:
            out = _neutralized(self.uncharger, out)
        if opts.canonical_tautomer:
            out = self._canonical_tautomer(out)
        _check_round_trip(out)
        return _same_conformers(mol, out)

    def _canonical_tautomer(self, mol: Any) -> Any:
        """RDKit's canonical tautomer of ``mol``, or ``mol`` itself where that is no valid
        molecule (RDKit moves a hydrogen onto an oxygen that holds an explicit ``[2H]``)."""
        Chem = chem()
        try:
            tautomer = self.tautomers.Canonicalize(mol)
        except Exception as err:  # RDKit raises several C++-mapped types
            why = f"{type(err).__name__}: {err}"
        else:
            written = Chem.MolToSmiles(tautomer)
            if Chem.MolFromSmiles(written) is not None:
                return tautomer
            why = f"RDKit cannot parse its SMILES {written!r} back"
        logger.info(
            "kept %s as it was: its canonical tautomer is not a valid molecule (%s)",
            Chem.MolToSmiles(mol),
            why,
        )
        return mol


def _has_other_metal(mol: Any) -> bool:
    """Whether ``mol`` holds a metal of :data:`OTHER_METALS`."""
    return any(atom.GetAtomicNum() in OTHER_METALS for atom in mol.GetAtoms())


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
    worker = standardizer(options)
    with rdkit_messages() as log:
        return [worker(mol, log) for mol in mols]


def standardizer(options: StandardizeOptions) -> Callable[[Any, Any], tuple[Any, str]]:
    """A function that standardizes one molecule at a time, with RDKit's objects built once:
    ``worker(mol, log)`` gives ``(mol or None, RDKit's reason for a failure)``, ``log`` being
    the :func:`~ai4s_lab.molecules._rdkit.rdkit_messages` block it runs in. A reader
    standardizes each molecule as it parses it, so that the parsed and the standardized
    molecules of a large library are not held at the same time."""
    worker = _Standardizer(options)

    def one(mol: Any, log: Any) -> tuple[Any, str]:
        try:
            result = worker(mol)
        except Exception as err:  # RDKit raises several C++-mapped types
            return None, _reason(err, log.take())
        log.take()
        return result, ""

    return one


def options_of(source: Any) -> StandardizeOptions | None:
    """The steps a :class:`~ai4s_lab.molecules.MoleculeSet` was standardized with (``None``
    for one read with ``standardize=False``, or for anything else)."""
    if not (hasattr(source, "mols") and hasattr(source, "ids")):
        return None
    steps = getattr(source, "standardization", None)
    return StandardizeOptions.from_dict(steps) if steps is not None else None


def standardize_like(
    items: Any, options: StandardizeOptions, reference: str, fix: str
) -> list[Any]:
    """Molecules given to a library or a model, through the steps its own molecules went
    through, so that they are compared in the form the reference set is stored in.

    Parameters
    ----------
    items
        A list of RDKit molecules or SMILES, or a ``MoleculeSet`` (taken as it is when it was
        standardized with ``options``).
    options
        The reference set's steps.
    reference
        How the message names the reference set, e.g. ``"the library"``.
    fix
        What the message tells the user to do instead.

    Raises
    ------
    InputError
        Naming the first item that is not a molecule or cannot be standardized.
    """
    if options_of(items) == options:
        return list(items.mols)
    mols = [as_mol(item, f"molecule {i}") for i, item in enumerate(items)]
    out = []
    for i, (mol, reason) in enumerate(standardize_many(mols, options)):
        if mol is None or mol.GetNumAtoms() == 0:
            smiles = chem().MolToSmiles(mols[i])
            raise InputError(
                f"molecule {i}: {smiles!r} cannot be standardized as {reference} was "
                f"({reason or 'no atoms left'}); {fix}"
            )
        out.append(mol)
    return out


def _reason(err: Exception, logged: str) -> str:
    """Why standardization failed: our own message first, then what RDKit logged."""
    if isinstance(err, InputError):
        return f"{err} (RDKit: {logged})" if logged else str(err)
    return logged or f"{type(err).__name__}: {err}"
