"""Computed entries (a composition and its energy) and loaders for CSV and JSON files.

An :class:`Entry` is what a DFT calculation gives: a composition and a total energy in eV for that
composition as written. Loaders read many entries at once; rows that cannot be used are reported
(:attr:`LoadedEntries.rejected`, and one :class:`~ai4s_lab.errors.Ai4sWarning`) while the good rows
load.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import io
import json
import math
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ai4s_lab.errors import Ai4sWarning, DataFileError, InputError
from ai4s_lab.materials.composition import ELEMENTS, Composition, CompositionLike, FormulaError

__all__ = [
    "Entry",
    "EntryError",
    "LoadedEntries",
    "RejectedRow",
    "entries_from_pymatgen",
    "load_entries",
]

_COMPOSITION_KEYS = (
    "composition", "formula", "reduced_formula", "name", "unit_cell_formula", "full_formula",
)  # fmt: skip
#: With an energy per atom, the size of the formula unit does not matter, so reduced formulas
#: (Materials Project ``formula_pretty``) are read as well.
_ANY_COMPOSITION_KEYS = (
    *_COMPOSITION_KEYS, "formula_pretty", "pretty_formula", "composition_reduced",
)  # fmt: skip
_ENERGY_KEYS = ("energy", "energy_ev", "total_energy", "uncorrected_energy")
_PER_ATOM_ENERGY_KEYS = ("energy_per_atom", "uncorrected_energy_per_atom")
#: CSV delimiters recognised from the header line.
_DELIMITERS = (",", ";", "\t")
#: A unit after a CSV column name, ``"energy (eV)"`` or ``"energy [eV/atom]"``.
_UNIT = re.compile(r"(?P<name>.*?)\s*[(\[]\s*(?P<unit>[^)\]]*?)\s*[)\]]")
_ID_KEYS = ("entry_id", "id", "material_id", "name")
#: A total-energy column and the per-atom column that must agree with it where both are given.
_PER_ATOM_OF = {
    "energy": "energy_per_atom", "energy_ev": "energy_per_atom",
    "total_energy": "energy_per_atom", "uncorrected_energy": "uncorrected_energy_per_atom",
}  # fmt: skip
#: Columns whose values are numbers in eV; ``;``- or tab-separated CSV may write them with a
#: decimal comma (``-14,3``).
_NUMBER_KEYS = (*_ENERGY_KEYS, *_PER_ATOM_ENERGY_KEYS, "correction")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
#: Keys of a JSON object that hold the list of entries (pymatgen ``PhaseDiagram.as_dict()``
#: keeps it under ``computed_data``; older versions at the top level).
_LIST_KEYS = ("entries", "all_entries", "data")
#: A pymatgen species: an element with an oxidation state (``"Fe3+"``, ``"O2-"``, ``"Li0+"``)
#: and maybe a spin (``"Fe3+,spin=5"``).
_SPECIES = re.compile(r"(?P<element>[A-Z][a-z]?)\d*(?:\.\d+)?[+-](?:,spin=[^,]*)?")
#: Where a CSV row had more values than the header has columns (see ``_csv_records``).
_EXTRA_VALUES = "\x00extra values"
#: Marks a CSV record whose composition was read from element columns (see ``_csv_records``).
_FROM_ELEMENT_COLUMNS = "\x00element columns"
#: The first bytes of a gzip stream (RFC 1952).
_GZIP_MAGIC = b"\x1f\x8b"
#: Encodings tried, in order, for a file without a byte-order mark; latin-1 never fails.
_FALLBACK_ENCODINGS = ("utf-8", "cp1252", "latin-1")
#: How many rejected rows the warning of :func:`load_entries` lists by name.
MAX_ROWS_IN_WARNING = 5


class EntryError(InputError):
    """An entry is unusable (bad composition, non-finite energy); the message names it."""


@dataclass(frozen=True, eq=False)
class Entry:
    """A computed entry: a composition and its total energy.

    Two entries are the same entry only if they are the same object, so duplicates (same
    composition and energy) stay distinct in a phase diagram.

    Parameters
    ----------
    composition
        A :class:`~ai4s_lab.materials.Composition`, a formula string or a mapping.
    energy
        Total energy of ``composition`` as written, in eV (for ``"Li4O2"``, the energy of four
        Li and two O atoms). Must be finite.
    entry_id
        An identifier (a database id, a calculation name); shown in errors and views.
    attributes
        Anything else worth keeping (space group, band gap, source); copied.

    Raises
    ------
    EntryError
        If the composition cannot be parsed or the energy is NaN or infinite.
    """

    composition: Composition
    energy: float
    entry_id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    def __init__(
        self,
        composition: CompositionLike,
        energy: float,
        entry_id: str | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> None:
        # a parsed composition is named by its formula, not its repr ("Composition('Li2O')")
        shown = composition.formula if isinstance(composition, Composition) else composition
        label = f"entry {entry_id!r}" if entry_id is not None else f"entry {shown!r}"
        try:
            comp = composition if isinstance(composition, Composition) else Composition(composition)
        except FormulaError as err:
            raise EntryError(f"{label}: {err}") from err
        try:
            value = float(energy)
        except (TypeError, ValueError) as err:
            raise EntryError(
                f"{label} ({comp.formula}): energy {energy!r} is not a number"
            ) from err
        if not math.isfinite(value):
            raise EntryError(
                f"{label} ({comp.formula}): energy is {value}; give a finite total energy in eV "
                "or leave the entry out"
            )
        object.__setattr__(self, "composition", comp)
        object.__setattr__(self, "energy", value)
        object.__setattr__(self, "entry_id", None if entry_id is None else str(entry_id))
        object.__setattr__(self, "attributes", dict(attributes or {}))

    @property
    def energy_per_atom(self) -> float:
        """Total energy per atom, eV/atom."""
        return self.energy / self.composition.num_atoms

    @property
    def name(self) -> str:
        """Reduced formula, e.g. ``"LiCoO2"``."""
        return self.composition.reduced_formula

    @property
    def label(self) -> str:
        """``"formula (id)"``, or the formula alone when there is no id; used in messages."""
        if self.entry_id is None or self.entry_id == self.name:
            return self.name
        return f"{self.name} ({self.entry_id})"

    def __repr__(self) -> str:
        return (
            f"Entry({self.composition.formula!r}, energy={self.energy:.6g}, "
            f"entry_id={self.entry_id!r})"
        )

    @classmethod
    def from_pymatgen(cls, entry: Any) -> Entry:
        """Convert a pymatgen ``PDEntry`` or ``ComputedEntry`` (its corrected energy is used).

        A composition of species with oxidation states (``Species("Li", 1)``) is taken as its
        elements (pymatgen's ``element_composition``): ``Fe2+`` and ``Fe3+`` are both Fe.
        """
        composition = entry.composition
        elements = getattr(composition, "element_composition", composition)
        comp = {str(el): float(amount) for el, amount in elements.items()}
        entry_id = getattr(entry, "entry_id", None) or getattr(entry, "name", None)
        attributes = dict(getattr(entry, "data", None) or {})
        return cls(comp, float(entry.energy), entry_id=entry_id, attributes=attributes)


def entries_from_pymatgen(entries: Iterable[Any]) -> list[Entry]:
    """Convert pymatgen entries (``PDEntry``, ``ComputedEntry``, ...) into :class:`Entry`
    (see :meth:`Entry.from_pymatgen`; oxidation states are dropped)."""
    return [Entry.from_pymatgen(entry) for entry in entries]


@dataclass(frozen=True)
class RejectedRow:
    """A row of an entries file that was not loaded, and why.

    Attributes
    ----------
    line
        1-based line of a CSV file, or 1-based record number of a JSON list.
    entry_id
        The row's id or formula where one could be read.
    reason
        What was wrong with it.
    """

    line: int
    entry_id: str | None
    reason: str

    def __str__(self) -> str:
        name = f" ({self.entry_id})" if self.entry_id else ""
        return f"row {self.line}{name}: {self.reason}"


@dataclass(frozen=True)
class LoadedEntries:
    """Entries read from a file, with the rows that were rejected.

    Iterating over it gives the entries, so it can be passed to
    :class:`~ai4s_lab.materials.PhaseDiagram` directly.
    """

    path: str
    entries: tuple[Entry, ...]
    rejected: tuple[RejectedRow, ...] = ()

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: int) -> Entry:
        return self.entries[index]


def load_entries(
    path: str | Path,
    *,
    warn: bool = True,
    apply_corrections: bool | None = None,
    encoding: str | None = None,
) -> LoadedEntries:
    """Read computed entries from a CSV, TSV or JSON file (optionally gzipped).

    JSON: a list of records ``{"composition": {"Li": 2, "O": 1} | "Li2O", "energy": -14.3,
    "entry_id": "mp-1960", ...}``, one such record, an object keyed by entry id
    (``{"mp-1960": {...}, ...}``, the key is the id), or an object with the list under
    ``"entries"``, ``"all_entries"`` or ``"data"``. pymatgen ``as_dict()`` output of
    ``PDEntry``, ``ComputedEntry`` and ``ComputedStructureEntry`` is read with the corrected
    energy, and so is a ``PhaseDiagram.as_dict()`` file (its ``all_entries``); species with
    oxidation states in a composition (``{"Li+": 2, "O2-": 1}``) count as their elements.
    Other keys go to :attr:`Entry.attributes`. CSV: a header with a ``composition`` (or
    ``formula``) column, an ``energy`` column (total eV for the formula as written) and
    optionally ``entry_id``; other columns become attributes. Instead of a formula, a CSV may
    give one column of amounts per element, headed by its symbol, as pymatgen's
    ``EntrySet.to_csv`` writes (``Name,Li,Fe,O,Energy``): the amounts are the cell the energy
    is for (an empty cell is 0), the ``Name`` is the entry id, and a row whose ``Name`` is a
    formula of other atomic fractions is rejected; where a ``Name`` is a formula with an
    element that has no column (``name,energy,V`` with ``V`` a volume), the names are the
    formulas and such columns attributes. The delimiter may be ``,``,
    ``;`` or a tab (``.tsv`` files); ``#`` comment lines are skipped, above the header and
    below it; a unit in eV after a column name is allowed (``"Energy (eV)"``); in ``;``- or
    tab-separated files energies may use a decimal comma (``-14,3``). A row with more values
    than the header has columns is rejected (an unquoted ``,`` inside a value would shift the
    columns), unless the extra values are empty (a delimiter at the end of the row,
    ``Li2O,-14.3,``). Text may be UTF-8, UTF-16 with a byte-order mark, or
    Windows-1252/Latin-1 (as spreadsheet programs write it). A gzipped file is read whether
    or not its name ends in ``.gz`` (it is known by its first bytes).

    Records without a total energy may give ``energy_per_atom`` (eV/atom) instead, as Materials
    Project documents do (``material_id``, ``formula_pretty``, ``energy_per_atom``, which is
    the corrected energy); the total energy is then that times the atoms of the composition.
    A record that gives both must have them agree to the precision they are written with
    (``energy / atoms == energy_per_atom``); otherwise the composition is not the one the
    energy belongs to (a cell energy with a reduced formula, say) and the row is rejected.

    Energy corrections (such as the Materials Project's anion and +U corrections) in a
    ``correction`` value (total eV for the composition as written) are handled so:
    pymatgen ``ComputedEntry`` records store the uncorrected energy and their correction is
    added, as pymatgen does. For any other record the loader cannot know whether ``energy``
    already includes it, so by default the energy is read as written, the correction is kept
    in :attr:`Entry.attributes` and one :class:`~ai4s_lab.errors.Ai4sWarning` says so; pass
    ``apply_corrections=True`` to add it, or ``False`` to read every energy as written
    (pymatgen records too) without a warning.

    Parameters
    ----------
    path
        ``.csv``, ``.tsv``, ``.json``, or any of these with ``.gz``.
    warn
        Emit one :class:`~ai4s_lab.errors.Ai4sWarning` that lists the rejected rows.
    apply_corrections
        ``None`` (default): pymatgen records corrected, others as written (with a warning
        where they carry a correction); ``True``: add every record's ``correction`` (eV);
        ``False``: apply no correction.
    encoding
        Text encoding; default: detected (UTF-8, UTF-16 with a byte-order mark, else
        Windows-1252, else Latin-1).

    Returns
    -------
    LoadedEntries
        The good entries, in file order, and the rejected rows with their reasons.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    DataFileError
        If the file is not CSV/TSV/JSON, lacks the composition or energy column, or has no
        good row.
    """
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"entries file {str(file)!r} does not exist")
    suffixes = [s.lower() for s in file.suffixes]
    compressed = bool(suffixes) and suffixes[-1] == ".gz"
    kind = suffixes[-2] if compressed and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    if kind not in (".json", ".csv", ".tsv"):
        raise DataFileError(
            file,
            f"unknown file type {''.join(suffixes)!r}",
            hint="use .csv, .tsv or .json (maybe .gz)",
        )
    try:
        raw = file.read_bytes()
        # gzip by its magic bytes too: a compressed file saved without .gz is still read
        if compressed or raw.startswith(_GZIP_MAGIC):
            raw = gzip.decompress(raw)
        text = _decode(raw, encoding)
    except (OSError, UnicodeDecodeError, LookupError, EOFError) as err:
        raise DataFileError(file, f"cannot be read as text: {err}") from err
    if kind == ".json":
        records = _json_records(file, text)
    else:
        records = _csv_records(file, text, tab=kind == ".tsv")
    entries: list[Entry] = []
    rejected: list[RejectedRow] = []
    unapplied = 0
    for line, record in records:
        try:
            entry, not_applied = _entry_from_record(record, apply_corrections)
        except (EntryError, FormulaError, KeyError) as err:
            # a KeyError's text is its message in quotes; the others are as written
            reason = str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)
            rejected.append(RejectedRow(line, _guess_id(record), reason))
        else:
            entries.append(entry)
            unapplied += not_applied
    if not entries:
        first = f"; first problem: {rejected[0]}" if rejected else ""
        raise DataFileError(file, f"no usable entry in {len(records)} rows{first}")
    if rejected and warn:
        shown = "; ".join(str(row) for row in rejected[:MAX_ROWS_IN_WARNING])
        more = len(rejected) - MAX_ROWS_IN_WARNING
        tail = f"; and {more} more" if more > 0 else ""
        warnings.warn(
            f"{file}: {len(rejected)} of {len(records)} rows were not loaded ({shown}{tail}); "
            "the others were. The full list is in the result's .rejected",
            Ai4sWarning,
            stacklevel=2,
        )
    if unapplied:
        warnings.warn(
            f"{file}: {unapplied} of {len(entries)} entries have a 'correction' that was not "
            "applied: their energy is read as written and the correction is kept in "
            "Entry.attributes['correction']. Pass apply_corrections=True to add the "
            "corrections (eV) to the energies, or apply_corrections=False if the energies "
            "already include them",
            Ai4sWarning,
            stacklevel=2,
        )
    return LoadedEntries(str(file), tuple(entries), tuple(rejected))


def _decode(raw: bytes, encoding: str | None) -> str:
    """Bytes to text: the given encoding, else by byte-order mark, else the first of
    :data:`_FALLBACK_ENCODINGS` that decodes."""
    if encoding is not None:
        return raw.decode(encoding)
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if raw.startswith(bom):
            return raw.decode(name)
    for name in _FALLBACK_ENCODINGS[:-1]:
        with contextlib.suppress(UnicodeDecodeError):
            return raw.decode(name)
    return raw.decode(_FALLBACK_ENCODINGS[-1])


def _json_records(file: Path, text: str) -> list[tuple[int, Mapping[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise DataFileError(file, f"is not valid JSON: {err.msg}", line=err.lineno) from err
    if isinstance(data, Mapping):
        data = _json_object_records(data)
    if not isinstance(data, list):
        raise DataFileError(
            file,
            "the JSON is not a list of entry records, one record, or an object of records "
            "keyed by entry id",
            hint='write [{"composition": "Li2O", "energy": -14.3}, ...]',
        )
    out: list[tuple[int, Mapping[str, Any]]] = []
    for number, record in enumerate(data, start=1):
        out.append((number, record if isinstance(record, Mapping) else {"_raw": record}))
    return out


def _json_object_records(data: Mapping[str, Any]) -> Any:
    """The records of a JSON object: its list of entries (``entries``, ``all_entries``,
    ``data``; inside ``computed_data`` for a pymatgen ``PhaseDiagram``), the object itself
    when it is one record, or its values when they are records keyed by entry id."""
    computed = data.get("computed_data")
    for holder in (data, computed if isinstance(computed, Mapping) else {}):
        for key in _LIST_KEYS:
            if isinstance(holder.get(key), list):
                return holder[key]
    if "@class" in data or any(
        key in data for key in (*_ANY_COMPOSITION_KEYS, *_ENERGY_KEYS, "entry")
    ):
        return [data]
    records = sum(isinstance(value, Mapping) for value in data.values())
    if data and 2 * records > len(data):  # keyed by entry id; a null or broken value is a bad row
        named = ("entry_id", "id", "material_id")
        return [
            (value if any(k in value for k in named) else {"entry_id": key, **value})
            if isinstance(value, Mapping)
            else {"entry_id": key, "_raw": value}
            for key, value in data.items()
        ]
    return data


def _csv_records(
    file: Path, text: str, *, tab: bool = False
) -> list[tuple[int, Mapping[str, Any]]]:
    lines = text.splitlines(keepends=True)
    skipped = 0  # comment and blank lines before the header
    while skipped < len(lines) and (
        not lines[skipped].strip() or lines[skipped].lstrip().startswith("#")
    ):
        skipped += 1
    first_line = lines[skipped] if skipped < len(lines) else ""
    delimiter = "\t" if tab and "\t" in first_line else max(_DELIMITERS, key=first_line.count)
    # comment lines below the header too; blanked, not removed, so line numbers still count
    body = ["\n" if line.lstrip().startswith("#") else line for line in lines[skipped + 1 :]]
    reader = csv.DictReader(io.StringIO("".join([first_line, *body])), delimiter=delimiter)
    names = [_column_name(name) for name in reader.fieldnames or []]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DataFileError(
            file, f"the header names the column(s) {repeated} more than once", line=1,
            hint="give every column a distinct name, so no value is silently dropped",
        )  # fmt: skip
    element_columns = _element_columns(reader.fieldnames or [], names)
    if not element_columns and not any(key in names for key in _ANY_COMPOSITION_KEYS):
        raise DataFileError(
            file, f"no composition column in the header {names}", line=1,
            hint="name one column 'composition' or 'formula', or give one column of amounts "
            "per element named by its symbol ('Li', 'Fe', 'O')",
        )  # fmt: skip
    if not any(key in names for key in (*_ENERGY_KEYS, *_PER_ATOM_ENERGY_KEYS)):
        raise DataFileError(
            file, f"no energy column in the header {names}", line=1,
            hint="name the total-energy column (eV) 'energy', or the column in eV/atom "
            "'energy_per_atom'",
        )  # fmt: skip
    reader.fieldnames = names
    out: list[tuple[int, Mapping[str, Any]]] = []
    for row in reader:
        # values past the header's columns: empty ones are a trailing delimiter ("Li2O,-14.3,")
        extra = [value for value in row.pop(None, None) or [] if value.strip()]
        clean: dict[str, Any] = {
            key: (value.strip() if isinstance(value, str) else value) for key, value in row.items()
        }
        if delimiter != ",":
            for key in (*_NUMBER_KEYS, *element_columns):
                value = clean.get(key)
                if isinstance(value, str) and _DECIMAL_COMMA.fullmatch(value):
                    clean[key] = value.replace(",", ".")
        if extra:
            clean[_EXTRA_VALUES] = (len(names) + len(extra), len(names), delimiter)
        if not any(clean.values()):
            continue
        out.append((reader.line_num + skipped, clean))
    if _names_outside(element_columns, out):
        return out  # a "name,energy,V" file: V is a volume, the names are the formulas
    if not element_columns:
        return out
    amount_rows: list[tuple[int, Mapping[str, Any]]] = []
    for line, parsed in out:
        record = dict(parsed)
        record["composition"] = {
            symbol: record.pop(key) or 0 for key, symbol in element_columns.items()
        }
        record[_FROM_ELEMENT_COLUMNS] = tuple(element_columns.values())
        amount_rows.append((line, record))
    return amount_rows


def _names_outside(
    element_columns: Mapping[str, str], rows: list[tuple[int, Mapping[str, Any]]]
) -> bool:
    """Whether a row's ``name`` is a formula with an element that has no column: then the
    element-named columns are not amounts (pymatgen's names use only the columns' elements)."""
    symbols = set(element_columns.values())
    for _, row in rows:
        name = row.get("name")
        if not symbols or not isinstance(name, str) or not name:
            continue
        try:
            named = Composition(name)
        except FormulaError:
            continue  # an id, not a formula
        if not set(named.elements) <= symbols:
            return True
    return False


def _element_columns(raw_names: Iterable[str | None], names: list[str]) -> dict[str, str]:
    """Columns of element amounts, as pymatgen's ``EntrySet.to_csv`` writes them
    (``Name,Li,Fe,O,Energy``): lower-case column name -> element symbol.

    A column counts when its header is an element symbol as written (``"Fe"``, not ``"fe"``)
    and no other column holds a formula (a ``name`` column may: pymatgen's is the reduced
    formula, which does not say how many atoms the energy is for).
    """
    if any(key in names for key in _ANY_COMPOSITION_KEYS if key != "name"):
        return {}
    return {
        name: symbol
        for name, symbol in zip(names, ((raw or "").strip() for raw in raw_names), strict=True)
        if symbol in ELEMENTS
    }


def _column_name(raw: str | None) -> str:
    """A CSV column name, lower case; a known energy column may carry its unit in eV:
    ``"Energy (eV)"`` is ``"energy"``, ``"Energy (eV/atom)"`` is ``"energy_per_atom"``."""
    name = (raw or "").strip().lower()
    match = _UNIT.fullmatch(name)
    if match is None:
        return name
    base = "_".join(match["name"].replace("-", " ").split())
    unit = match["unit"].replace(" ", "")
    if unit == "ev/atom" and base in _ENERGY_KEYS:
        base = f"{base}_per_atom"
    known = (unit == "ev" and base in _ENERGY_KEYS) or (
        unit in ("ev", "ev/atom") and base in _PER_ATOM_ENERGY_KEYS
    )
    return base if known else name


def _pick(record: Mapping[str, Any], keys: tuple[str, ...]) -> tuple[str | None, Any]:
    for key in keys:
        if key in record and record[key] not in (None, ""):
            return key, record[key]
    return None, None


def _guess_id(record: Mapping[str, Any]) -> str | None:
    _, value = _pick(record, _ID_KEYS)
    if value is None:
        _, value = _pick(record, _COMPOSITION_KEYS)
    return None if value is None else str(value)


def _entry_from_record(
    record: Mapping[str, Any], apply_corrections: bool | None = None
) -> tuple[Entry, bool]:
    """The entry of one record, and whether it carries a correction that was not applied
    (one that ``apply_corrections=None`` leaves to the user)."""
    if "_raw" in record:
        raise EntryError(f"the record {record['_raw']!r} is not an object with keys")
    if _EXTRA_VALUES in record:
        given, columns, delimiter = record[_EXTRA_VALUES]
        raise EntryError(
            f"the row has {given} values for the {columns} columns of the header; a value "
            f"holding the delimiter {delimiter!r} (a thousands separator, a note) must be quoted"
        )
    if _FROM_ELEMENT_COLUMNS in record:
        _check_name_formula(record)
    if "entry" in record and isinstance(record["entry"], Mapping):  # ComputedStructureEntry-like
        record = {**record["entry"], **{k: v for k, v in record.items() if k != "entry"}}
    id_key, entry_id = _pick(record, _ID_KEYS)
    ident = None if entry_id is None else str(entry_id)
    comp_key, composition = _pick(record, _COMPOSITION_KEYS)
    energy_key, energy = _pick(record, _ENERGY_KEYS)
    per_atom = False
    if energy is None or composition is None:
        per_atom_key, per_atom_energy = _pick(record, _PER_ATOM_ENERGY_KEYS)
        any_key, any_composition = _pick(record, _ANY_COMPOSITION_KEYS)
        if per_atom_energy is not None and any_composition is not None:
            energy_key, energy, comp_key, composition = (
                per_atom_key, per_atom_energy, any_key, any_composition,
            )  # fmt: skip
            per_atom = True
    if composition is None:
        _, reduced_only = _pick(record, _ANY_COMPOSITION_KEYS)
        if reduced_only is not None and energy is not None:
            raise EntryError(
                f"the {energy_key} value is a cell's total energy, but the only formula is a "
                f"reduced one ({reduced_only!r}), which does not say how many atoms the cell "
                "held; give the cell's composition, or the energy per atom ('energy_per_atom')"
            )
        raise EntryError("no composition (a 'composition' or 'formula' value)")
    if energy is None:
        raise EntryError("no energy (an 'energy' value in eV, or 'energy_per_atom' in eV/atom)")
    if isinstance(composition, Mapping):
        composition = _element_amounts(composition)
    value = _to_float(energy, ident, composition, "energy")
    try:
        parsed = Composition(composition)  # parsed once, here
    except FormulaError as err:
        raise EntryError(f"entry {ident or composition!r}: {err}") from err
    atoms = parsed.num_atoms
    if per_atom:
        value *= atoms
    correction = _correction(record, energy_key, ident, composition)
    pymatgen = bool(record.get("@class")) and energy_key == "energy"
    apply = apply_corrections is True or (apply_corrections is None and pymatgen)
    if correction is not None and apply:
        # pymatgen ComputedEntry.as_dict(): "energy" is uncorrected; its energy adds the
        # correction (the sum of its energy adjustments).
        value += correction
    if not per_atom and energy_key in _PER_ATOM_OF:
        _check_per_atom(record, energy_key, energy, value, atoms, correction, ident, composition)
    used = {id_key, comp_key, energy_key, "@module", "@class", "@version", _FROM_ELEMENT_COLUMNS}
    attributes = {k: v for k, v in record.items() if k not in used}
    unapplied = correction is not None and correction != 0 and apply_corrections is None
    return Entry(parsed, value, ident, attributes), unapplied and not pymatgen


def _check_name_formula(record: Mapping[str, Any]) -> None:
    """Refuse a CSV row whose ``name`` is a formula of other atomic fractions than its element
    columns: a column named like an element holds something else (``V`` for a volume)."""
    name = record.get("name")
    if not isinstance(name, str) or not name:
        return
    try:
        named = Composition(name)
    except FormulaError:
        return  # a name, not a formula
    amounts = record["composition"]
    try:
        if Composition(amounts).almost_equal_fractions(named, tol=1e-6):
            return
    except FormulaError:
        return  # a bad amount: reported when the composition is read
    columns = ", ".join(record[_FROM_ELEMENT_COLUMNS])
    raise EntryError(
        f"entry {name!r}: the name is the formula {named.formula}, but the element columns "
        f"({columns}) give {amounts}; rename a column that is not an amount of its element "
        "(e.g. 'V' for a volume), or add a 'formula' column with the cell's composition"
    )


def _element_amounts(composition: Mapping[str, Any]) -> dict[str, Any]:
    """A composition mapping by element: without pymatgen's ``@module``/``@class`` keys, and
    with species keys (``"Li+"``, ``"O2-"``, ``"Fe3+,spin=5"``, as pymatgen writes species with
    oxidation states) taken as their element, amounts of one element added up."""
    out: dict[str, Any] = {}
    for key, amount in composition.items():
        name = str(key)
        if name.startswith("@"):
            continue
        match = _SPECIES.fullmatch(name.strip())
        element = match["element"] if match else name
        if element in out:
            try:
                out[element] = float(out[element]) + float(amount)
            except (TypeError, ValueError):
                out[name] = amount  # a bad amount: left for Composition to report
        else:
            out[element] = amount
    return out


def _correction(
    record: Mapping[str, Any], energy_key: str | None, entry_id: str | None, composition: Any
) -> float | None:
    """The record's energy correction in eV (``correction``, or the sum of pymatgen's
    ``energy_adjustments``), or None where it gives none."""
    raw = record.get("correction")
    if raw not in (None, ""):
        return _to_float(raw, entry_id, composition, "correction")
    adjustments = record.get("energy_adjustments")
    if record.get("@class") and energy_key == "energy" and isinstance(adjustments, list):
        values = [a.get("value", 0.0) if isinstance(a, Mapping) else a for a in adjustments]
        return sum(_to_float(v, entry_id, composition, "energy adjustment") for v in values)
    return None


def _check_per_atom(
    record: Mapping[str, Any],
    energy_key: str,
    energy: Any,
    total: float,
    atoms: float,
    correction: float | None,
    entry_id: str | None,
    composition: Any,
) -> None:
    """Refuse a record whose total energy and energy per atom disagree beyond the precision
    they are written with (before or after its correction)."""
    key = _PER_ATOM_OF[energy_key]
    given = record.get(key)
    if given in (None, ""):
        return
    per_atom = _to_float(given, entry_id, composition, key)
    written = _to_float(energy, entry_id, composition, energy_key)
    if math.isnan(per_atom) or not math.isfinite(written):
        return  # an empty cell read as NaN; a non-finite energy is refused with the entry
    if not math.isfinite(per_atom):
        raise EntryError(
            f"entry {entry_id or composition!r}: {key} is {given!r}; give a finite energy per "
            f"atom, or leave it out (the {energy_key} is enough)"
        )
    candidates = {written, total, written + (correction or 0.0)}
    slack = _half_unit(given) + _half_unit(energy) / atoms
    if any(
        abs(value / atoms - per_atom) <= slack + 1e-9 * max(1.0, abs(per_atom))
        for value in candidates
    ):
        return
    formula = Composition(composition).formula  # only for the message of a rejected row
    raise EntryError(
        f"entry {entry_id or composition!r}: {energy_key} {energy!r} eV over the {atoms:g} atoms "
        f"of {formula} is {written / atoms:.6g} eV/atom, but {key} is {given!r} eV/atom; the "
        "composition is not the one the energy was computed for (a cell energy with a reduced "
        "formula?). Give the composition of the calculated cell, or one of the two energies"
    )


def _half_unit(value: Any) -> float:
    """Half a unit in the last written decimal of a number (its rounding error): 0.005 for
    ``"-4.67"``, 0.5 for ``-14``; from the shortest repr for floats."""
    text = (value if isinstance(value, str) else repr(value)).strip().lower()
    mantissa, _, exponent = text.partition("e")
    decimals = len(mantissa.partition(".")[2])
    try:
        decimals -= int(exponent or 0)
        return 0.5 * 10.0 ** (-decimals)
    except ValueError:
        return 0.0
    except OverflowError:  # "1e400": no finite precision at all
        return math.inf


def _to_float(value: Any, entry_id: str | None, composition: Any, what: str) -> float:
    name = entry_id if entry_id is not None else composition
    if isinstance(value, bool):
        raise EntryError(f"entry {name!r}: {what} {value!r} is a boolean, not a number in eV")
    try:
        return float(value)
    except (TypeError, ValueError) as err:
        raise EntryError(f"entry {name!r}: {what} {value!r} is not a number") from err
