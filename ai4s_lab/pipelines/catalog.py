"""The run catalog: one SQLite row per run, written in transactions.

Only the sweep driver writes; workers return their results to it. SQLite in WAL mode with one
transaction per change means a crash of the driver, a worker or a kernel leaves the catalog as it
was after the last finished change: a row is either ``running`` (re-run on resume) or final.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from ai4s_lab.errors import DataFileError
from ai4s_lab.pipelines.manifest import file_sha256, finite

__all__ = ["CATALOG_NAME", "RUNS_DIRNAME", "RunCatalog", "read_catalog", "superseded"]

logger = logging.getLogger(__name__)

CATALOG_NAME = "catalog.sqlite"
#: The folder beside the catalog that holds one folder a run, named by its run id.
RUNS_DIRNAME = "runs"
SCHEMA_VERSION = 2
#: Characters of a failed run's cell and error shown in :meth:`RunCatalog.to_frame`.
ERROR_CHARS = 60
_JSON_COLUMNS = ("parameters", "error", "recorded", "packages", "device", "data_files")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id      TEXT PRIMARY KEY,
    sweep       TEXT NOT NULL,
    position    INTEGER NOT NULL,
    notebook    TEXT NOT NULL,
    notebook_sha256 TEXT NOT NULL,
    parameters  TEXT NOT NULL,
    data_files  TEXT NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    started     TEXT,
    finished    TEXT,
    duration_s  REAL,
    error       TEXT,
    recorded    TEXT NOT NULL DEFAULT '{}',
    output_dir  TEXT,
    report      TEXT,
    packages    TEXT NOT NULL DEFAULT '{}',
    device      TEXT NOT NULL DEFAULT '{}',
    updated     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs(status);
CREATE TABLE IF NOT EXISTS sweep_runs (
    sweep       TEXT NOT NULL,
    run_id      TEXT NOT NULL REFERENCES runs(run_id),
    position    INTEGER NOT NULL,
    PRIMARY KEY (sweep, run_id)
);
"""
# A run belongs to every sweep that asked for it (its id is the hash of its inputs, so two sweeps
# of one folder can share it); runs.sweep/position stay those of the first sweep. Catalogs from
# before version 2 get their memberships from those columns.
_ADOPT_MEMBERSHIPS = """
INSERT OR IGNORE INTO sweep_runs (sweep, run_id, position) SELECT sweep, run_id, position FROM runs;
"""
_SWEEP_OF_RUN = (
    "SELECT runs.*, (SELECT json_group_array(sweep) FROM"
    " (SELECT sweep FROM sweep_runs s WHERE s.run_id = runs.run_id ORDER BY sweep)) AS sweeps"
    " FROM runs"
)
_COLUMNS = frozenset(
    line.split()[0]
    for line in _SCHEMA.split("(", 1)[1].splitlines()
    if line.strip() and line.split()[0].islower()
)


