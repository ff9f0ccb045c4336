"""The interface every evolution equation implements: a diagonal linear part and a nonlinear part.

An equation is written in Fourier space as ``dv/dt = L v + N(v)``, with ``v`` the spectrum of the
fields (shape ``(batch, channels, *spectrum)``), ``L`` a real diagonal symbol (the stiff part,
treated exactly by exponential integrators) and ``N`` the rest, evaluated pseudo-spectrally.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, cast

from ai4s_lab.errors import ParameterError
from ai4s_lab.pde._keywords import check_keywords
from ai4s_lab.pde.grids import PeriodicGrid, SpectralOps

if TYPE_CHECKING:
    import torch

__all__ = ["Equation", "check_choice", "check_ndim", "check_nonnegative", "check_positive"]


class Equation(ABC):
    """Base class of the evolution equations solved by :func:`ai4s_lab.pde.solve`.

    Subclasses set :attr:`fields` (names of the unknowns), the space dimensions they support and
    the default domain length, and implement :meth:`linear` and :meth:`nonlinear`.
    """

    #: Name in the equation registry (``pde.equation(name)``).
    name: ClassVar[str] = ""
    #: Space dimensions the equation is defined in.
    dims_allowed: ClassVar[tuple[int, ...]] = (1, 2, 3)
    #: Side length of the default periodic domain (nondimensional units).
    default_length: ClassVar[float] = 2 * math.pi
    #: Time stepper used when ``solve(method=None)``.
    default_method: ClassVar[str] = "etdrk4"
    #: Whether ``solve`` adapts the time step to the CFL number each saved interval by default
    #: (when no ``dt`` is given): the state's rate changes as patterns grow.
    adaptive: ClassVar[bool] = True
    #: Whether the nonlinear term is filtered with the 2/3 rule.
    dealias: ClassVar[bool] = False
    #: Smallest number of points per axis (dealiased equations need a few resolved modes).
    min_points: ClassVar[int] = 4
    #: A ready-made initial condition, named in errors about the number of fields.
    example_initial: ClassVar[str] = "pde.initial.random_field(eq.grid(128), seed=0)"

    fields: tuple[str, ...] = ("u",)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None:  # a typo such as viscocity= names the parameter meant
            cls.__init__ = check_keywords(init, cls.__name__)  # type: ignore[method-assign]

    #: Space dimensions when the equation fixes them (Navier–Stokes 2D, Kuramoto–Sivashinsky 1D).
    ndim: int | None = None
    #: Space dimensions of :meth:`grid` when neither the caller nor :attr:`ndim` says.
    default_ndim: int = 2

    # -- geometry ------------------------------------------------------------------------------
    def grid(
        self,
        n: int | tuple[int, ...],
        *,
        ndim: int | None = None,
        length: float | tuple[float, ...] | None = None,
    ) -> PeriodicGrid:
        """A periodic grid for this equation.

        Parameters
        ----------
        n
            Points per axis (an int for a square/cubic grid, or a shape ``(..., ny, nx)``: a
            tuple, list or numpy array).
        ndim
            Space dimensions when ``n`` is an int; defaults to the equation's own.
        length
            Side length of the domain, or one length per axis ordered like ``n`` (a sequence or
            an array); defaults to :attr:`default_length`.
        """
        shape: tuple[Any, ...]
        if _is_sequence(n):  # a tuple, a list or a numpy array of sizes
            shape = tuple(cast("Any", n))
        else:
            dims = ndim or self.ndim or self.default_ndim
            shape = (cast("Any", n),) * dims
        if length is None:
            length = self.default_length
        lengths: tuple[Any, ...] = tuple(cast("Any", length)) if _is_sequence(length) else (length,)
        grid = PeriodicGrid(shape, lengths)
        self.check_grid(grid)
        return grid

    def check_grid(self, grid: PeriodicGrid) -> None:
        """Raise :class:`ParameterError` if ``grid`` cannot carry this equation."""
        allowed = (self.ndim,) if self.ndim is not None else self.dims_allowed
        if grid.ndim not in allowed:
            raise ParameterError(
                f"{type(self).__name__} is defined in {_dims_text(allowed)} but the grid "
                f"{grid.shape} has {grid.ndim}; use a grid with "
                f"{_dims_text(allowed)} (e.g. eq.grid(128))"
            )
        small = min(grid.shape)
        if small < self.min_points:
            raise ParameterError(
                f"grid {grid.shape} is too small for {type(self).__name__}: the 2/3 dealiasing "
                f"keeps only |k| < n/3 = {small // 3} modes; use at least {self.min_points} "
                "points per axis"
            )

    # -- the equation --------------------------------------------------------------------------
    @abstractmethod
    def parameters(self) -> dict[str, Any]:
        """The equation's parameters (JSON-ready), for dataset attributes and reprs."""

    @abstractmethod
    def linear(self, ops: SpectralOps) -> torch.Tensor:
        """The real diagonal symbol ``L`` of the stiff linear part, shape ``(C, *spectrum)``."""

    @abstractmethod
    def nonlinear(self, v: torch.Tensor, ops: SpectralOps) -> torch.Tensor | None:
        """The spectrum of the nonlinear (and forcing) part ``N(v)``; ``None`` if there is none.

        ``v`` has shape ``(batch, C, *spectrum)``; so must the result.
        """

    def rate(self, u: torch.Tensor, ops: SpectralOps) -> float:
        """An estimate of the fastest explicit rate (1/time) of the nonlinear part at state ``u``.

        The CFL-type stable step is ``cfl / rate``; ``0`` means no limit (a linear equation).
        """
        return 0.0

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.parameters().items())
        return f"{type(self).__name__}({args})"


