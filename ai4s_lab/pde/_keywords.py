"""Unknown keyword arguments (typos such as ``viscocity=``) as a :class:`ParameterError` that
names the closest known keyword, before the function runs.

Python's own ``TypeError`` says only "unexpected keyword argument" (before 3.14, no suggestion);
in a notebook a typo in a solver parameter is the most common bad input.
"""

from __future__ import annotations

import difflib
import functools
import inspect
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from ai4s_lab.errors import ParameterError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["check_keywords"]

P = ParamSpec("P")
R = TypeVar("R")

_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def check_keywords(func: Callable[P, R], owner: str | None = None) -> Callable[P, R]:
    """``func``, refusing keyword arguments it does not take with a :class:`ParameterError`
    that says which one, the closest known one and all of them (``owner`` names ``func`` in the
    message; default its qualified name). A function taking ``**kwargs`` is returned as is."""
    parameters = inspect.signature(func).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return func
    known = [name for name, p in parameters.items() if p.kind in _NAMED and name != "self"]
    who = owner or func.__qualname__

    @functools.wraps(func)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        for key, value in kwargs.items():
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f" (did you mean {close[0]}=?)" if close else ""
                shown = repr(value)
                shown = shown if len(shown) <= 40 else f"<{type(value).__name__}>"
                raise ParameterError(
                    f"{who} got an unexpected keyword argument {key}={shown}{hint}; it takes "
                    f"{', '.join(known)}"
                )
        return func(*args, **kwargs)

    return checked
