"""REST handlers of the AI4S Lab server extension (see :mod:`ai4s_lab.server`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from ai4s_lab.pipelines.catalog import CATALOG_NAME, read_catalog
from ai4s_lab.pipelines.manifest import MANIFEST_NAME, read_manifest
from ai4s_lab.server.paths import OutsideRootError, resolve_inside
from ai4s_lab.templates import list_templates

__all__ = ["RunsHandler", "TemplatesHandler", "setup_handlers"]

_MAX_RUNS = 2000


class _Base(APIHandler):
    @property
    def root(self) -> Path:
        return Path(self.settings["ai4s_root_dir"])

    def _inside(self, relative: str) -> Path:
        try:
            return resolve_inside(self.root, relative)
        except OutsideRootError as err:
            raise tornado.web.HTTPError(403, str(err)) from err

    def _api_path(self, path: Path) -> str | None:
        """``path`` relative to the root, or None when it lies outside."""
        try:
            relative = Path(path).resolve().relative_to(self.root.resolve())
        except ValueError:
            return None
        return relative.as_posix()


class RunsHandler(_Base):
    """``GET /ai4s-lab/runs?path=DIR``: the pipeline runs in ``DIR`` (read-only).

    Reads ``DIR/catalog.sqlite`` and the catalogs one level down (sweep folders), and the
    ``run.json`` of single runs in ``DIR`` and one level down.
    """

    @tornado.web.authenticated
    def get(self) -> None:
        relative = self.get_query_argument("path", "")
        folder = self._inside(relative)
        if not folder.is_dir():
            raise tornado.web.HTTPError(404, f"no folder {relative!r} in the server root")
        runs: list[dict[str, Any]] = []
        for catalog in [folder / CATALOG_NAME, *sorted(folder.glob(f"*/{CATALOG_NAME}"))]:
            if catalog.is_file() and self._api_path(catalog) is not None:
                runs += [self._from_catalog(row, catalog) for row in read_catalog(catalog)]
        seen = {run["folder"] for run in runs if run["folder"]}
        for manifest in [folder / MANIFEST_NAME, *sorted(folder.glob(f"*/{MANIFEST_NAME}"))]:
            location = self._api_path(manifest.parent)
            # the file itself must resolve inside the root too: a run.json may be a symlink
            inside = location is not None and self._api_path(manifest) is not None
            if manifest.is_file() and inside and location not in seen:
                runs.append(self._from_manifest(manifest))
        self.finish(json.dumps({"path": self._api_path(folder), "runs": runs[:_MAX_RUNS]}))

    def _from_catalog(self, row: dict[str, Any], catalog: Path) -> dict[str, Any]:
        folder = self._api_path(Path(row["output_dir"])) if row.get("output_dir") else None
        report = f"{folder}/{row['report']}" if folder and row.get("report") else None
        return {
            "source": self._api_path(catalog),
            "sweep": "+".join(row["sweeps"]),
            "run_id": row["run_id"],
            "status": row["status"],
            "parameters": row["parameters"],
            "recorded": _scalars(row.get("recorded") or {}),
            "duration_s": row.get("duration_s"),
            "finished": row.get("finished"),
            "error": row.get("error"),
            "folder": folder,
            "report": report,
        }

    def _from_manifest(self, path: Path) -> dict[str, Any]:
        folder = self._api_path(path.parent)
        try:
            data = read_manifest(path)
            if not isinstance(data, dict):
                raise ValueError(f"a JSON {type(data).__name__}, not an object")
        except (OSError, ValueError) as err:  # one damaged run.json never hides the others
            data = {
                "status": "unreadable",
                "error": {"ename": type(err).__name__, "evalue": f"{MANIFEST_NAME}: {err}"},
            }
        return {
            "source": self._api_path(path),
            "sweep": None,
            "run_id": path.parent.name,
            "status": data.get("status"),
            "parameters": _mapping(data.get("parameters")),
            "recorded": _scalars(_mapping(data.get("recorded"))),
            "duration_s": data.get("duration_s"),
            "finished": data.get("finished"),
            "error": _mapping(data.get("error")) or None,
            "folder": folder,
            "report": f"{folder}/{data['report']}" if data.get("report") else None,
        }


class TemplatesHandler(_Base):
    """``GET /ai4s-lab/templates``: the lab notebooks; ``POST`` ``{"name", "dir"}`` copies one
    into ``dir`` (a new name if the file exists) and answers ``{"path"}``."""

    @tornado.web.authenticated
    def get(self) -> None:
        items = [
            {"name": t.name, "title": t.title, "description": t.description}
            for t in list_templates()
        ]
        self.finish(json.dumps({"templates": items}))

    @tornado.web.authenticated
    def post(self) -> None:
        body = self.get_json_body() or {}
        name = str(body.get("name", ""))
        known = {t.name: t for t in list_templates()}
        if name not in known:
            raise tornado.web.HTTPError(404, f"no template named {name!r}")
        folder = self._inside(str(body.get("dir", "")))
        if not folder.is_dir():
            raise tornado.web.HTTPError(404, "the target folder does not exist")
        target = _create_new(folder, name)
        with open(known[name].path, "rb") as source, target.open("wb") as copy:
            shutil.copyfileobj(source, copy)
        self.set_status(201)
        self.finish(json.dumps({"path": self._api_path(target)}))


def _create_new(folder: Path, name: str) -> Path:
    """Create an empty file ``folder/name`` (``stem-1.ipynb``, ``stem-2.ipynb``, … where that
    exists) and return its path. Exclusive creation never follows a symlink, so a link planted
    under the name cannot make the copy land outside the root."""
    target, n = folder / name, 1
    while True:
        try:
            with target.open("xb"):
                return target
        except FileExistsError:
            target = folder / f"{Path(name).stem}-{n}{Path(name).suffix}"
            n += 1


def _mapping(value: Any) -> dict[str, Any]:
    """A manifest field that should be a JSON object (a hand-edited file may hold null)."""
    return value if isinstance(value, dict) else {}


def _scalars(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is None or isinstance(v, (int, float, str, bool))}


def setup_handlers(web_app: Any, *, root_dir: str) -> None:
    """Register the handlers under ``<base_url>/ai4s-lab/``."""
    base = web_app.settings["base_url"]
    web_app.settings["ai4s_root_dir"] = root_dir
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "ai4s-lab", "runs"), RunsHandler),
            (url_path_join(base, "ai4s-lab", "templates"), TemplatesHandler),
        ],
    )
