"""Complex normal noise for each Fourier mode, a function of the seed and the mode alone.

Random initial fields draw one complex normal ``ξ_m`` per integer mode vector ``m``. Drawn from a
sequential generator in the order of a grid's FFT layout, the draws belonged to grid positions:
the same seed gave another field on a finer grid, so a convergence study compared different
initial conditions. Here ``ξ_m`` is computed from ``(seed, sample, channel, m)`` by a
counter-based generator (the SplitMix64 mixing function of Steele, Lea & Flood, OOPSLA 2014,
chained over the key, then the Box–Muller transform), so that a seed names one field whatever
the grid: a finer grid samples the same field, a coarser one holds its lower modes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["held_modes", "mode_noise", "mode_numbers"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MULTIPLIER_1 = np.uint64(0xBF58476D1CE4E5B9)
_MULTIPLIER_2 = np.uint64(0x94D049BB133111EB)
#: 2**-53: a 53-bit integer times this is a uniform number in [0, 1).
_UNIT = 2.0**-53


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's output function of ``x + golden``, on uint64 arrays (wrapping arithmetic)."""
    x = x + _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * _MULTIPLIER_1
    x = (x ^ (x >> np.uint64(27))) * _MULTIPLIER_2
    return x ^ (x >> np.uint64(31))


def _as_words(values: np.ndarray) -> np.ndarray:
    """Integers (negative ones too) as uint64 words, two's complement."""
    return np.asarray(values, dtype=np.int64).view(np.uint64)


def mode_noise(seed: int, sample: int, channel: int, modes: Sequence[np.ndarray]) -> np.ndarray:
    """Complex normals (real and imaginary parts independent, each of unit variance), one per
    mode: ``modes`` holds the integer mode number along each axis (arrays of one shape).

    The value for a mode depends only on ``seed``, ``sample``, ``channel`` and the mode numbers,
    never on which other modes are asked for or in which order.
    """
    if not modes:
        raise ValueError("mode_noise needs the mode numbers of at least one axis")
    shape = np.broadcast_shapes(*(np.shape(m) for m in modes))
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"mode_noise: seed={seed} must be >= 0")
    words = [seed & 0xFFFFFFFFFFFFFFFF]
    while seed >> 64:  # seeds past 2**64 are mixed in 64 bits at a time
        seed >>= 64
        words.append(seed & 0xFFFFFFFFFFFFFFFF)
    with np.errstate(over="ignore"):
        key = np.zeros(1, dtype=np.uint64)
        for word in (*words, int(sample), int(channel)):
            key = _mix(key ^ np.array([word], dtype=np.uint64))
        state = np.broadcast_to(key, shape).copy()
        for numbers in modes:
            state = _mix(state ^ np.broadcast_to(_as_words(numbers), shape))
        first = _mix(state ^ np.uint64(1)) >> np.uint64(11)
        second = _mix(state ^ np.uint64(2)) >> np.uint64(11)
    # Box–Muller: 1 - u in (0, 1], so the logarithm is finite
    radius = np.sqrt(-2.0 * np.log1p(-first.astype(np.float64) * _UNIT))
    angle = (2.0 * math.pi * _UNIT) * second.astype(np.float64)
    return radius * np.exp(1j * angle)


def mode_numbers(shape: Sequence[int]) -> list[np.ndarray]:
    """The integer mode number of every entry of an FFT of ``shape`` along each axis, as
    broadcastable arrays (``numpy.fft.fftfreq(n, 1/n)`` per axis)."""
    numbers = []
    for axis, n in enumerate(shape):
        view = [1] * len(shape)
        view[axis] = n
        numbers.append(np.rint(np.fft.fftfreq(n, 1.0 / n)).astype(np.int64).reshape(view))
    return numbers


def held_modes(shape: Sequence[int]) -> np.ndarray:
    """Where the FFT of ``shape`` holds a mode every finer grid holds too: not the mean and not
    a Nyquist mode (``|m| = n/2`` of an even ``n``, where ``+n/2`` and ``−n/2`` share an entry)."""
    held = np.ones(tuple(int(n) for n in shape), dtype=bool)
    for n, numbers in zip(shape, mode_numbers(shape), strict=True):
        held &= 2 * np.abs(numbers) < n
    held.flat[0] = False
    return held
