"""Files a run wrote into its notebook's folder: found by comparing two snapshots of the folder,
and copied into the run folder so that the next run of the notebook cannot overwrite them.

A notebook runs with its own folder as working directory (so that it finds the data beside it);
a file it writes with a relative path (``plt.savefig("fig.png")``) lands there, shared by every
run of the notebook, instead of in its run folder (``os.environ["AI4S_RUN_DIR"]``).
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ai4s_lab.pipelines.catalog import CATALOG_NAME
from ai4s_lab.pipelines.manifest import MANIFEST_NAME

__all__ = ["MAX_SCANNED", "STRAY_DIRNAME", "Snapshot", "copy_stray_files", "folder_snapshot"]

logger = logging.getLogger(__name__)

#: Folder of a run folder that holds the copies of the files the run wrote beside its notebook.
STRAY_DIRNAME = "files"
#: Folder entries looked at in one snapshot; a larger notebook folder is not checked.
MAX_SCANNED = 20_000
#: Bytes copied for one run; larger files written beside the notebook are listed, not copied.
MAX_COPIED_BYTES = 1 << 30

#: Path relative to the scanned folder (POSIX) -> (modification time in ns, size in bytes).
Snapshot = dict[str, tuple[int, int]]
#: Names never looked at: Python's caches, and a sweep's catalog with the files SQLite keeps
#: beside it (the sweep driver writes them while runs execute, also where the sweep folder is
#: the notebook's own folder).
_SKIPPED_NAMES = frozenset(
    ["__pycache__"] + [CATALOG_NAME + suffix for suffix in ("", "-wal", "-shm", "-journal")]
)


def folder_snapshot(
    root: Path, skip: Iterable[Path] = (), limit: int = MAX_SCANNED
) -> Snapshot | None:
    """Name, modification time and size of every file under ``root``, its subfolders included.

    Hidden files and folders, ``__pycache__``, symbolic links, the files and folders in ``skip``,
    the folders of runs and sweeps (holding a ``run.json`` or a ``catalog.sqlite``) and sweep
    catalogs (``catalog.sqlite`` and SQLite's files beside it) are left out.
    Returns None when ``root`` holds more than ``limit`` entries (a home folder, say).
    """
    top = root.resolve()
    skipped = {Path(path).resolve() for path in skip}
    if top in skipped:
        return {}
    found: Snapshot = {}
    scanned = 0
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:  # removed meanwhile, or not readable: nothing of the run's
            continue
        if folder != top and {MANIFEST_NAME, CATALOG_NAME} & {entry.name for entry in entries}:
            continue  # another run's folder, or a sweep's
        scanned += len(entries)
        if scanned > limit:
            return None
        for entry in entries:
            if entry.name.startswith(".") or entry.name in _SKIPPED_NAMES:
                continue
            if Path(entry.path) in skipped:
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    stat = entry.stat(follow_symlinks=False)
                    relative = Path(entry.path).relative_to(top).as_posix()
                    found[relative] = (stat.st_mtime_ns, stat.st_size)
            except OSError:
                continue
    return found


def copy_stray_files(
    root: Path, before: Snapshot | None, run_folder: Path, skip: Iterable[Path] = ()
) -> list[dict[str, Any]]:
    """Copy the files created or changed under ``root`` since ``before`` into
    ``run_folder/files/`` (same relative paths) and log a warning naming them.

    Returns one entry a file for the manifest: ``path`` (relative to ``root``), ``bytes`` and
    ``copy`` (relative to ``run_folder``; None for a file not copied). Nothing is checked when
    ``before`` is None (the folder was too large to scan).
    """
    if before is None:
        return []
    after = folder_snapshot(root, skip)
    if after is None:
        logger.warning(
            "%s: the notebook's folder now holds more than %d entries; files the run wrote "
            "there were not looked for. Write outputs to os.environ['AI4S_RUN_DIR']",
            root, MAX_SCANNED,
        )  # fmt: skip
        return []
    changed = sorted(path for path, sig in after.items() if before.get(path) != sig)
    if not changed:
        return []
    entries: list[dict[str, Any]] = []
    budget = MAX_COPIED_BYTES
    for relative in changed:
        size = after[relative][1]
        copy: str | None = None
        if size <= budget:
            target = run_folder / STRAY_DIRNAME / relative
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / relative, target)
            except OSError as err:  # removed again by the notebook, say
                logger.debug("%s: not copied (%s)", relative, err)
            else:
                budget -= size
                copy = target.relative_to(run_folder).as_posix()
        entries.append({"path": relative, "bytes": size, "copy": copy})
    shown = ", ".join(entry["path"] for entry in entries[:5])
    more = f" and {len(entries) - 5} more" if len(entries) > 5 else ""
    left = [entry["path"] for entry in entries if entry["copy"] is None]
    logger.warning(
        "%s: the run wrote %d file(s) into the notebook's folder %s (%s%s); copied into %s%s. "
        "Every run of this notebook writes there, so the next run replaces them, and runs "
        "at once (a sweep with several workers) can replace each other's before the copy: "
        "write outputs to os.environ['AI4S_RUN_DIR'], the run's own folder",
        run_folder.name, len(entries), root, shown, more, run_folder / STRAY_DIRNAME,
        f" (not copied, over {MAX_COPIED_BYTES >> 20} MiB: {', '.join(left)})" if left else "",
    )  # fmt: skip
    return entries
