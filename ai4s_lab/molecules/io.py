"""Reading molecule libraries: SMILES, CSV/TSV and SDF files (plain or gzipped), DataFrames, lists.

Every row is parsed by RDKit. A row RDKit cannot parse (or standardize) goes to an error report with
its row number, its input and RDKit's own reason; every other row goes on. Nothing is dropped
silently: ``len(result) + len(result.errors)`` is the number of rows read.
"""

from __future__ import annotations

import codecs
import gzip
import io
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ai4s_lab.errors import DataFileError, InputError, ParameterError
from ai4s_lab.molecules._rdkit import chem, describe, rdkit_messages, sanitized
from ai4s_lab.molecules.standardization import StandardizeOptions, standardizer

__all__ = ["MoleculeSet", "read_molecules"]

logger = logging.getLogger(__name__)

#: column names tried, case-insensitively, when ``smiles_column`` is not given (then the one
#: column whose name contains "smiles", if there is exactly one)
SMILES_COLUMNS = (
    "smiles",
    "canonical_smiles",
    "isomeric_smiles",
    "canonicalsmiles",
    "isomericsmiles",
    "smi",
    "mol_smiles",
)
#: column names tried, case-insensitively, for molecule identifiers
ID_COLUMNS = (
    "id",
    "compound id",
    "compound_id",
    "molecule_id",
    "mol_id",
    "molecule chembl id",
    "chembl id",
    "chembl_id",
    "zinc_id",
    "cid",
    "name",
    "title",
    # systematic names (FreeSolv's "iupac", PubChem's "IUPACName"): last, as they may repeat
    "iupac",
    "iupac_name",
    "iupacname",
)
#: columns of :attr:`MoleculeSet.data` set by the reader; an input column or SD field with one of
#: these names is kept as ``"<name>.1"`` (pandas' convention for a repeated column name)
RESERVED_COLUMNS = ("row", "id", "smiles", "input")
#: field separators tried, in this order, on the header line of a table
_SEPARATORS = ("\t", ";", ",", "|")
_SMILES_SUFFIXES = {".smi", ".smiles", ".ism", ".can", ".txt"}
_CSV_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
_SDF_SUFFIXES = {".sdf", ".sd", ".mol"}
_TOO_MANY = "\x00too many fields\x00"
_SD_END = re.compile(rb"^\$\$\$\$[ \t]*$\n?", re.MULTILINE)
#: the CXSMILES extension at the end of a SMILES: ``C[C@H](F)Cl |&1:1|``
_CX_EXTENSION = re.compile(r"[ \t]+\|[^|]*\|$")


