"""The run catalog and the sweep index with damaged, foreign and uneven input (no kernels)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ai4s_lab.errors import DataFileError
from ai4s_lab.pipelines import RunCatalog, write_index
from ai4s_lab.pipelines.catalog import read_catalog


def _rows(n: int) -> list[dict[str, object]]:
    return [
        {"run_id": f"r{i}", "sweep": "s", "position": i, "notebook": "nb.ipynb",
         "notebook_sha256": "0" * 64, "parameters": {"n": i}}
        for i in range(n)
    ]  # fmt: skip


def test_a_file_that_is_not_sqlite_is_a_data_file_error(tmp_path: Path) -> None:
    junk = tmp_path / "catalog.sqlite"
    junk.write_text("not a database, just text\n" * 100)
    with pytest.raises(DataFileError, match="cannot be opened as a run catalog"):
        RunCatalog(tmp_path)


def test_another_programs_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE runs (id INTEGER, name TEXT)")
    with pytest.raises(DataFileError, match="'runs' table that is not a run catalog's"):
        RunCatalog(path)
    with sqlite3.connect(path) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(runs)")]
    assert columns == ["id", "name"]


def test_a_damaged_row_is_reported_and_the_others_kept(tmp_path: Path) -> None:
    catalog = RunCatalog(tmp_path)
    catalog.add_pending(_rows(3))
    with sqlite3.connect(catalog.path) as conn:
        conn.execute("UPDATE runs SET parameters = '{broken' WHERE run_id = 'r1'")
        conn.execute("UPDATE runs SET recorded = '[1, 2]' WHERE run_id = 'r2'")
    for runs in (catalog.runs(), read_catalog(catalog.path)):
        assert [r["run_id"] for r in runs] == ["r0", "r1", "r2"]
        assert "problems" not in runs[0] and runs[0]["parameters"] == {"n": 0}
        assert runs[1]["parameters"] == {} and "'parameters'" in runs[1]["problems"][0]
        assert runs[2]["recorded"] == {} and "'recorded'" in runs[2]["problems"][0]
    frame = catalog.to_frame()
    assert len(frame) == 3 and frame["problems"].notna().tolist() == [False, True, True]
    page = write_index(tmp_path, catalog.runs(), title="t").read_text()
    assert "column &#x27;parameters&#x27; is not a JSON object" in page


def test_index_of_runs_with_missing_and_structured_parameters(tmp_path: Path) -> None:
    """A CSV list leaves a parameter at its default in some rows (absent from those runs); a
    parameter may be a dict. Charts must still be drawn for every recorded number."""
    runs = [
        {"run_id": "a" * 16, "position": 0, "status": "succeeded",
         "parameters": {"n": 1, "opts": {"k": 1}}, "recorded": {"err": 0.5}},
        {"run_id": "b" * 16, "position": 1, "status": "succeeded",
         "parameters": {"opts": {"k": 2}}, "recorded": {"err": 0.25}},
        {"run_id": "c" * 16, "position": 2, "status": "succeeded",
         "parameters": {"n": 3, "opts": {"k": 1}}, "recorded": {"err": 0.125}},
    ]  # fmt: skip
    page = write_index(tmp_path, runs, title="uneven").read_text()
    assert "err vs n" in page and "err vs opts" in page
    assert page.count("<tr>") == 1 + len(runs)


def test_a_run_shared_by_two_sweeps_is_listed_in_both(tmp_path: Path) -> None:
    """Run ids hash the inputs, so a second sweep of the folder that asks for a run the first
    already has shares that run: ``runs(sweep)`` must list it for both, in each one's order."""
    catalog = RunCatalog(tmp_path)
    first, second = _rows(2), _rows(3)[1:]
    for position, row in enumerate(second):
        row.update(sweep="t", position=position)
    catalog.add_pending(first)
    catalog.add_pending(second)
    assert [(r["run_id"], r["position"]) for r in catalog.runs("s")] == [("r0", 0), ("r1", 1)]
    assert [(r["run_id"], r["position"]) for r in catalog.runs("t")] == [("r1", 0), ("r2", 1)]
    assert {r["sweep"] for r in catalog.runs("t")} == {"t"}
    everything = catalog.runs()
    assert [r["run_id"] for r in everything] == ["r0", "r1", "r2"]  # each run once
    assert [r["sweeps"] for r in everything] == [["s"], ["s", "t"], ["t"]]
    assert [r["sweeps"] for r in read_catalog(catalog.path)] == [["s"], ["s", "t"], ["t"]]
    assert catalog.to_frame("t")["run_id"].tolist() == ["r1", "r2"]


