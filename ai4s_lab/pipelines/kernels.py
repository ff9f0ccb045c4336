"""The kernel manager behind every run: per-kernel environment, shutdown off the critical path.

What papermill's default manager does not give a pipeline:

- **Environment per kernel.** A run tells its kernel where its run folder is through the
  kernel's environment. Runs of a sweep start kernels from several threads at once, so this is
  passed to each kernel, never through ``os.environ``.
- **Unix sockets, not TCP.** On POSIX systems a run's kernel talks to the runner over Unix
  domain sockets in the temporary folder (ZeroMQ ``ipc`` transport): no port is opened to other
  users of the machine, and ipykernel has no reason to warn, once per run, that its traffic is
  sent in plain text over TCP. Elsewhere (Windows), or where the temporary folder's path is too
  long for a socket name, the transport stays TCP on localhost; the runner starts a kernel again
  on TCP if it could not bind its sockets.
- **Shutdown in the background.** When the last cell has run and the notebook is saved, the
  run is done; the kernel still gets its graceful exit (an interrupt if a cell is still
  running, as after a timeout; a shutdown request; then, after
  ``shutdown_wait_time / 2`` s, SIGTERM, and SIGKILL after as long again; jupyter_client's own
  policy), but a thread waits for it instead of the run. With ipykernel 7.4 about one kernel
  in ten stalls in its own teardown (its control thread never joins) until the SIGTERM, which
  would add 2.5 s to such a run. The waiting threads are not daemons: a process that ran
  notebooks waits for their kernels before it exits, and :func:`wait_for_kernels` lets a sweep
  wait for them explicitly.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping
from typing import Any

__all__ = ["kernel_manager_class", "signal_running_kernels", "wait_for_kernels"]

logger = logging.getLogger(__name__)

_exiting: set[threading.Thread] = set()
_exiting_lock = threading.Lock()
# Kernels of runs started here and not shut down yet. They run in sessions of their own, so a
# Ctrl-C in the terminal never reaches them: an interrupted sweep signals them itself.
_running: set[subprocess.Popen[Any]] = set()
_running_lock = threading.Lock()


def kernel_manager_class(env: Mapping[str, str], unix_sockets: bool = True) -> type:
    """A jupyter_client kernel manager class whose kernels start with ``env`` added to this
    process's environment, on Unix sockets where ``unix_sockets`` and the system allow (TCP on
    localhost otherwise), and whose graceful shutdown finishes in a background thread."""
    from jupyter_client.manager import AsyncKernelManager

    extra = dict(env)

    class RunKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
            kw["env"] = {**kw.get("env", os.environ), **extra}
            if unix_sockets:
                _use_unix_sockets(self)
            await super().start_kernel(**kw)
            process = getattr(self.provisioner, "process", None)
            if isinstance(process, subprocess.Popen):
                with _running_lock:
                    _running.add(process)

        async def shutdown_kernel(  # type: ignore[override]
            self, now: bool = False, restart: bool = False
        ) -> None:
            process = getattr(self.provisioner, "process", None)
            with _running_lock:
                _running.discard(process)
            owns = getattr(self, "owns_kernel", True)
            if now or restart or not owns or not isinstance(process, subprocess.Popen):
                await super().shutdown_kernel(now=now, restart=restart)
                return
            self.shutting_down = True
            self.stop_restarter()
            if self.has_kernel:
                await _stop_running_cell(self)
            await self.request_shutdown()
            _finish_in_background(process, float(self.shutdown_wait_time))
            await self.cleanup_resources()

    return RunKernelManager


# How long an idle kernel gets to answer, and an interrupted cell to send its reply, before the
# kernel is asked to shut down. The settle time is only spent in full by a kernel that does not
# answer; with 2 s the ZMQError traceback came back once, in a full test run on a loaded 2-core
# machine (not reproduced since, with 2 s or 5 s), so an interrupted cell gets more time.
_IDLE_PROBE_S = 0.5
_INTERRUPT_SETTLE_S = 5.0


async def _stop_running_cell(manager: Any) -> None:
    """Interrupt the cell a kernel is still running (a run that timed out), and wait until it
    has replied; an idle kernel is left alone.

    The shell answers in order, so the reply to a ``kernel_info_request`` says that everything
    sent before it is done. An idle kernel answers at once and gets no SIGINT (which, arriving
    while it handles a message, makes ipykernel print "KeyboardInterrupt caught in kernel" —
    into the report, when the runs were started from a notebook). A busy one is interrupted and
    given time to reply: a shutdown request would otherwise close its sockets while the
    interrupted cell is still replying, and ipykernel prints a ZMQError traceback.
    """
    client = manager.client()
    client.start_channels(iopub=False, stdin=False, hb=False, control=False)
    try:
        msg_id = client.kernel_info()
        if await _shell_reply(client, msg_id, _IDLE_PROBE_S):
            return
        await manager.interrupt_kernel()
        await _shell_reply(client, msg_id, _INTERRUPT_SETTLE_S)
    finally:
        client.stop_channels()


async def _shell_reply(client: Any, msg_id: str, timeout: float) -> bool:
    """Whether the shell reply to ``msg_id`` arrived within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    try:
        while (left := deadline - time.monotonic()) > 0:
            reply = await client.get_shell_msg(timeout=left)
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                return True
    except Exception as err:  # queue.Empty on time-out, a kernel that died: shut down anyway
        logger.debug("no shell reply from the kernel in %.1f s: %r", timeout, err)
    return False