@dataclass
class MoleculeSet:
    """Molecules read from one source, with the rows that failed.

    Attributes
    ----------
    mols
        The valid molecules (RDKit ``Mol``), standardized if asked.
    data
        One row per valid molecule, in input order: ``row`` (1-based record number in the input:
        data row of a CSV, line number in a SMILES file as an editor shows it (blank and comment
        lines counted), record of an SDF, item of a list),
        ``id``, ``smiles`` (RDKit canonical SMILES after standardization; a CXSMILES with the
        enhanced stereo, ``C[C@H](F)Cl |&1:1|``, where the molecule has stereo groups),
        ``input`` (the SMILES as given; the title line for SDF), then the other columns or SD
        fields of the input
        (one named ``row``, ``id``, ``smiles`` or ``input`` is kept as ``row.1`` etc.; the id
        column itself, when named ``id``, is not repeated).
    errors
        One row per failed record: ``row`` (numbered as in ``data``), ``input``, ``reason``
        (RDKit's message).
    source
        Where the molecules came from (a path, ``"<list>"``, ``"<Series>"`` or
        ``"<DataFrame>"``).
    """

    mols: list[Any]
    data: pd.DataFrame
    errors: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["row", "input", "reason"])
    )
    source: str = "<list>"
    standardization: dict[str, bool | str] | None = None

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
    source: str | Path | pd.DataFrame | pd.Series | Sequence[Any],
    *,
    smiles_column: str | None = None,
    id_column: str | None = None,
    standardize: bool | StandardizeOptions = True,
    ids: Sequence[Any] | None = None,
    progress: bool | None = None,
) -> MoleculeSet:
    """Read a molecule library, keeping every failure in a row-level error report.

    Parameters
    ----------
    source
        A file path (``.smi``/``.smiles``/``.txt``: SMILES then an optional name per line, the name
        being the rest of the line (or the next tab-separated field); ``.csv``/``.tsv``; ``.sdf``;
        each optionally ``.gz``), a list of SMILES strings or RDKit molecules, a pandas ``Series``
        of them, or a pandas ``DataFrame`` (read as a table: its SMILES column, found as in a CSV
        file or given by ``smiles_column``, may also hold RDKit molecules; the other columns are
        kept). Files are read as UTF-8 (with or without a byte-order mark), as UTF-16 where they
        start with its byte-order mark (Excel's "Unicode text"), else as Windows-1252.
        Lines starting with ``#`` before the first row are comments, and anywhere in a SMILES file
        (whose row numbers are its line numbers, comments counted). A table's field separator is
        found on its header line (comma, tab, semicolon as in ChEMBL exports, or ``|``); a table
        without a header line (its first row is a molecule) is read with columns ``column_1``,
        ``column_2``, ....
    smiles_column
        For CSV/TSV files, DataFrames (or SMILES files with a header line): the column holding
        SMILES. By default the first of ``smiles``, ``canonical_smiles``, ``isomeric_smiles``,
        ``smi`` (any case), else the one column whose name contains ``smiles``, else (a table
        without such a name) the column whose values are molecules.
    id_column
        Column (CSV, DataFrame) or SD field (SDF) holding identifiers (read as text:
        ``"007"`` stays ``"007"``); by default an ``id``/``name``-like column, the SMILES
        file's name field, the SD title, a DataFrame's index (unless it is the default
        ``0 .. n-1``), or the row number (also for a row whose identifier is missing).
    standardize
        ``True`` applies all MolStandardize steps (:class:`StandardizeOptions`), ``False`` none,
        or pass the options.
    ids
        Identifiers for a list, Series or DataFrame ``source``; by default a DataFrame's
        ``id_column``, else the index of a Series or DataFrame unless it is the default
        ``0 .. n-1`` (a filtered frame keeps its row labels), else the 1-based position. For
        a file, use ``id_column``.
    progress
        A tqdm progress bar while the rows are read and standardized (standardization takes
        about 2–15 ms a molecule, minutes for a library of 100,000): ``None`` (default) shows
        it once reading has taken 2 s, ``True`` from the start, ``False`` never.

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
    ParameterError
        If ``ids`` is given with a file (use ``id_column``), ``smiles_column``/``id_column``
        with a list or Series (which have no columns), or a DataFrame has no such column (or
        no column of molecules).
    """
    options = _options(standardize)
    if isinstance(source, (str, Path)):
        path = Path(source)
        if isinstance(source, str) and not path.exists() and _looks_like_smiles(source):
            raise InputError(
                f"read_molecules({source!r}): no such file, and a string is read as a path; "
                f"to read SMILES strings pass a list, e.g. read_molecules([{source!r}])"
            )
        if ids is not None:
            raise ParameterError(
                f"read_molecules({str(source)!r}, ids=...): ids names the molecules of a list, "
                "not of a file; to take identifiers from a file, pass id_column= with the "
                "column (CSV) or SD field (SDF) that holds them"
            )
        records, extra = _read_file(path, smiles_column, id_column)
        label = str(path)
    elif isinstance(source, pd.DataFrame):
        records, extra = _frame_records(source, smiles_column, id_column, ids)
        label = "<DataFrame>"
    else:
        if isinstance(source, bytes):
            raise InputError("source must be a file path or a list of SMILES/molecules")
        kind = "Series" if isinstance(source, pd.Series) else "list"
        for name, given in (("smiles_column", smiles_column), ("id_column", id_column)):
            if given is not None:
                raise ParameterError(
                    f"{name}={given!r}: a {kind} of molecules has no columns; pass ids= for "
                    "identifiers, or a DataFrame or table file to pick columns"
                )
        items = list(source)
        if ids is None and isinstance(source, pd.Series) and not _default_index(source.index):
            ids = [str(label) for label in source.index]
        if ids is not None and len(ids) != len(items):
            raise InputError(f"ids has {len(ids)} entries but the source has {len(items)}")
        if isinstance(source, pd.Series):  # a missing cell is an empty SMILES, as in a table
            items = [_missing_as_empty(item) for item in items]
        records = [
            _Record(i + 1, item, str(ids[i]) if ids is not None else str(i + 1), {})
            for i, item in enumerate(items)
        ]
        extra = []
        label = f"<{kind}>"
        if not records:
            raise InputError(f"the {kind} of molecules is empty")
    return _build(records, extra, options, label, progress)