class RunCatalog:
    """The SQLite catalog of a sweep folder (``catalog.sqlite``).

    Parameters
    ----------
    path
        The database file, or the folder that holds (or will hold) ``catalog.sqlite``.
    create
        Create the file if it does not exist (otherwise a missing catalog is an error).
    """

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        target = Path(path).resolve()  # the process's working directory may change meanwhile
        if target.is_file() and target.suffix != ".sqlite":
            raise DataFileError(
                target,
                "is a file, not a sweep folder or a run catalog",
                hint=f"give a sweep's output folder, or the {CATALOG_NAME} in it",
            )
        if target.is_dir() or target.suffix != ".sqlite":
            target = target / CATALOG_NAME
        if not target.exists() and not create:
            raise DataFileError(
                target, "no run catalog here", hint="give the output folder of a sweep"
            )
        if target.exists() and not target.is_file():
            raise DataFileError(
                target, "is a folder, not a run catalog", hint="give a sweep folder"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        self.path = target
        try:
            with closing(self._open()) as conn:
                _check_not_foreign(target, conn, existing=not create)
                conn.executescript(
                    _SCHEMA + _ADOPT_MEMBERSHIPS + f"PRAGMA user_version = {SCHEMA_VERSION};"
                )
        except sqlite3.DatabaseError as err:  # not SQLite at all, or damaged
            raise DataFileError(
                target,
                f"cannot be opened as a run catalog ({err})",
                hint="give the output folder of a sweep; move a damaged catalog away and run "
                "the sweep again to rebuild it: finished runs are adopted, not repeated",
            ) from err

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        return conn

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with closing(self._open()) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def add_pending(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert runs as ``pending``; runs already in the catalog keep their row and join the
        sweep named in ``rows`` (at the position given there)."""
        with self._connect() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO sweep_runs (sweep, run_id, position) VALUES (?, ?, ?)",
                [(row["sweep"], row["run_id"], row["position"]) for row in rows],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO runs (run_id, sweep, position, notebook, notebook_sha256,"
                " parameters, data_files, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')",
                [
                    (
                        row["run_id"],
                        row["sweep"],
                        row["position"],
                        row["notebook"],
                        row["notebook_sha256"],
                        json.dumps(finite(row["parameters"]), sort_keys=True),
                        json.dumps(row.get("data_files", {}), sort_keys=True),
                    )
                    for row in rows
                ],
            )

    def mark_running(self, run_id: str, started: str) -> None:
        """A run was handed to an executor."""
        with self._connect() as conn:
            conn.execute(
                "UPDATE runs SET status = 'running', started = ?, attempts = attempts + 1,"
                " updated = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE run_id = ?",
                (started, run_id),
            )

    def mark_pending(self, run_id: str) -> None:
        """A run handed to an executor never started (the sweep was interrupted first): it is
        pending again, and that hand-over does not count as an attempt."""
        with self._connect() as conn:
            conn.execute(
                "UPDATE runs SET status = 'pending', started = NULL,"
                " attempts = MAX(attempts - 1, 0),"
                " updated = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
                " WHERE run_id = ? AND status = 'running'",
                (run_id,),
            )

    def finish(self, run_id: str, manifest: Mapping[str, Any], output_dir: str) -> None:
        """Record the final state of a run from its manifest."""
        with self._connect() as conn:
            conn.execute(
                "UPDATE runs SET status = ?, started = COALESCE(?, started), finished = ?,"
                " duration_s = ?, error = ?, recorded = ?, output_dir = ?, report = ?,"
                " packages = ?, device = ?, updated = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
                " WHERE run_id = ?",
                (
                    manifest.get("status", "failed"),
                    manifest.get("started"),
                    manifest.get("finished"),
                    manifest.get("duration_s"),
                    json.dumps(finite(manifest["error"])) if manifest.get("error") else None,
                    json.dumps(finite(manifest.get("recorded", {}))),
                    output_dir,
                    manifest.get("report"),
                    json.dumps(manifest.get("packages", {})),
                    json.dumps(manifest.get("device", {})),
                    run_id,
                ),
            )

    def get(self, run_id: str) -> dict[str, Any] | None:
        """One run as a dict (JSON columns decoded), or None."""
        with self._connect() as conn:
            row = conn.execute(_SWEEP_OF_RUN + " WHERE run_id = ?", (run_id,)).fetchone()
        return _decode(row, self.path.parent) if row is not None else None

    def runs(self, sweep: str | None = None) -> list[dict[str, Any]]:
        """All runs, each once, in the order of the sweep that first asked for it; or the runs of
        one sweep, in its order (a run shared with another sweep included; its ``sweep`` and
        ``position`` are then this sweep's). Each run's ``sweeps`` lists every sweep it is in."""
        with self._connect() as conn:
            if sweep is None:
                rows = conn.execute(_SWEEP_OF_RUN + " ORDER BY sweep, position").fetchall()
            else:
                rows = conn.execute(
                    f"SELECT mine.*, member.position AS position_in_sweep"
                    f" FROM ({_SWEEP_OF_RUN}) AS mine JOIN sweep_runs AS member"
                    " USING (run_id) WHERE member.sweep = ? ORDER BY member.position",
                    (sweep,),
                ).fetchall()
                decoded = [_decode(row, self.path.parent) for row in rows]
                return [
                    {**run, "sweep": sweep, "position": run.pop("position_in_sweep")}
                    for run in decoded
                ]
        return [_decode(row, self.path.parent) for row in rows]

    def to_frame(self, sweep: str | None = None) -> Any:
        """The catalog as a ``pandas.DataFrame``: one row a run, parameters and recorded
        scalars as columns (``param.NAME``, ``rec.NAME``).

        Where a run failed, ``failed_cell`` names the cell it failed in (``cell In [4] (first
        line)``, see :func:`~ai4s_lab.pipelines.runner.failed_cell`) and ``error`` says
        ``ename: evalue``, both cut to :data:`ERROR_CHARS` characters, as the last columns;
        both are missing (NaN) for the other runs, and absent where no run failed.
        """
        import pandas as pd

        from ai4s_lab.pipelines.runner import failed_cell

        records = []
        for run in self.runs(sweep):
            flat = {k: run[k] for k in ("run_id", "sweep", "status", "duration_s", "attempts")}
            error = run.get("error")
            if run["status"] == "failed" and error:
                flat["failed_cell"] = _clip(failed_cell(error))
                flat["error"] = _clip(f"{error.get('ename')}: {error.get('evalue')}")
            if run.get("problems"):
                flat["problems"] = "; ".join(run["problems"])
            flat.update({f"param.{k}": v for k, v in run["parameters"].items()})
            for name, value in run["recorded"].items():
                if value is None or isinstance(value, (int, float, str, bool)):
                    flat[f"rec.{name}"] = value
            records.append(flat)
        frame = pd.DataFrame.from_records(records)
        # why a run failed comes last, as in the index
        last = [name for name in ("failed_cell", "error") if name in frame.columns]
        return frame[[c for c in frame.columns if c not in last] + last]


def read_catalog(path: str | Path) -> list[dict[str, Any]]:
    """Every run of a catalog file, opened read-only (nothing is created or locked for writing).

    Returns an empty list for a file that is not a run catalog.
    """
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True, timeout=10)) as conn:
            conn.row_factory = sqlite3.Row
            has_memberships = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sweep_runs'"
            ).fetchone()
            query = _SWEEP_OF_RUN if has_memberships else "SELECT * FROM runs"
            rows = conn.execute(query + " ORDER BY sweep, position").fetchall()
    except sqlite3.DatabaseError:
        return []
    return [_decode(row, Path(path).resolve().parent) for row in rows]


def superseded(runs: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The runs made with an earlier version of their notebook (the file has changed since):
    run id -> why. A notebook no longer at its recorded path (a moved folder) marks nothing."""
    hashes: dict[str, str | None] = {}
    stale = {}
    for run in runs:
        notebook = str(run.get("notebook") or "")
        if notebook not in hashes:
            try:
                hashes[notebook] = file_sha256(notebook) if notebook else None
            except OSError:
                hashes[notebook] = None
        current = hashes[notebook]
        if current is not None and run.get("notebook_sha256") != current:
            stale[str(run["run_id"])] = "an earlier version of the notebook"
    return stale


def _clip(text: str, limit: int = ERROR_CHARS) -> str:
    """``text`` on one line, cut to ``limit`` characters (ending in "...")."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3].rstrip() + "..."


def _check_not_foreign(path: Path, conn: sqlite3.Connection, *, existing: bool = False) -> None:
    """Refuse a SQLite file whose ``runs`` table is another program's; where the catalog must
    already exist (``existing``), refuse a non-empty SQLite file with no ``runs`` table too,
    rather than add the catalog's tables to another program's database."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(runs)")}
    if existing and not columns and path.stat().st_size > 0:
        raise DataFileError(
            path,
            "is an SQLite file with no 'runs' table, not a run catalog",
            hint="give the output folder of a sweep",
        )
    missing = sorted(_COLUMNS - columns)
    if columns and missing:
        raise DataFileError(
            path,
            f"has a 'runs' table that is not a run catalog's (no columns {', '.join(missing)})",
            hint="give the output folder of a sweep",
        )


def _decode(row: sqlite3.Row, folder: Path) -> dict[str, Any]:
    """A catalog row of the catalog in ``folder``, with its JSON columns decoded.

    A column that is not valid JSON (a damaged or hand-edited row) is left empty and named in
    the row's ``problems`` list, so one bad row never hides the others. A run folder recorded
    at a path that no longer exists, while ``folder/runs/<run id>`` does, is given at the
    latter: the sweep folder was moved or copied (from a cluster, say) after the run.
    """
    data = dict(row)
    moved = folder / RUNS_DIRNAME / str(data.get("run_id"))
    if data.get("output_dir") and not Path(data["output_dir"]).exists() and moved.is_dir():
        data["output_dir"] = str(moved)
    data["sweeps"] = json.loads(data["sweeps"]) if data.get("sweeps") else [data["sweep"]]
    problems = []
    for column in _JSON_COLUMNS:
        raw = data.get(column)
        if raw is None:
            continue
        try:
            value = json.loads(raw)
        except (TypeError, ValueError):
            value = None
        if not isinstance(value, dict):
            problems.append(f"column {column!r} is not a JSON object: {str(raw)[:60]!r}")
            value = None if column == "error" else {}
        data[column] = value
    if problems:
        data["problems"] = problems
        logger.warning("run %s of the catalog: %s", data.get("run_id"), "; ".join(problems))
    return data
