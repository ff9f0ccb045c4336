"""RDKit access for the molecules core: the lazy import and the capture of RDKit's log messages.

RDKit reports why a SMILES or a molfile could not be parsed on its C++ log, which would otherwise
spam the terminal. :func:`rdkit_messages` captures that log for the duration of a block and
returns what was written, so a reader can attach RDKit's own reason to each bad row of a library.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterable, Iterator
from types import ModuleType
from typing import Any

from ai4s_lab._optional import import_optional
from ai4s_lab.errors import InputError

__all__ = [
    "as_mol",
    "as_mols",
    "chem",
    "describe",
    "query_feature",
    "rdkit_messages",
    "sanitized",
    "tidy_message",
    "without_hydrogens",
]

_STAMP = re.compile(r"^\[\d\d:\d\d:\d\d\]\s*")


def chem() -> ModuleType:
    """``rdkit.Chem``, or a :class:`~ai4s_lab.errors.MissingDependencyError` naming the extra."""
    return import_optional("rdkit.Chem")


class _Messages:
    """What RDKit logged inside one :func:`rdkit_messages` block."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.capture: Any = None  # RDKit's CaptureErrorLog, where RDKit has it
        self._seen = 0

    def take(self) -> str:
        """The messages logged since the last call, one line each, without time stamps."""
        if self.capture is not None:
            text = str(self.capture.messages)
            text, self._seen = text[self._seen :], len(text)
        else:
            text = self.buffer.getvalue()
            self.buffer.seek(0)
            self.buffer.truncate(0)
        return tidy_message(text)


def tidy_message(text: str) -> str:
    """Strip RDKit's ``[hh:mm:ss]`` stamps and join the lines of a log excerpt with ``"; "``."""
    lines = [_STAMP.sub("", line).strip() for line in text.splitlines()]
    unique: list[str] = []
    for line in lines:
        if line and line not in unique and not set(line) <= {"*", " "}:
            unique.append(line)
    return "; ".join(unique)


@contextlib.contextmanager
def rdkit_messages() -> Iterator[_Messages]:
    """Capture RDKit's error log inside a ``with`` block instead of letting it reach the
    terminal; its warnings are silenced there. The user's own RDKit log set-up (where it logs,
    which levels are on) is the same after the block as before.

    Yields
    ------
    object
        Its ``take()`` returns (and clears) the messages logged so far.
    """
    rdbase = import_optional("rdkit.rdBase")
    messages = _Messages()
    if hasattr(rdbase, "CaptureErrorLog"):  # recent RDKit: nothing global is changed
        with rdbase.BlockLogs(), rdbase.CaptureErrorLog() as capture:
            messages.capture = capture
            yield messages
        return
    # Older RDKit: route the log through sys.stderr for the block, then back to the C++ streams
    # (RDKit cannot say where it logged before), with the levels the user had on or off.
    status = str(rdbase.LogStatus())
    rdbase.LogToPythonStderr()
    try:
        with contextlib.redirect_stderr(messages.buffer):
            yield messages
    finally:
        rdbase.LogToCppStreams()
        for line in status.splitlines():
            level, _, state = line.partition(":")
            if state.strip() == "disabled":
                rdbase.DisableLog(level.strip())


def as_mol(item: Any, what: str = "molecule", *, query: bool = False) -> Any:
    """An RDKit ``Mol`` from a ``Mol`` or a SMILES string, or an :class:`InputError`.

    A ``Mol`` that RDKit never sanitized (``MolFromSmiles(..., sanitize=False)``,
    ``MolFromMolBlock(..., sanitize=False)``, an ``RWMol`` built or edited by hand) has no
    valences, ring information or aromaticity, on which descriptors, fingerprints and
    structural alerts depend: a sanitized copy is used instead (see :func:`sanitized`).

    Parameters
    ----------
    item
        The molecule or SMILES.
    what
        How the message names the item, e.g. ``"mols[3]"``.
    query
        Take a query molecule (``MolFromSmarts``) as it is, for substructure matching and
        drawing; by default it is refused, as it is no molecule.
    """
    Chem = chem()
    if isinstance(item, Chem.Mol):
        if item.GetNumAtoms() == 0:
            raise InputError(f"{what} is a molecule with no atoms; give a molecule")
        return item if query else sanitized(item, what)
    if isinstance(item, str):
        if not item.strip():
            raise InputError(f"{what} is an empty SMILES; give a molecule")
        with rdkit_messages() as log:
            mol = Chem.MolFromSmiles(item)
            reason = log.take()
        if mol is None:
            raise InputError(
                f"{what}: cannot parse SMILES {item!r}: {reason or 'RDKit gave no reason'}"
            )
        if mol.GetNumAtoms() == 0:
            raise InputError(f"{what}: the SMILES {item!r} has no atoms; give a molecule")
        return mol
    hint = (
        " (RDKit returns None for a SMILES or molfile it cannot parse; read_molecules() keeps "
        "the valid rows and reports the others)"
        if item is None
        else ""
    )
    raise InputError(
        f"{what} is {type(item).__name__}, not an RDKit molecule or a SMILES string{hint}"
    )


