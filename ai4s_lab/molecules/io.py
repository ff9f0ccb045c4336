"""Reading molecule libraries: SMILES, CSV/TSV and SDF files (plain or gzipped), or Python lists.

Every row is parsed by RDKit. A row RDKit cannot parse (or standardize) goes to an error report with
its row number, its input and RDKit's own reason; every other row goes on. Nothing is dropped
silently: ``len(result) + len(result.errors)`` is the number of rows read.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ai4s_lab.errors import DataFileError, InputError, ParameterError
from ai4s_lab.molecules._rdkit import chem, rdkit_messages
from ai4s_lab.molecules.standardization import StandardizeOptions, standardize_many

__all__ = ["MoleculeSet", "read_molecules"]

#: column names tried, case-insensitively, when ``smiles_column`` is not given
SMILES_COLUMNS = ("smiles", "canonical_smiles", "isomeric_smiles", "smi", "mol_smiles")
#: column names tried, case-insensitively, for molecule identifiers
ID_COLUMNS = ("id", "name", "compound id", "compound_id", "molecule_id", "title", "cid")
_SMILES_SUFFIXES = {".smi", ".smiles", ".ism", ".can", ".txt"}
_CSV_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
_SDF_SUFFIXES = {".sdf", ".sd", ".mol"}


@dataclass
class MoleculeSet:
    """Molecules read from one source, with the rows that failed.

    Attributes
    ----------
    mols
        The valid molecules (RDKit ``Mol``), standardized if asked.
    data
        One row per valid molecule, in input order: ``row`` (1-based record number in the input:
        data row of a CSV, non-blank line of a SMILES file, record of an SDF, item of a list),
        ``id``, ``smiles`` (RDKit canonical SMILES after standardization), ``input`` (the SMILES
        as given; the title line for SDF), then the other columns or SD fields of the input.
    errors
        One row per failed record: ``row``, ``input``, ``reason`` (RDKit's message).
    source
        Where the molecules came from (a path, or ``"<list>"``).
    """

    mols: list[Any]
    data: pd.DataFrame
    errors: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["row", "input", "reason"])
    )
    source: str = "<list>"
    standardization: dict[str, bool] | None = None

    def __len__(self) -> int:
        return len(self.mols)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.mols)

    def __getitem__(self, index: int) -> Any:
        return self.mols[index]

    @property
    def ids(self) -> list[str]:
        """The identifiers of the valid molecules, as strings."""
        return [str(value) for value in self.data["id"]]

    @property
    def smiles(self) -> list[str]:
        """Canonical SMILES of the valid molecules."""
        return list(self.data["smiles"])

    def __repr__(self) -> str:
        return (
            f"MoleculeSet({len(self)} molecules from {self.source!r}, "
            f"{len(self.errors)} rows with errors)"
        )


def read_molecules(
    source: str | Path | Sequence[Any],
    *,
    smiles_column: str | None = None,
    id_column: str | None = None,
    standardize: bool | StandardizeOptions = True,
    ids: Sequence[Any] | None = None,
) -> MoleculeSet:
    """Read a molecule library, keeping every failure in a row-level error report.

    Parameters
    ----------
    source
        A file path (``.smi``/``.smiles``/``.txt``: SMILES then an optional name per line;
        ``.csv``/``.tsv``; ``.sdf``; each optionally ``.gz``), or a list of SMILES strings or RDKit
        molecules.
    smiles_column
        For CSV/TSV files (or SMILES files with a header line): the column holding SMILES. By
        default the first of ``smiles``, ``canonical_smiles``, ``isomeric_smiles``, ``smi``
        (any case).
    id_column
        Column (CSV) or SD field (SDF) holding identifiers; by default an ``id``/``name``-like
        column, the SMILES file's second field, the SD title, or the row number.
    standardize
        ``True`` applies all MolStandardize steps (:class:`StandardizeOptions`), ``False`` none,
        or pass the options.
    ids
        Identifiers for a list ``source`` (default: the 1-based position).

    Returns
    -------
    MoleculeSet
        ``.mols``, ``.data`` (a DataFrame) and ``.errors`` (row, input, reason).

    Raises
    ------
    DataFileError
        If the file is missing or empty, the SMILES column does not exist (the message lists the
        columns that do), or not one row is a valid molecule (the message shows the first
        errors).
    """
    options = _options(standardize)
    if isinstance(source, (str, Path)):
        path = Path(source)
        records, extra = _read_file(path, smiles_column, id_column)
        label = str(path)
    else:
        if isinstance(source, bytes):
            raise InputError("source must be a file path or a list of SMILES/molecules")
        items = list(source)
        if ids is not None and len(ids) != len(items):
            raise InputError(f"ids has {len(ids)} entries but the source has {len(items)}")
        records = [
            _Record(i + 1, item, str(ids[i]) if ids is not None else str(i + 1), {})
            for i, item in enumerate(items)
        ]
        extra = []
        label = "<list>"
        if not records:
            raise InputError("the list of molecules is empty")
    return _build(records, extra, options, label)


@dataclass
class _Record:
    row: int
    value: Any  # SMILES string, RDKit Mol, or molblock bytes (SDF)
    id: str
    fields: dict[str, Any]


def _options(standardize: bool | StandardizeOptions) -> StandardizeOptions | None:
    if isinstance(standardize, StandardizeOptions):
        return standardize
    if standardize is True:
        return StandardizeOptions()
    if standardize is False:
        return None
    raise ParameterError(f"standardize={standardize!r}: use True, False or StandardizeOptions(...)")


def _strip_gz(path: Path) -> tuple[str, bool]:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        return (suffixes[-2] if len(suffixes) > 1 else ""), True
    return (suffixes[-1] if suffixes else ""), False


def _read_bytes(path: Path, gz: bool) -> bytes:
    if not path.exists():
        raise DataFileError(path, "no such file", hint="check the path")
    if path.is_dir():
        raise DataFileError(path, "is a folder, not a molecule file")
    raw = path.read_bytes()
    if gz:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise DataFileError(path, f"is not a valid gzip file ({err})") from err
    if not raw.strip():
        raise DataFileError(path, "the file is empty", hint="expected one molecule a row")
    return raw


def _read_file(
    path: Path, smiles_column: str | None, id_column: str | None
) -> tuple[list[_Record], list[str]]:
    suffix, gz = _strip_gz(path)
    if suffix not in _SMILES_SUFFIXES | set(_CSV_SUFFIXES) | _SDF_SUFFIXES:
        raise DataFileError(
            path,
            f"unknown molecule file type {suffix or '(no suffix)'!r}",
            hint="use .smi, .csv, .tsv or .sdf, optionally with .gz",
        )
    raw = _read_bytes(path, gz)
    if suffix in _SDF_SUFFIXES:
        return _sdf_records(path, raw, id_column), []
    text = raw.decode("utf-8", errors="replace")
    if suffix in _CSV_SUFFIXES:
        return _table_records(path, text, _CSV_SUFFIXES[suffix], smiles_column, id_column)
    return _smiles_records(path, text, smiles_column, id_column)


def _pick(columns: Sequence[str], wanted: str | None, candidates: Iterable[str]) -> str | None:
    if wanted is not None:
        return wanted if wanted in columns else None
    lower = {str(c).strip().lower(): c for c in columns}
    for name in candidates:
        if name in lower:
            return str(lower[name])
    return None


def _table_records(
    path: Path, text: str, sep: str, smiles_column: str | None, id_column: str | None
) -> tuple[list[_Record], list[str]]:
    try:
        table = pd.read_csv(io.StringIO(text), sep=sep)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise DataFileError(path, f"cannot be read as a table: {err}") from err
    columns = [str(c) for c in table.columns]
    table.columns = pd.Index(columns)
    column = _pick(columns, smiles_column, SMILES_COLUMNS)
    if column is None:
        what = f"has no column {smiles_column!r}" if smiles_column else "has no SMILES column"
        raise DataFileError(
            path,
            f"{what}; its columns are {columns}",
            hint="pass smiles_column= with one of them",
        )
    if table.empty:
        raise DataFileError(path, "has a header but no data rows")
    id_col = _pick(columns, id_column, ID_COLUMNS)
    if id_column is not None and id_col is None:
        raise DataFileError(path, f"has no column {id_column!r}; its columns are {columns}")
    extra = [c for c in columns if c != column]
    records = []
    for i, row in enumerate(table.to_dict("records")):
        value = row[column]
        smiles = "" if pd.isna(value) else str(value).strip()
        ident = str(row[id_col]) if id_col is not None else str(i + 1)
        records.append(_Record(i + 1, smiles, ident, {c: row[c] for c in extra}))
    return records, extra


def _smiles_records(
    path: Path, text: str, smiles_column: str | None, id_column: str | None
) -> tuple[list[_Record], list[str]]:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    header: list[str] | None = None
    first = lines[0].split()
    if (first and first[0].lower() in SMILES_COLUMNS) or (
        smiles_column is not None and smiles_column in first
    ):
        header, lines = first, lines[1:]
    smiles_at, id_at = 0, 1
    if header is not None:
        column = _pick(header, smiles_column, SMILES_COLUMNS)
        if column is None:
            raise DataFileError(path, f"has no column {smiles_column!r}; its columns are {header}")
        smiles_at = header.index(column)
        ident = _pick(header, id_column, ID_COLUMNS)
        id_at = header.index(ident) if ident is not None else (1 if smiles_at == 0 else 0)
    elif smiles_column is not None:
        raise DataFileError(
            path,
            f"has no header line, so it has no column {smiles_column!r}",
            hint="leave smiles_column out: the first field of each line is the SMILES",
        )
    if not lines:
        raise DataFileError(path, "has a header but no molecules")
    records = []
    for i, line in enumerate(lines):
        parts = line.split()
        smiles = parts[smiles_at] if len(parts) > smiles_at else ""
        ident = parts[id_at] if len(parts) > id_at and id_at != smiles_at else str(i + 1)
        records.append(_Record(i + 1, smiles, ident, {}))
    return records, []


def _sdf_records(path: Path, raw: bytes, id_column: str | None) -> list[_Record]:
    blocks = [b for b in raw.replace(b"\r\n", b"\n").split(b"$$$$\n") if b.strip()]
    if blocks and blocks[-1].strip().endswith(b"$$$$"):
        blocks[-1] = blocks[-1].strip()[:-4]
    records = []
    for i, block in enumerate(blocks):
        title = block.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip()
        records.append(_Record(i + 1, block + b"$$$$\n", title or str(i + 1), {}))
    if id_column is not None:
        for record in records:
            record.fields["__id_field__"] = id_column
    return records


def _parse(record: _Record, log: Any) -> tuple[Any, str, str, dict[str, Any]]:
    """Parse one record: ``(mol or None, input text, reason, SD fields)``."""
    Chem = chem()
    value = record.value
    if isinstance(value, bytes):
        supplier = Chem.ForwardSDMolSupplier(io.BytesIO(value), removeHs=True)
        mol = next(iter(supplier), None)
        title = value.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip()
        text = title or f"SD record {record.row}"
        if mol is None:
            return None, text, log.take() or "RDKit could not read this SD record", {}
        fields = {k: v for k, v in mol.GetPropsAsDict().items() if not k.startswith("_")}
        return mol, text, "", fields
    if value is not None and not isinstance(value, str) and hasattr(value, "GetNumAtoms"):
        if value.GetNumAtoms() == 0:
            return None, "<Mol>", "the molecule has no atoms", {}
        return Chem.Mol(value), Chem.MolToSmiles(value), "", {}
    if not isinstance(value, str):
        return (
            None,
            repr(value),
            f"expected a SMILES string or an RDKit Mol, got {type(value).__name__}",
            {},
        )
    if not value.strip():
        return None, value, "empty SMILES", {}
    mol = Chem.MolFromSmiles(value)
    if mol is None:
        return None, value, log.take() or "RDKit could not parse this SMILES", {}
    if mol.GetNumAtoms() == 0:
        return None, value, "the SMILES has no atoms", {}
    log.take()
    return mol, value, "", {}


def _build(
    records: list[_Record], extra: list[str], options: StandardizeOptions | None, label: str
) -> MoleculeSet:
    Chem = chem()
    parsed: list[tuple[_Record, Any, str, dict[str, Any]]] = []
    errors: list[dict[str, Any]] = []
    with rdkit_messages() as log:
        for record in records:
            mol, text, reason, fields = _parse(record, log)
            if mol is None:
                errors.append({"row": record.row, "input": text, "reason": reason})
            else:
                parsed.append((record, mol, text, fields))
    if options is not None and parsed:
        results = standardize_many([item[1] for item in parsed], options)
        kept = []
        for item, (mol, reason) in zip(parsed, results, strict=True):
            if mol is None or mol.GetNumAtoms() == 0:
                why = reason or "no atoms left after standardization"
                errors.append(
                    {"row": item[0].row, "input": item[2], "reason": f"standardization: {why}"}
                )
            else:
                kept.append((item[0], mol, item[2], item[3]))
        parsed = kept
    errors.sort(key=lambda e: e["row"])
    error_frame = pd.DataFrame(errors, columns=["row", "input", "reason"])
    if not parsed:
        shown = "; ".join(f"row {e['row']} {e['input']!r}: {e['reason']}" for e in errors[:5])
        raise DataFileError(label, f"none of the {len(records)} rows is a valid molecule ({shown})")
    rows = []
    mols = []
    for record, mol, text, fields in parsed:
        ident = record.id
        id_field = record.fields.get("__id_field__")
        if id_field is not None:
            if id_field not in fields:
                raise DataFileError(
                    label,
                    f"SD record {record.row} has no field {id_field!r}; it has {sorted(fields)}",
                )
            ident = str(fields[id_field])
        row: dict[str, Any] = {"row": record.row, "id": ident, "smiles": Chem.MolToSmiles(mol)}
        row["input"] = text
        row.update({k: v for k, v in record.fields.items() if k != "__id_field__"})
        row.update(fields)
        rows.append(row)
        mols.append(mol)
    data = pd.DataFrame(rows)
    return MoleculeSet(
        mols=mols,
        data=data.reset_index(drop=True),
        errors=error_frame,
        source=label,
        standardization=options.as_dict() if options is not None else None,
    )