def _default_index(index: pd.Index) -> bool:
    """Whether ``index`` is pandas' default ``0 .. n-1`` (no labels a user gave)."""
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


def _missing_as_empty(value: Any) -> Any:
    """A missing cell of a Series or DataFrame (``None``, ``NaN``, ``pd.NA``) as an empty SMILES."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return ""
    return value


def _is_molecule(value: Any) -> bool:
    """Whether a cell holds a molecule: an RDKit ``Mol`` with atoms, or a SMILES of one."""
    if hasattr(value, "GetNumAtoms") and not isinstance(value, str):
        return bool(value.GetNumAtoms())
    return isinstance(value, str) and _looks_like_smiles(value)


def _frame_records(
    frame: pd.DataFrame,
    smiles_column: str | None,
    id_column: str | None,
    ids: Sequence[Any] | None,
    rows: int = 5,
) -> tuple[list[_Record], list[str]]:
    """The records of a DataFrame: its SMILES column found as in a CSV file (by name, else the
    column whose first ``rows`` values are all molecules), its identifiers from ``ids``, the
    id column, or its index unless that is the default; the other columns kept."""
    names = {str(c): c for c in frame.columns}
    columns = list(names)
    if not len(frame):
        raise InputError("the DataFrame of molecules has no rows")
    column = _pick_smiles(columns, smiles_column)
    if column is None and smiles_column is None:
        column = next(
            (
                name
                for name in columns
                if all(_is_molecule(v) for v in frame[names[name]].dropna().head(rows))
                and frame[names[name]].notna().any()
            ),
            None,
        )
    if column is None:
        what = f"has no column {smiles_column!r}" if smiles_column else "has no SMILES column"
        raise ParameterError(
            f"the DataFrame {what}; its columns are {columns}; pass smiles_column= with the "
            "one that holds SMILES or RDKit molecules"
        )
    id_col = _pick(columns, id_column, ID_COLUMNS)
    if id_column is not None and id_col is None:
        raise ParameterError(
            f"id_column={id_column!r}: the DataFrame has no such column; its columns are {columns}"
        )
    if ids is not None and id_column is not None:
        raise ParameterError("pass ids= or id_column=, not both")
    if ids is not None and len(ids) != len(frame):
        raise InputError(f"ids has {len(ids)} entries but the DataFrame has {len(frame)} rows")
    labels = None if _default_index(frame.index) else [str(label) for label in frame.index]
    extra = [c for c in columns if c != column and not (c == id_col and c == "id")]
    records = []
    for i, values in enumerate(frame.itertuples(index=False, name=None)):
        row = dict(zip(columns, values, strict=True))
        ident = str(i + 1)
        if ids is not None:
            ident = str(ids[i])
        elif id_col is not None and not pd.isna(row[id_col]):
            ident = str(row[id_col]).strip()
        elif labels is not None:
            ident = labels[i]
        value = _missing_as_empty(row[column])
        smiles = value.strip() if isinstance(value, str) else value
        records.append(_Record(i + 1, smiles, ident, {c: row[c] for c in extra}))
    return records, extra


@dataclass
class _Record:
    row: int
    value: Any  # SMILES string, RDKit Mol, or molblock bytes (SDF)
    id: str
    fields: dict[str, Any]
    reason: str = ""  # why the reader already knows the record is bad


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
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" and Windows tools write UTF-16 with a byte-order mark; the
        # readers (RDKit's SD reader too) take UTF-8
        try:
            raw = raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as err:
            raise DataFileError(path, f"starts as UTF-16 text but is not ({err})") from err
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
    numbered = _text_lines(_decode(raw))
    if not numbered:
        raise DataFileError(path, "has only comment lines", hint="expected one molecule a row")
    if suffix in _CSV_SUFFIXES:
        lines = [line for _, line in numbered]
        sep = _separator(lines[0], _CSV_SUFFIXES[suffix])
        return _table_records(path, lines, sep, smiles_column, id_column)
    return _smiles_records(path, numbered, smiles_column, id_column)


def _decode(raw: bytes) -> str:
    """Text of a file: UTF-8 (a byte-order mark is dropped), else Windows-1252, else Latin-1."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _text_lines(text: str) -> list[tuple[int, str]]:
    """The lines of a text file without the blank lines and the leading ``#`` comment lines,
    each with its 1-based line number in the file.

    A SMILES cannot start with ``#``, so a comment line is never a molecule.
    """
    lines = [(i, line) for i, line in enumerate(text.splitlines(), 1) if line.strip()]
    first = 0
    while first < len(lines) and lines[first][1].lstrip().startswith("#"):
        first += 1
    return lines[first:]