def query_feature(mol: Any) -> str:
    """The first SMARTS query feature of ``mol`` (``"atom 6 [O,N]"``), or ``""`` where it has
    none; an any-atom such as ``*`` or an R-group (RDKit's null query) is not one."""
    for atom in mol.GetAtoms():
        if atom.HasQuery() and (
            atom.GetAtomicNum() > 0 or not atom.DescribeQuery().startswith("AtomNullQuery")
        ):
            return f"atom {atom.GetIdx()} {atom.GetSmarts()}"
    for bond in mol.GetBonds():
        if bond.HasQuery():
            return f"bond {bond.GetIdx()} {bond.GetSmarts()!r}"
    return ""


def sanitized(mol: Any, what: str = "molecule") -> Any:
    """``mol`` itself where RDKit sanitized it, else a sanitized copy, or an :class:`InputError`.

    RDKit computes valences, implicit hydrogens, rings and aromaticity when it sanitizes a
    molecule. Without them its descriptors come out NaN or wrong (no aromatic ring in an
    unsanitized benzoic acid), and its fingerprints and substructure alerts stop with a C++
    "Pre-condition Violation". A query molecule (``MolFromSmarts``) is no molecule: sanitizing
    ``c1ccccc1`` as SMARTS gives ``C1:C:C:C:C:C:1``, so it is refused.

    Raises
    ------
    InputError
        If ``mol`` is an unsanitized query molecule, or RDKit cannot sanitize it (its reason,
        e.g. a pentavalent carbon or an aromatic ring that cannot be kekulized).
    """
    if not mol.NeedsUpdatePropertyCache():
        return mol
    Chem = chem()
    feature = query_feature(mol)
    if feature:
        raise InputError(
            f"{what} is a query molecule (from SMARTS or a query molfile: {feature}), not a "
            "molecule; give a molecule (Chem.MolFromSmiles), or match the pattern with "
            "mol.HasSubstructMatch(query)"
        )
    copy = Chem.Mol(mol)
    with rdkit_messages() as log:
        try:
            Chem.SanitizeMol(copy)
        except Exception as err:  # RDKit raises several C++-mapped types
            reason = log.take() or f"{type(err).__name__}: {err}"
            smiles = describe(mol)
            raise InputError(
                f"{what}: RDKit cannot sanitize {smiles!r}, a molecule given unsanitized: "
                f"{reason}; fix the structure (RDKit's MolFromSmiles rejects it too)"
            ) from err
    return copy


def without_hydrogens(mol: Any) -> Any:
    """``mol`` without its explicit hydrogen atoms (``mol`` itself where it has none).

    Morgan fingerprints, structural alerts (Brenk's ``[R0;D2]`` chains) and the rotatable-bond
    count are defined on the heavy-atom graph, hydrogens counted on their atoms: on a molecule
    with explicit hydrogen atoms (``Chem.AddHs``, a conformer) RDKit finds other bits, misses
    alerts and counts an O–H bond as rotatable. Isotopic hydrogens (``[2H]``) are kept, as
    ``Chem.RemoveHs`` keeps them.
    """
    if mol.GetNumAtoms() == mol.GetNumHeavyAtoms():
        return mol
    with rdkit_messages() as log:
        try:
            return chem().RemoveHs(mol)
        except Exception as err:  # RDKit raises several C++-mapped types
            reason = log.take() or f"{type(err).__name__}: {err}"
            raise InputError(
                f"RDKit cannot remove the explicit hydrogens of {describe(mol)!r}: {reason}; "
                "fix the structure, or give it without hydrogen atoms (Chem.RemoveHs)"
            ) from err


def describe(mol: Any) -> str:
    """The SMILES RDKit writes for ``mol`` (SMARTS for an unsanitized query), or its number of
    atoms where RDKit cannot write it: for messages and reports."""
    Chem = chem()
    try:
        with rdkit_messages():
            if mol.NeedsUpdatePropertyCache() and query_feature(mol):
                return str(Chem.MolToSmarts(mol))
            return str(Chem.MolToSmiles(mol, canonical=False))
    except Exception:  # RDKit raises several C++-mapped types; only for the message
        return f"<Mol of {mol.GetNumAtoms()} atoms>"


def as_mols(items: Iterable[Any] | str, what: str = "mols") -> list[Any]:
    """:func:`as_mol` of each item; the message names the position, e.g. ``mols[3]``. One SMILES
    string or one ``Mol`` is one molecule (not a SMILES read character by character)."""
    if isinstance(items, (str, chem().Mol)):
        return [as_mol(items, what)]
    items = list(items)
    try:
        return [as_mol(item, f"{what}[{i}]") for i, item in enumerate(items)]
    except InputError as err:
        if len(items) < 2 or "read_molecules" in str(err):
            raise
        raise InputError(
            f"{err}. To go on without such rows, read the list with read_molecules(...): it "
            "reports them in .errors and keeps the others (.data['row'] says which input each "
            "molecule was, to keep values such as y aligned)"
        ) from err
