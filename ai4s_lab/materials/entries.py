"""Computed entries (a composition and its energy) and loaders for CSV and JSON files.

An :class:`Entry` is what a DFT calculation gives: a composition and a total energy in eV for that
composition as written. Loaders read many entries at once; rows that cannot be used are reported
(:attr:`LoadedEntries.rejected`, and one :class:`~ai4s_lab.errors.Ai4sWarning`) while the good rows
load.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ai4s_lab.errors import Ai4sWarning, DataFileError, InputError
from ai4s_lab.materials.composition import Composition, CompositionLike, FormulaError

__all__ = [
    "Entry",
    "EntryError",
    "LoadedEntries",
    "RejectedRow",
    "entries_from_pymatgen",
    "load_entries",
]

_COMPOSITION_KEYS = ("composition", "formula", "reduced_formula", "name")
_ENERGY_KEYS = ("energy", "energy_ev", "total_energy", "uncorrected_energy")
_ID_KEYS = ("entry_id", "id", "material_id", "name")
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
        label = f"entry {entry_id!r}" if entry_id is not None else f"entry {composition!r}"
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
        """Convert a pymatgen ``PDEntry`` or ``ComputedEntry`` (its corrected energy is used)."""
        comp = {str(el): float(amount) for el, amount in entry.composition.items()}
        entry_id = getattr(entry, "entry_id", None) or getattr(entry, "name", None)
        attributes = dict(getattr(entry, "data", None) or {})
        return cls(comp, float(entry.energy), entry_id=entry_id, attributes=attributes)


def entries_from_pymatgen(entries: Iterable[Any]) -> list[Entry]:
    """Convert pymatgen entries (``PDEntry``, ``ComputedEntry``, ...) into :class:`Entry`."""
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


def load_entries(path: str | Path, *, warn: bool = True) -> LoadedEntries:
    """Read computed entries from a CSV or JSON file (optionally gzipped).

    JSON: a list of records ``{"composition": {"Li": 2, "O": 1} | "Li2O", "energy": -14.3,
    "entry_id": "mp-1960", ...}`` (pymatgen ``as_dict()`` output of ``PDEntry`` and
    ``ComputedEntry`` is also read); other keys go to :attr:`Entry.attributes`. CSV: a header
    with a ``composition`` (or ``formula``) column, an ``energy`` column (total eV for the
    formula as written) and optionally ``entry_id``; other columns become attributes.

    Parameters
    ----------
    path
        ``.csv``, ``.json``, ``.csv.gz`` or ``.json.gz`` file.
    warn
        Emit one :class:`~ai4s_lab.errors.Ai4sWarning` that lists the rejected rows.

    Returns
    -------
    LoadedEntries
        The good entries, in file order, and the rejected rows with their reasons.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    DataFileError
        If the file is not CSV/JSON, lacks the composition or energy column, or has no good row.
    """
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"entries file {str(file)!r} does not exist")
    suffixes = [s.lower() for s in file.suffixes]
    compressed = bool(suffixes) and suffixes[-1] == ".gz"
    kind = suffixes[-2] if compressed and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    try:
        raw = gzip.decompress(file.read_bytes()) if compressed else file.read_bytes()
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError, EOFError) as err:
        raise DataFileError(file, f"cannot be read as text: {err}") from err
    if kind == ".json":
        records = _json_records(file, text)
    elif kind == ".csv":
        records = _csv_records(file, text)
    else:
        raise DataFileError(
            file, f"unknown file type {''.join(suffixes)!r}", hint="use .csv or .json (maybe .gz)"
        )
    entries: list[Entry] = []
    rejected: list[RejectedRow] = []
    for line, record in records:
        try:
            entries.append(_entry_from_record(record))
        except (EntryError, FormulaError, KeyError) as err:
            rejected.append(RejectedRow(line, _guess_id(record), str(err).strip("'\"")))
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
    return LoadedEntries(str(file), tuple(entries), tuple(rejected))


def _json_records(file: Path, text: str) -> list[tuple[int, Mapping[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise DataFileError(file, f"is not valid JSON: {err.msg}", line=err.lineno) from err
    if isinstance(data, Mapping) and isinstance(data.get("entries"), list):
        data = data["entries"]
    if not isinstance(data, list):
        raise DataFileError(
            file, "the JSON is not a list of entry records", hint="write [{...}, {...}]"
        )
    out: list[tuple[int, Mapping[str, Any]]] = []
    for number, record in enumerate(data, start=1):
        out.append((number, record if isinstance(record, Mapping) else {"_raw": record}))
    return out


def _csv_records(file: Path, text: str) -> list[tuple[int, Mapping[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    if not any(key in header for key in _COMPOSITION_KEYS):
        raise DataFileError(
            file, f"no composition column in the header {header}", line=1,
            hint="name one column 'composition' or 'formula'",
        )  # fmt: skip
    if not any(key in header for key in _ENERGY_KEYS):
        raise DataFileError(
            file, f"no energy column in the header {header}", line=1,
            hint="name the total-energy column (eV) 'energy'",
        )  # fmt: skip
    out: list[tuple[int, Mapping[str, Any]]] = []
    for row in reader:
        clean = {
            (key or "").strip().lower(): (value.strip() if isinstance(value, str) else value)
            for key, value in row.items()
        }
        if not any(clean.values()):
            continue
        out.append((reader.line_num, clean))
    return out


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


def _entry_from_record(record: Mapping[str, Any]) -> Entry:
    if "_raw" in record:
        raise EntryError(f"the record {record['_raw']!r} is not an object with keys")
    if "entry" in record and isinstance(record["entry"], Mapping):  # ComputedStructureEntry-like
        record = {**record["entry"], **{k: v for k, v in record.items() if k != "entry"}}
    id_key, entry_id = _pick(record, _ID_KEYS)
    comp_key, composition = _pick(record, _COMPOSITION_KEYS)
    energy_key, energy = _pick(record, _ENERGY_KEYS)
    if composition is None:
        raise EntryError("no composition (a 'composition' or 'formula' value)")
    if energy is None:
        raise EntryError("no energy (an 'energy' value in eV)")
    if "correction" in record and energy_key == "energy" and record.get("@class"):
        # pymatgen ComputedEntry.as_dict(): "energy" is uncorrected; the corrected energy is used.
        energy = float(energy) + float(record.get("correction") or 0.0)
    if isinstance(composition, Mapping):
        composition = {k: v for k, v in composition.items() if not str(k).startswith("@")}
    used = {id_key, comp_key, energy_key, "@module", "@class", "@version"}
    attributes = {k: v for k, v in record.items() if k not in used}
    ident = None if entry_id is None else str(entry_id)
    return Entry(composition, _to_float(energy, ident, composition), ident, attributes)


def _to_float(value: Any, entry_id: str | None, composition: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError) as err:
        name = entry_id if entry_id is not None else composition
        raise EntryError(f"entry {name!r}: energy {value!r} is not a number") from err
