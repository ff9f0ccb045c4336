"""JupyterLab in headless Chromium for browser tests: start a server, open a notebook, run it.

The ``jupyter_lab`` fixture (tests/conftest.py) starts one JupyterLab per test session on
127.0.0.1 with a token and throw-away config/data/runtime/settings folders; files a test wants
to open are copied into ``server.root`` with :meth:`LabServer.add`.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# JupyterLab settings for tests: render every cell (no virtual scrolling), no network checks.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "checkForUpdates": False,
        "fetchNews": "false",
    },
}

_PANEL = "window.jupyterapp.shell.currentWidget"
_WORKSPACES = itertools.count(1)


@dataclass
class LabServer:
    """A running JupyterLab: its base URL, token, root folder, process and log file."""

    url: str
    token: str
    root: Path
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str] = field(default_factory=dict)

    def add(self, source: Path, name: str | None = None) -> str:
        """Copy a file (or folder) into the server root; return its path relative to the root."""
        target = self.root / (name or source.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target)
        return target.relative_to(self.root).as_posix()

    def api(
        self, path: str, *, token: bool = True, method: str = "GET", body: Any = None
    ) -> tuple[int, bytes]:
        """Request a server URL (relative to the base URL), with ``body`` sent as JSON;
        returns (status, body)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/{path.lstrip('/')}", method=method, data=data)
        if token:
            request.add_header("Authorization", f"token {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def shutdown_kernels(self) -> None:
        """Shut down every kernel of the server (each test's notebooks leave theirs running,
        holding memory and CPU that later tests would compete with)."""
        status, body = self.api("api/kernels")
        if status != 200:
            return
        for kernel in json.loads(body):
            self.api(f"api/kernels/{kernel['id']}", method="DELETE")


def with_parameters(source: Path, target: Path, values: dict[str, Any]) -> Path:
    """Write ``source`` to ``target`` with ``values`` injected after its parameters cell, as
    papermill does for a run (an "injected-parameters" cell). Names and types are checked
    against the parameters cell first."""
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from ai4s_lab.pipelines.parameters import check_parameters

    check_parameters(source, values)
    notebook = parameterize_notebook(load_notebook_node(str(source)), values)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_lab(base: Path, token: str = "ai4s-test-token", timeout: float = 90.0) -> LabServer:
    """Start JupyterLab on 127.0.0.1 with everything it writes kept under ``base``."""
    root = base / "root"
    root.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    for name, folder in {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTERLAB_SETTINGS_DIR": "settings",
        "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
        "IPYTHONDIR": "ipython",
    }.items():
        path = base / folder
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    for relative, values in LAB_SETTINGS.items():
        settings = base / "settings" / relative
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(json.dumps(values))
    port = free_port()
    log = base / "jupyterlab.log"
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
        "--ip", "127.0.0.1", "--port", str(port),
        f"--ServerApp.token={token}", "--ServerApp.password=",
        "--LabApp.expose_app_in_browser=True",
        "--FileContentsManager.delete_to_trash=False",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.disable_check_xsrf=False",
    ]  # fmt: skip
    with open(log, "wb") as handle:
        process = subprocess.Popen(
            command, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=root,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    server = LabServer(f"http://127.0.0.1:{port}", token, root, process, log, env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited early:\n{log.read_text()[-3000:]}")
        try:
            status, _ = server.api("api/status")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.5)
    stop_lab(server)
    raise RuntimeError(f"JupyterLab did not answer in {timeout} s:\n{log.read_text()[-3000:]}")


def stop_lab(server: LabServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)


def open_notebook(page: Any, server: LabServer, relpath: str, timeout: float = 90.0) -> None:
    """Open a notebook of the server root in JupyterLab and wait until its kernel is idle."""
    # A fresh workspace per page: otherwise JupyterLab restores notebooks of earlier tests.
    workspace = f"test-{next(_WORKSPACES)}"
    page.goto(f"{server.url}/lab/workspaces/{workspace}/tree/{relpath}?reset&token={server.token}")
    page.wait_for_function(
        f"() => {{ const p = window.jupyterapp && {_PANEL}; "
        f"return !!p && !!p.context && p.context.path === {json.dumps(relpath)}; }}",
        timeout=timeout * 1000,
    )
    wait_kernel_idle(page, timeout)


def wait_kernel_idle(page: Any, timeout: float = 90.0) -> None:
    """Wait until the current notebook's kernel reports ``idle``."""
    page.wait_for_function(
        f"() => {{ const p = {_PANEL}; const k = p && p.sessionContext && "
        "p.sessionContext.session && p.sessionContext.session.kernel; "
        "return !!k && k.status === 'idle'; }",
        timeout=timeout * 1000,
    )


def run_all_cells(page: Any, timeout: float = 180.0) -> list[str]:
    """Run every cell of the current notebook; wait until done or a cell fails.

    Returns
    -------
    list of str
        ``"ename: evalue"`` of each error output (empty when every cell ran).
    """
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        f"""() => {{
            const p = {_PANEL};
            const cells = p.content.widgets.filter(c => c.model.type === 'code');
            const failed = cells.some(c => c.model.outputs.toJSON()
                .some(o => o.output_type === 'error'));
            const kernel = p.sessionContext.session.kernel;
            const ran = cells.every(c => c.model.sharedModel.source.trim() === ''
                || c.model.executionCount !== null);
            return kernel.status === 'idle' && (failed || ran);
        }}""",
        timeout=timeout * 1000,
        polling=250,
    )
    errors: list[str] = page.evaluate(
        f"""() => {_PANEL}.content.widgets
            .filter(c => c.model.type === 'code')
            .flatMap(c => c.model.outputs.toJSON())
            .filter(o => o.output_type === 'error')
            .map(o => o.ename + ': ' + o.evalue)"""
    )
    return errors