def _separator(header: str, default: str) -> str:
    """The field separator of a table: the default if the header line holds it, else the first
    of tab, semicolon, comma and ``|`` that it holds."""
    if default in header:
        return default
    return next((sep for sep in _SEPARATORS if sep in header), default)


def _looks_like_smiles(text: str) -> bool:
    """Whether a string parses as a SMILES of at least one atom, optionally with a CXSMILES
    extension (RDKit's log is captured)."""
    text = text.strip()
    if not text or any(ch.isspace() for ch in _CX_EXTENSION.sub("", text)):
        return False
    try:
        float(text)
        return False  # a number such as "34.14" is not a molecule
    except ValueError:
        pass
    with rdkit_messages():
        mol = chem().MolFromSmiles(text)
    return mol is not None and mol.GetNumAtoms() > 0


def _pick(columns: Sequence[str], wanted: str | None, candidates: Iterable[str]) -> str | None:
    if wanted is not None:
        return wanted if wanted in columns else None
    lower = {str(c).strip().lower(): c for c in columns}
    for name in candidates:
        if name in lower:
            return str(lower[name])
    return None


def _pick_smiles(columns: Sequence[str], wanted: str | None) -> str | None:
    found = _pick(columns, wanted, SMILES_COLUMNS)
    if found is not None or wanted is not None:
        return found
    named = [c for c in columns if "smiles" in str(c).lower()]
    return named[0] if len(named) == 1 else None