def _is_sequence(value: object) -> bool:
    """Whether ``value`` is several numbers (a tuple, list or array), not one."""
    return isinstance(value, (tuple, list)) or getattr(value, "ndim", 0) > 0


def _dims_text(dims: tuple[int | None, ...]) -> str:
    names = [f"{d}D" for d in dims if d is not None]
    return " or ".join(names)


def check_positive(name: str, value: object, owner: str) -> float:
    """``float(value)`` if it is finite and > 0, else :class:`ParameterError`."""
    number = _number(name, value, owner)
    if number <= 0:
        raise ParameterError(f"{owner}: {name}={value!r} must be positive; use a value > 0")
    return number


def check_nonnegative(name: str, value: object, owner: str) -> float:
    """``float(value)`` if it is finite and >= 0, else :class:`ParameterError`."""
    number = _number(name, value, owner)
    if number < 0:
        raise ParameterError(f"{owner}: {name}={value!r} is negative; use a value >= 0")
    return number


def check_choice(name: str, value: object, allowed: tuple[object, ...], owner: str) -> object:
    """``value`` if it is one of ``allowed``, else :class:`ParameterError` listing them."""
    if value not in allowed:
        raise ParameterError(
            f"{owner}: {name}={value!r} is not known; use one of {', '.join(map(repr, allowed))}"
        )
    return value


def _number(name: str, value: object, owner: str) -> float:
    if isinstance(value, bool):
        raise ParameterError(f"{owner}: {name}={value!r} must be a number, not a bool")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        raise ParameterError(f"{owner}: {name}={value!r} is not a number") from err
    if not math.isfinite(number):
        raise ParameterError(f"{owner}: {name}={value!r} must be finite")
    return number


def check_ndim(ndim: object, allowed: tuple[int, ...], owner: str) -> int:
    """``ndim`` if it is one of the space dimensions ``allowed``, else :class:`ParameterError`."""
    if isinstance(ndim, bool) or ndim not in allowed:
        raise ParameterError(
            f"{owner}: ndim={ndim!r} is not supported; use {' or '.join(map(str, allowed))}"
        )
    return int(ndim)  # type: ignore[call-overload,unused-ignore]