def test_a_catalog_from_before_shared_runs_is_adopted(tmp_path: Path) -> None:
    """Version 1 catalogs had no membership table: read-only listing still works, and opening
    one for writing derives each run's sweep from its row."""
    catalog = RunCatalog(tmp_path)
    catalog.add_pending(_rows(2))
    with sqlite3.connect(catalog.path) as conn:
        conn.execute("DROP TABLE sweep_runs")
        conn.execute("PRAGMA user_version = 1")
    assert [r["sweeps"] for r in read_catalog(catalog.path)] == [["s"], ["s"]]
    reopened = RunCatalog(tmp_path)
    assert [r["run_id"] for r in reopened.runs("s")] == ["r0", "r1"]
    with sqlite3.connect(catalog.path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2


def test_a_moved_sweep_folder_still_links_its_runs(tmp_path: Path) -> None:
    """Run folders are recorded at absolute paths; after the sweep folder is moved (copied back
    from a cluster, say) each run is found at ``runs/<run id>`` beside the catalog."""
    first = tmp_path / "on-cluster"
    catalog = RunCatalog(first)
    catalog.add_pending(_rows(2))
    for i in range(2):
        run = first / "runs" / f"r{i}"
        run.mkdir(parents=True)
        (run / "tiny.html").write_text("<p>report</p>")
        manifest = {"status": "succeeded", "report": "tiny.html", "recorded": {"v": i}}
        catalog.finish(f"r{i}", manifest, str(run))
    moved = first.rename(tmp_path / "here")
    for runs in (RunCatalog(moved).runs(), read_catalog(moved / "catalog.sqlite")):
        assert [r["output_dir"] for r in runs] == [str(moved / "runs" / f"r{i}") for i in range(2)]
    page = write_index(moved, RunCatalog(moved).runs(), title="t").read_text()
    assert "href='runs/r0/tiny.html'" in page and "href='runs/r1/tiny.html'" in page


def test_the_frame_and_the_listing_say_why_a_run_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ai4s_lab.cli import main

    catalog = RunCatalog(tmp_path)
    catalog.add_pending(_rows(3))
    catalog.finish("r0", {"status": "succeeded", "recorded": {"v": 1.5}}, str(tmp_path / "r0"))
    error = {"cell_index": 2, "execution_count": 3, "ename": "ValueError",
             "evalue": "bad x=1 " + "and more " * 20,
             "source": "raise ValueError(f'bad x={x}')"}  # fmt: skip
    catalog.finish("r1", {"status": "failed", "error": error}, str(tmp_path / "r1"))
    lost = {"cell_index": None, "execution_count": None, "ename": "KilledWorker",
            "evalue": "gone", "source": ""}  # fmt: skip
    catalog.finish("r2", {"status": "failed", "error": lost}, str(tmp_path / "r2"))
    frame = catalog.to_frame()
    assert frame.columns.tolist()[-2:] == ["failed_cell", "error"]  # last, as in the index
    cells = frame["failed_cell"].tolist()
    assert cells[1:] == ["cell In [3] (raise ValueError(f'bad x={x}'))", "the run"]
    assert frame["error"][1].startswith("ValueError: bad x=1 and more")
    assert frame["error"][1].endswith("...") and len(frame["error"][1]) == 60
    assert frame["error"][2] == "KilledWorker: gone"
    assert frame[["failed_cell", "error"]].iloc[0].isna().all()
    assert "failed_cell" not in catalog.to_frame("nope").columns  # no failed run, no column

    assert main(["runs", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[-2:] == ["failed_cell", "error"]
    assert "NaN" not in lines[2] and lines[2].split()[-1] == "1.5"  # blank for the succeeded run
    assert "cell In [3] (raise ValueError(f'bad x={x}')) ValueError: bad x=1" in lines[3]
    assert lines[4].split()[-4:] == ["the", "run", "KilledWorker:", "gone"]


def test_a_file_that_is_not_a_catalog_is_named_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``runs FILE`` / ``report FILE`` said ``FILE/catalog.sqlite: no run catalog here``; an
    SQLite file of another program was given the catalog's tables."""
    from ai4s_lab.cli import main

    grid = tmp_path / "grid.yaml"
    grid.write_text("x: [1]\n")
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE points (x REAL)")
    for command in ("runs", "report"):
        assert main([command, str(grid)]) == 2
        err = capsys.readouterr().err
        assert f"{grid}: is a file, not a sweep folder or a run catalog" in err
        assert "give a sweep's output folder, or the catalog.sqlite in it" in err
        assert main([command, str(other)]) == 2
        assert f"{other}: is an SQLite file with no 'runs' table" in capsys.readouterr().err
    with sqlite3.connect(other) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master")]
    assert tables == ["points"]
    assert not (tmp_path / "index.html").exists()