# Unix socket paths are limited to 104-108 bytes; the sockets are "<base>-<port>".
_MAX_SOCKET_BASE = 90


def _socket_folder() -> str:
    return tempfile.gettempdir()


def _use_unix_sockets(manager: Any) -> None:
    """Switch a kernel manager that has not started its kernel to the ZeroMQ ``ipc`` transport,
    its sockets named after a fresh random base in the temporary folder (POSIX only)."""
    if os.name != "posix" or manager.transport == "ipc" or manager.has_kernel:
        return
    base = os.path.join(_socket_folder(), f"ai4s-kernel-{secrets.token_hex(6)}")
    if len(base) > _MAX_SOCKET_BASE:  # a very long TMPDIR: TCP on localhost still works
        logger.debug("temporary folder path too long for Unix sockets; kernel uses TCP")
        return
    manager.transport = "ipc"
    manager.ip = base


def _finish_in_background(process: subprocess.Popen[Any], wait_time: float) -> None:
    thread = threading.Thread(
        target=_finish_shutdown, args=(process, wait_time), name=f"ai4s-kernel-{process.pid}"
    )
    with _exiting_lock:
        _exiting.add(thread)
    thread.start()


def _finish_shutdown(process: subprocess.Popen[Any], wait_time: float) -> None:
    """Give the kernel half of ``wait_time`` to exit after its shutdown request, then SIGTERM,
    then SIGKILL (jupyter_client's policy)."""
    try:
        for signal_next in (process.terminate, process.kill):
            try:
                process.wait(timeout=wait_time / 2)
                return
            except subprocess.TimeoutExpired:
                logger.debug("kernel %d did not exit in %.1f s; %s", process.pid,
                             wait_time / 2, signal_next.__name__)  # fmt: skip
                signal_next()
        process.wait()
    finally:
        with _exiting_lock:
            _exiting.discard(threading.current_thread())


def wait_for_kernels(timeout: float | None = None) -> bool:
    """Wait until every kernel this process shut down has exited; False if some had not
    after ``timeout`` seconds."""
    with _exiting_lock:
        threads = list(_exiting)
    deadline = None if timeout is None else time.monotonic() + timeout
    for thread in threads:
        thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
    return not any(thread.is_alive() for thread in threads)


def signal_running_kernels(signum: int) -> int:
    """Send ``signum`` (``signal.SIGINT`` to interrupt the cell, ``signal.SIGKILL`` to stop)
    to every run kernel of this process that is still running; returns how many got it."""
    with _running_lock:
        processes = [p for p in _running if p.poll() is None]
    for process in processes:
        # exited in between, or a signal this system lacks
        with contextlib.suppress(OSError, ValueError):
            process.send_signal(signum)
    return len(processes)
