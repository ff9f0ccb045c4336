"""The Jupyter server extension behind the JupyterLab extension: the Runs panel's catalog reader
and the course launcher's notebook templates.

Endpoints live under ``<base_url>/ai4s-lab/`` and use Jupyter's own authentication (a request
without the token gets 403). Every path is resolved inside the server's root directory; ``..``,
absolute paths and symlinks that lead out of it are refused.
"""

from __future__ import annotations

from typing import Any

__all__ = ["_jupyter_server_extension_points", "_load_jupyter_server_extension"]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "ai4s_lab.server"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from ai4s_lab.server.handlers import setup_handlers

    setup_handlers(serverapp.web_app, root_dir=serverapp.root_dir)
    serverapp.log.info("AI4S Lab server extension loaded")