def _read_table(path: Path, lines: list[str], sep: str, **kwargs: Any) -> pd.DataFrame:
    text = "\n".join(lines)
    try:
        if sep == r"\s+":
            return pd.read_csv(io.StringIO(text), sep=sep, **kwargs)
        return pd.read_csv(io.StringIO(text), sep=sep, skipinitialspace=True, **kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise DataFileError(path, f"cannot be read as a table: {err}") from err


def _headerless_smiles_column(lines: list[str], sep: str) -> int | None:
    """Position of the SMILES field when the first line is a molecule, not a header."""
    first = _read_table(Path("."), lines[:1], sep, header=None, dtype=str)
    cells = [str(v) for v in first.iloc[0].tolist()]
    return next((i for i, cell in enumerate(cells) if _looks_like_smiles(cell)), None)


def _is_name(cell: str) -> bool:
    """Whether a cell that is no valid SMILES reads as a column name ("Mol1", "Structure"),
    not as a mistyped molecule ("C1CC", "c1cccc1"): it is no number, and without its digits
    (ring closures in a SMILES, a number in a name) RDKit does not read it as a SMILES even
    unsanitized."""
    text = cell.strip()
    if not text or _is_number(text):
        return False
    letters = re.sub(r"\d", "", text)
    with rdkit_messages():
        mol = chem().MolFromSmiles(letters, sanitize=False) if letters.strip() else None
    return mol is None or mol.GetNumAtoms() == 0


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_header(cells: list[Any], at: int) -> bool:
    """Whether a first line whose cell ``at`` is no molecule, above lines whose cells there
    all are, is a header: that cell reads as a name (:func:`_is_name`), and every other cell
    is text, not a number (names may hold digits: ``Mol1``, ``pIC50``), or empty (the index
    column of a table pandas wrote)."""
    texts = ["" if pd.isna(cell) else str(cell).strip() for cell in cells]
    others = [text for i, text in enumerate(texts) if i != at]
    return _is_name(texts[at]) and not any(_is_number(text) for text in others if text)


def _smiles_column_below(lines: list[str], sep: str, rows: int = 5) -> int | None:
    """Position of the field that is a SMILES in each of the next few lines (the first line's
    field there is then a header name, or a bad first molecule)."""
    below = lines[1 : 1 + rows]
    if not below:
        return None
    try:
        table = _read_table(Path("."), below, sep, header=None, dtype=str)
    except DataFileError:
        return None
    for i in range(table.shape[1]):
        if all(_looks_like_smiles(str(v)) for v in table.iloc[:, i].tolist()):
            return i
    return None


def _table_records(
    path: Path,
    lines: list[str],
    sep: str,
    smiles_column: str | None,
    id_column: str | None,
    line_numbers: list[int] | None = None,
) -> tuple[list[_Record], list[str]]:
    """The records of a table; ``row`` is the data row number, or the line number in the file
    where ``line_numbers`` (one a line of ``lines``) is given."""
    header = _read_table(path, lines[:1], sep, header=None, dtype=str).iloc[0].tolist()
    # an empty header cell (the index column pandas writes) is named as pandas names it
    columns = [f"Unnamed: {i}" if pd.isna(c) else str(c).strip() for i, c in enumerate(header)]
    column = _pick_smiles(columns, smiles_column)
    at = None
    if column is None and smiles_column is None:
        at = _headerless_smiles_column(lines, sep)
        below = _smiles_column_below(lines, sep) if at is None else None
        if below is not None and below < len(columns):
            if _is_header(header, below):
                column = columns[below]  # a header naming its SMILES column otherwise
                logger.info("%s: line 1 read as a header, its SMILES column %r", path, column)
            else:
                at = below  # no header, and the first molecule is not a valid one
    if column is None and at is None:
        what = f"has no column {smiles_column!r}" if smiles_column else "has no SMILES column"
        raise DataFileError(
            path,
            f"{what}; its columns are {columns}",
            hint="pass smiles_column= with one of them",
        )
    if at is not None:  # no header line: the first row is a molecule
        columns = [f"column_{i + 1}" for i in range(len(columns))]
        column = columns[at]
        body = lines
        # a header line of the right width, so that pandas checks each row's width against it
        head = (" " if sep == r"\s+" else sep).join(columns)
    else:
        body = lines[1:]
        head = lines[0]
    assert column is not None
    if not body:
        raise DataFileError(path, "has a header but no data rows")
    id_col = _pick(columns, id_column, ID_COLUMNS)
    if id_column is not None and id_col is None:
        raise DataFileError(path, f"has no column {id_column!r}; its columns are {columns}")
    text_columns = {column: str} | ({id_col: str} if id_col is not None else {})
    width = len(columns)
    at_smiles = columns.index(column)

    def too_many(fields: list[str]) -> list[str]:
        # a row with more fields than the header (e.g. an unquoted separator in a name) is a
        # bad row, reported with its text, not a row silently cut to the header's width
        kept = [""] * width
        kept[at_smiles] = _TOO_MANY + (" " if sep == r"\s+" else sep).join(fields)
        return kept

    table = _read_table(
        path,
        [head, *body],
        sep,
        header=0,
        names=columns,
        dtype=text_columns,
        engine="python",
        on_bad_lines=too_many,
    )
    if at is not None and id_col is None and at + 1 < len(columns):
        following = table[columns[at + 1]]
        if following.dtype == object or pd.api.types.is_string_dtype(following):
            id_col = columns[at + 1]
    extra = [c for c in columns if c != column and not (c == id_col and c == "id")]
    # columns pandas read as text only for the values of bad rows (a "7 nM" or an empty cell
    # of a row with too many fields): typed again, as SD fields are, once those rows are out
    retype = tuple(c for c in extra if c != id_col and not pd.api.types.is_numeric_dtype(table[c]))
    numbers = list(range(1, len(table) + 1))
    if line_numbers is not None:
        body_numbers = line_numbers if at is not None else line_numbers[1:]
        # one table row a line, unless a quote character joined lines: then data row numbers
        numbers = body_numbers if len(body_numbers) == len(table) else numbers
    records = []
    for number, row in zip(numbers, table.to_dict("records"), strict=True):
        value = row[column]
        smiles = "" if pd.isna(value) else str(value).strip()
        if smiles.startswith(_TOO_MANY):
            line = smiles[len(_TOO_MANY) :]
            reason = f"the row has more fields than the header's {width} ({columns})"
            records.append(_Record(number, line, str(number), {}, reason))
            continue
        ident = str(number)
        if id_col is not None and not pd.isna(row[id_col]):
            ident = str(row[id_col]).strip()
        fields = {c: row[c] for c in extra}
        fields["__retype__"] = retype
        records.append(_Record(number, smiles, ident, fields))
    return records, extra


def _smiles_records(
    path: Path, numbered: list[tuple[int, str]], smiles_column: str | None, id_column: str | None
) -> tuple[list[_Record], list[str]]:
    """The records of a SMILES file, ``row`` being the line number in the file (a ``#``
    comment line anywhere is skipped, and counted)."""
    numbered = [(n, line) for n, line in numbered if not line.lstrip().startswith("#")]
    numbers = [n for n, _ in numbered]
    lines = [line for _, line in numbered]
    first = lines[0].strip()
    sep = _separator(first, "\t") if any(s in first for s in _SEPARATORS) else r"\s+"
    tokens = [t.strip() for t in (first.split() if sep == r"\s+" else first.split(sep))]
    is_header = bool(tokens) and (
        (_pick_smiles(tokens, None) is not None and not _looks_like_smiles(tokens[0]))
        or (smiles_column is not None and smiles_column in tokens)
    )
    if is_header:
        if len(lines) == 1:
            raise DataFileError(path, "has a header but no molecules")
        if sep == r"\s+":
            # Daylight's convention holds under a header too: the last field is the rest of
            # the line (names with spaces), so split each line into the header's width.
            width = len(tokens)
            lines = ["\t".join(f.replace("\t", " ") for f in _fields(line, width))
                     for line in lines]  # fmt: skip
            sep = "\t"
        return _table_records(path, lines, sep, smiles_column, id_column, numbers)
    if smiles_column is not None:
        raise DataFileError(
            path,
            f"has no header line, so it has no column {smiles_column!r}",
            hint="leave smiles_column out: the first field of each line is the SMILES",
        )
    name_first = _name_before_smiles(lines)
    records = []
    for number, line in zip(numbers, lines, strict=True):
        # Daylight's convention: the SMILES, then the name (the rest of the line, or the next
        # tab-separated field in a tab-separated file); further tab-separated fields are kept
        # as columns named by their position, as in a headerless table. Some files (ZINC
        # exports, RDKit's cdk2.smi) put the name first: then the first two fields swap. A
        # CXSMILES extension ("C[C@H](F)Cl |&1:1| rac-1") belongs to the SMILES.
        parts = line.strip().split("\t") if "\t" in line else _fields(line, 2)
        if name_first and len(parts) > 1:
            parts[0], parts[1] = parts[1], parts[0]
        smiles = parts[0].strip() if parts else ""
        name = parts[1].strip() if len(parts) > 1 else ""
        more = {f"column_{k}": _number_or_text(v.strip()) for k, v in enumerate(parts[2:], 3)}
        records.append(_Record(number, smiles, name or str(number), more))
    return records, []


#: a field of a whitespace-separated line, with the CXSMILES extension ``|...|`` that follows it
_FIELD = re.compile(r"\S+(?:[ \t]+\|[^|]*\|(?=\s|$))?")


def _fields(line: str, width: int) -> list[str]:
    """The fields of a whitespace-separated line, at most ``width``: the last is the rest of
    the line (a name with spaces), and a CXSMILES extension ``|...|`` after a field stays with
    it (``"C[C@H](F)Cl |&1:1|"``: its enhanced stereo, which the SMILES alone lacks)."""
    fields: list[str] = []
    rest = line.strip()
    while rest and len(fields) < width - 1:
        match = _FIELD.match(rest)
        assert match is not None  # rest is stripped, so it starts with a non-space
        fields.append(match.group(0))
        rest = rest[match.end() :].lstrip()
    return [*fields, rest] if rest else fields


def _name_before_smiles(lines: list[str], rows: int = 5) -> bool:
    """Whether the first lines of a headerless SMILES file have the name first: in each, the
    first field is no SMILES and the second one is."""
    first = lines[:rows]
    for line in first:
        parts = line.strip().split("\t") if "\t" in line else line.strip().split()
        if len(parts) != 2 or _looks_like_smiles(parts[0]) or not _looks_like_smiles(parts[1]):
            return False
    return bool(first)


def _number_or_text(text: str) -> int | float | str:
    """A field of a headerless file as the number it spells, or as its text."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _sdf_records(path: Path, raw: bytes, id_column: str | None) -> list[_Record]:
    # a record ends at a line "$$$$" (some writers leave spaces after it)
    text = raw.replace(b"\r\n", b"\n")
    blocks = [part for b in _SD_END.split(text) if b.strip() for part in _split_molecules(b)]
    records = []
    for i, block in enumerate(blocks):
        title = _decode(block.split(b"\n", 1)[0]).strip()
        end = b"" if block.endswith(b"\n") else b"\n"
        records.append(_Record(i + 1, block + end + b"$$$$\n", title or str(i + 1), {}))
    if id_column is not None:
        for record in records:
            record.fields["__id_field__"] = id_column
    return records


_COUNTS_LINE = re.compile(rb"^.*V[23]000\s*$")


def _split_molecules(block: bytes) -> list[bytes]:
    """The molecules of one ``$$$$``-delimited block: more than one where a writer left out a
    ``$$$$`` line (a second ``M  END``). RDKit reads the first molecule of such a block and
    takes the rest for data fields, so the next molecule would be lost without a word; a
    molecule starts three lines (its header) before its counts line."""
    lines = block.split(b"\n")
    ends = [i for i, line in enumerate(lines) if line.rstrip() == b"M  END"]
    if len(ends) < 2:
        return [block]
    counts = [i for i, line in enumerate(lines) if _COUNTS_LINE.match(line)]
    nxt = next((i for i in counts if i > ends[0]), None)
    if nxt is None or nxt - 3 <= ends[0]:
        return [block]
    first, rest = b"\n".join(lines[: nxt - 3]), b"\n".join(lines[nxt - 3 :])
    logger.info("an SD record has no '$$$$' line after its molecule; read as two records")
    return [first, *_split_molecules(rest)]


def _parse(record: _Record, log: Any) -> tuple[Any, str, str, dict[str, Any]]:
    """Parse one record: ``(mol or None, input text, reason, SD fields)``."""
    Chem = chem()
    value = record.value
    if record.reason:
        return None, str(value), record.reason, {}
    if isinstance(value, bytes):
        supplier = Chem.ForwardSDMolSupplier(io.BytesIO(value), removeHs=True)
        mol = next(iter(supplier), None)
        title = _decode(value.split(b"\n", 1)[0]).strip()
        text = title or f"SD record {record.row}"
        if mol is None:
            return None, text, log.take() or "RDKit could not read this SD record", {}
        if mol.GetNumAtoms() == 0:
            return None, text, "the SD record has no atoms", {}
        # as text: RDKit would turn an identifier "007" into 7; _typed_sd_fields types columns
        props = mol.GetPropsAsDict(autoConvertStrings=False)
        fields = {k: v for k, v in props.items() if not k.startswith("_")}
        id_field = record.fields.get("__id_field__")
        if id_field is not None and mol.HasProp(id_field):
            # the text of the field: RDKit would turn an identifier "00123" into the number 123
            record.fields["__id_text__"] = mol.GetProp(id_field).strip()
        return mol, text, "", fields
    if value is not None and not isinstance(value, str) and hasattr(value, "GetNumAtoms"):
        if value.GetNumAtoms() == 0:
            return None, "<Mol>", "the molecule has no atoms", {}
        try:  # an unsanitized Mol is sanitized (a copy), a SMARTS query is refused
            mol = sanitized(value, "the molecule")
        except InputError as err:
            return None, describe(value), str(err), {}
        return Chem.Mol(mol), _smiles_of(mol), "", {}
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


_ZERO_PADDED = re.compile(r"^[+-]?0\d")


def _typed_sd_field(values: pd.Series) -> pd.Series:
    """An SD field's column as numbers where every value given is one, else as text: a column
    of "5.2", ">10", "n/a" stays text (sortable, nothing lost), and zero-padded identifiers
    such as "007" stay text."""
    given = values.dropna().astype(str).str.strip()
    given = given[given != ""]
    if given.empty or given.str.match(_ZERO_PADDED).any():
        return values
    numbers = pd.to_numeric(given, errors="coerce")
    if numbers.isna().any():
        return values
    out = pd.to_numeric(values.where(values.astype(str).str.strip() != ""), errors="coerce")
    whole = given.str.fullmatch(r"[+-]?\d+").all() and not out.isna().any()
    return out.astype("int64") if whole else out.astype("float64")


def _check_id_field(parsed: list[tuple[_Record, Any, str, dict[str, Any]]], label: str) -> None:
    """Refuse an SD ``id_column`` that not one valid record has (most likely a typo)."""
    id_field = parsed[0][0].fields.get("__id_field__") if parsed else None
    if id_field is None or any("__id_text__" in item[0].fields for item in parsed):
        return
    names = sorted({name for item in parsed for name in item[3]})
    raise DataFileError(label, f"no SD record has the field {id_field!r}; the fields are {names}")


def _column_name(name: str) -> str:
    """The column of :attr:`MoleculeSet.data` for an input column or SD field ``name``."""
    return f"{name}.1" if name in RESERVED_COLUMNS else name


def _smiles_of(mol: Any) -> str:
    """RDKit's canonical SMILES of ``mol``; a CXSMILES with its enhanced stereo (and no other
    extension, such as coordinates) where it has stereo groups (``C[C@H](F)Cl |&1:1|``: a
    racemate, which the SMILES alone would call one enantiomer)."""
    Chem = chem()
    if not mol.GetStereoGroups():
        return str(Chem.MolToSmiles(mol))
    fields = Chem.CXSmilesFields.CX_ENHANCEDSTEREO
    return str(Chem.MolToCXSmiles(mol, Chem.SmilesWriteParams(), fields))


def _build(
    records: list[_Record],
    extra: list[str],
    options: StandardizeOptions | None,
    label: str,
    progress: bool | None = None,
) -> MoleculeSet:
    from tqdm.auto import tqdm

    parsed: list[tuple[_Record, Any, str, dict[str, Any]]] = []
    errors: list[dict[str, Any]] = []
    # each molecule is standardized as soon as it is parsed: the parsed molecule is dropped at
    # once, so a large library is never held twice (RDKit needs ~20 kB a molecule)
    worker = standardizer(options) if options is not None else None
    what = "reading and standardizing" if worker is not None else "reading"
    bar = tqdm(
        records,
        desc=what,
        unit="mol",
        disable=progress is False,
        delay=2.0 if progress is None else 0.0,  # quick reads print nothing
    )
    with rdkit_messages() as log:
        for record in bar:
            mol, text, reason, fields = _parse(record, log)
            if mol is not None and worker is not None:
                mol, why = worker(mol, log)
                if mol is None or mol.GetNumAtoms() == 0:
                    mol = None
                    reason = f"standardization: {why or 'no atoms left after standardization'}"
            if mol is None:
                errors.append({"row": record.row, "input": text, "reason": reason})
            else:
                parsed.append((record, mol, text, fields))
    errors.sort(key=lambda e: e["row"])
    error_frame = pd.DataFrame(errors, columns=["row", "input", "reason"])
    if not parsed:
        shown = "; ".join(f"row {e['row']} {e['input']!r}: {e['reason']}" for e in errors[:5])
        raise DataFileError(label, f"none of the {len(records)} rows is a valid molecule ({shown})")
    _check_id_field(parsed, label)
    rows = []
    mols = []
    sd_fields: set[str] = set()
    for record, mol, text, fields in parsed:
        sd_fields.update(_column_name(key) for key in fields)
        # an SD record without the id field keeps its title (or record number)
        ident = record.fields.get("__id_text__") or record.id
        row: dict[str, Any] = {"row": record.row, "id": ident, "smiles": _smiles_of(mol)}
        row["input"] = text
        for key, value in [*record.fields.items(), *fields.items()]:
            if not key.startswith("__"):
                row[_column_name(key)] = value
        rows.append(row)
        mols.append(mol)
    data = pd.DataFrame(rows)
    retyped = {_column_name(c) for item in parsed for c in item[0].fields.get("__retype__", ())}
    for column in sorted((sd_fields | retyped) & set(data.columns)):
        data[column] = _typed_sd_field(data[column])
    return MoleculeSet(
        mols=mols,
        data=data.reset_index(drop=True),
        errors=error_frame,
        source=label,
        standardization=options.as_dict() if options is not None else None,
    )