def canvas_colours(page: Any, selector: str = "canvas", index: int = 0) -> int:
    """Number of distinct colours in a canvas, read from its pixels (0 when unreadable)."""
    from io import BytesIO

    from PIL import Image

    element = page.query_selector_all(selector)[index]
    png = element.screenshot()
    colours = Image.open(BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 22)
    return len(colours or [])


def open_file(
    page: Any, server: LabServer, relpath: str, selector: str, timeout: float = 60.0
) -> None:
    """Open a file of the server root in JupyterLab (as a double-click does, with its default
    viewer) and wait for ``selector`` to appear."""
    workspace = f"test-{next(_WORKSPACES)}"
    page.goto(f"{server.url}/lab/workspaces/{workspace}/tree/{relpath}?reset&token={server.token}")
    page.wait_for_selector(selector, timeout=timeout * 1000)


def open_in_lab(page: Any, relpath: str, selector: str, timeout: float = 60.0) -> None:
    """In a JupyterLab page already open (:func:`goto_lab`), close every document, open a file
    of the server root with its default viewer and wait for ``selector`` to appear. Saves the
    page load of :func:`open_file` when a test opens several files."""
    page.evaluate("() => window.jupyterapp.commands.execute('application:close-all')")
    page.wait_for_function(
        f"() => document.querySelectorAll({json.dumps(selector)}).length === 0",
        timeout=timeout * 1000,
    )
    page.evaluate(
        "(path) => window.jupyterapp.commands.execute('docmanager:open', {path})", relpath
    )
    page.wait_for_selector(selector, timeout=timeout * 1000)


def lattice_pdb(source: Path, min_atoms: int) -> tuple[str, int]:
    """A PDB text of at least ``min_atoms`` atoms: copies of ``source`` on a lattice 60 Å apart,
    each copy its own chain. Returns (text, number of atoms)."""
    lines = [
        line for line in source.read_text().splitlines() if line.startswith(("ATOM  ", "HETATM"))
    ]
    copies = -(-min_atoms // len(lines))
    out, serial = [], 0
    for copy in range(copies):
        dx, dy = 60.0 * (copy % 5), 60.0 * (copy // 5)
        chain = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[copy % 26]
        for line in lines:
            serial += 1
            x, y = float(line[30:38]) + dx, float(line[38:46]) + dy
            out.append(f"{line[:6]}{serial % 100000:5d}{line[11:21]}{chain}{line[22:30]}"
                       f"{x:8.3f}{y:8.3f}{line[46:]}")  # fmt: skip
    return "\n".join(out) + "\nEND\n", serial


def goto_lab(page: Any, server: LabServer, timeout: float = 60.0) -> None:
    """Open JupyterLab itself (a fresh workspace) and wait until the app has started."""
    workspace = f"test-{next(_WORKSPACES)}"
    page.goto(f"{server.url}/lab/workspaces/{workspace}?reset&token={server.token}")
    page.wait_for_function(
        "() => !!window.jupyterapp && window.jupyterapp.started !== undefined",
        timeout=timeout * 1000,
    )
    page.evaluate("() => window.jupyterapp.started")


_RUN_NEW_CELL = """async (code) => {
    const app = window.jupyterapp;
    const notebook = app.shell.currentWidget.content;
    notebook.activeCellIndex = notebook.widgets.length - 1;
    await app.commands.execute('notebook:insert-cell-below');
    notebook.activeCell.model.sharedModel.setSource(code);
    await app.commands.execute('notebook:run-cell');
    return notebook.widgets.length - 1;
}"""

_CELL_STDOUT = """(index) => {
    const cell = window.jupyterapp.shell.currentWidget.content.widgets[index];
    return cell.model.outputs.toJSON()
        .filter(o => o.output_type === 'stream' && o.name === 'stdout')
        .map(o => Array.isArray(o.text) ? o.text.join('') : o.text).join('');
}"""


def run_in_new_cell(page: Any, code: str, timeout: float = 30.0) -> str:
    """Append a code cell to the open notebook, run it in its kernel, and return its stdout.

    The way a browser test asks the kernel what a widget event did (e.g. print a view's
    selection as JSON after a click).
    """
    index = page.evaluate(_RUN_NEW_CELL, code)
    page.wait_for_function(f"({_CELL_STDOUT})({index}).trim().length > 0", timeout=timeout * 1000)
    return str(page.evaluate(_CELL_STDOUT, index))
