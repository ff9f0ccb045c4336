"""Tanimoto kernels over packed fingerprints: numba (hardware popcount) on the CPU, torch elsewhere.

The database rows are sorted by popcount (bits set, or the sum of counts), so the rows that can
reach a similarity are one contiguous range. Both backends return the same exact float64 scores
as RDKit (``c / (a + b - c)``, 0 where ``a + b - c = 0``) and break ties by the smaller original
row number.

Pruning uses the bound of Swamidass & Baldi: for fingerprints with ``a`` and ``b`` bits set (or
count sums ``a`` and ``b``), the Tanimoto similarity is at most ``min(a, b) / max(a, b)``, so a row
whose bound is below the current k-th best score (top-k) or the threshold is never read. The numba
kernels add a tighter bound for bit fingerprints (also in Swamidass & Baldi's spirit): the bits in
common are at most ``Σ_w min(|a_w|, |b_w|)`` over 64-bit words ``w``, read from one byte a word
(:func:`word_counts`), so most rows inside the popcount window are rejected after reading 32 bytes
instead of 256.

References
----------
.. [SB] S. J. Swamidass, P. Baldi, "Bounds and algorithms for fast exact searches of chemical
   fingerprints in linear and sublinear time", J. Chem. Inf. Model. 47, 302–317 (2007).
   doi:10.1021/ci600358f
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ai4s_lab._optional import is_available

__all__ = [
    "HAVE_NUMBA",
    "bound_range",
    "numba_threshold",
    "numba_topk",
    "torch_threshold",
    "torch_topk",
    "word_counts",
]

HAVE_NUMBA = is_available("numba")

_NUMBA: dict[str, Any] = {}

#: Batches smaller than this run the top-k kernel on one thread.
PARALLEL_MIN_QUERIES = 64
#: A threshold search over more rows than this is split into chunks scanned in parallel.
PARALLEL_MIN_ROWS = 1 << 17


def _numba_kernels() -> dict[str, Any]:
    """Compile (or load from numba's cache) the CPU kernels on first use."""
    if _NUMBA:
        return _NUMBA
    from ai4s_lab.molecules import _popcount_numba as kernels

    _NUMBA.update(
        topk=kernels.topk_many,
        topk_serial=kernels.topk_serial,
        threshold=kernels.threshold_one,
        threshold_chunks=kernels.threshold_chunks,
        compact_chunks=kernels.compact_chunks,
    )
    return _NUMBA


def word_counts(db: np.ndarray) -> np.ndarray:
    """Popcount of every 64-bit word of packed bit fingerprints, ``(n, words)`` uint8.

    They give the word bound ``c ≤ Σ_w min(|a_w|, |b_w|)`` on the bits in common, hence an upper
    bound on the Tanimoto similarity that is much tighter than the popcount bound for sparse
    fingerprints, read from 1/8 of the bytes of the fingerprints.
    """
    return np.bitwise_count(db).astype(np.uint8)


def _word_bound_inputs(
    word_counts: np.ndarray | None, queries: np.ndarray, counts: bool
) -> tuple[np.ndarray, np.ndarray]:
    if word_counts is None or counts:
        return np.zeros((1, 0), np.uint8), np.zeros((queries.shape[0], 0), np.int64)
    return word_counts, np.bitwise_count(queries).astype(np.int64)


def bound_range(bin_start: np.ndarray, query_pop: int, threshold: float) -> tuple[int, int]:
    """Rows ``[start, end)`` of a popcount-sorted database whose bound reaches ``threshold``."""
    top = len(bin_start) - 2
    p = np.arange(top + 1, dtype=np.float64)
    q = float(query_pop)
    hi = np.maximum(p, q)
    with np.errstate(invalid="ignore", divide="ignore"):
        bound = np.where(hi > 0, np.minimum(p, q) / np.where(hi > 0, hi, 1.0), 0.0)
    ok = np.flatnonzero(bound >= threshold)
    if ok.size == 0:
        return 0, 0
    return int(bin_start[ok[0]]), int(bin_start[ok[-1] + 1])


def numba_topk(
    db: np.ndarray,
    pop: np.ndarray,
    order: np.ndarray,
    bin_start: np.ndarray,
    queries: np.ndarray,
    query_pop: np.ndarray,
    k: int,
    tile: int = 0,
    word_counts: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k of each query; ``(scores (q, k) float64, original row numbers (q, k) int64)``.

    ``word_counts`` (bit fingerprints: :func:`word_counts` of ``db``) enables the word bound,
    which skips most rows after reading 1/8 of their bytes.
    ``tile`` queries share a thread (default: the queries split evenly over numba's threads).
    Fewer than :data:`PARALLEL_MIN_QUERIES` queries (or one thread) run on the calling thread:
    waking numba's pool costs more than it saves for them.
    """
    import numba

    nq = queries.shape[0]
    threads = numba.get_num_threads()
    serial = threads == 1 or nq < PARALLEL_MIN_QUERIES
    kernel = _numba_kernels()["topk_serial" if serial else "topk"]
    if tile <= 0:
        tile = max(1, -(-nq // threads))
    scores = np.full((nq, k), -1.0)
    ids = np.full((nq, k), np.iinfo(np.int64).max, dtype=np.int64)
    counts = db.dtype != np.uint64
    wc, qwc = _word_bound_inputs(word_counts, queries, counts)
    kernel(
        db,
        pop,
        order,
        wc,
        bin_start,
        queries,
        qwc,
        query_pop,
        np.argsort(query_pop, kind="stable"),
        k,
        tile,
        counts,
        scores,
        ids,
    )
    return scores, ids


def numba_threshold(
    db: np.ndarray,
    pop: np.ndarray,
    order: np.ndarray,
    bin_start: np.ndarray,
    query: np.ndarray,
    query_pop: int,
    threshold: float,
    word_counts: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Rows with similarity ≥ ``threshold``; ``(scores, original row numbers)``, unsorted.

    Only rows in the popcount window of the threshold are read; with ``word_counts``, rows whose
    word bound is below the threshold are skipped after reading 1/8 of their bytes."""
    import numba

    start, end = bound_range(bin_start, query_pop, threshold)
    scores = np.empty(end - start)
    ids = np.empty(end - start, dtype=np.int64)
    kernels = _numba_kernels()
    counts = db.dtype != np.uint64
    wc, qwc = _word_bound_inputs(word_counts, query[None, :], counts)
    args = (db, pop, order, wc, start, end, query, qwc[0], query_pop, threshold, counts)
    threads = numba.get_num_threads()
    if end - start < PARALLEL_MIN_ROWS:
        found = kernels["threshold"](*args, scores, ids)
        return scores[:found], ids[:found]
    chunk = -(-(end - start) // (4 * threads))  # a few chunks a thread evens out the pruning
    found_per_chunk = np.zeros(-(-(end - start) // chunk), dtype=np.int64)
    kernels["threshold_chunks"](*args, chunk, scores, ids, found_per_chunk)
    found = kernels["compact_chunks"](scores, ids, chunk, found_per_chunk)
    return scores[:found], ids[:found]


# ---------------------------------------------------------------------------------------------
# torch fallback (any device)


def _unpack(words: Any) -> Any:
    """``(n, w)`` int64 words to ``(n, 64 w)`` float32 zeros and ones (bit order is irrelevant
    for dot products as long as both sides use it)."""
    import torch

    shifts = torch.arange(64, device=words.device, dtype=torch.int64)
    bits = (words[:, :, None] >> shifts) & 1
    return bits.reshape(words.shape[0], -1).to(torch.float32)


def _prepared_queries(queries: Any, counts: bool) -> Any:
    """Queries in the form :func:`_intersections` takes, made once a search: int32 counts, or
    bits unpacked to float32 zeros and ones."""
    import torch

    return queries.to(torch.int32) if counts else _unpack(queries)


def _intersections(db: Any, queries: Any, counts: bool) -> Any:
    """``(q, r)`` bits in common (or sum of minima) between each query and each row.

    ``db`` is a chunk of the library as stored (int64 words, or unsigned counts, converted here
    a chunk at a time); ``queries`` come from :func:`_prepared_queries`. Bits: a float32 matrix
    product of the unpacked 0/1 vectors, exact (counts ≤ 2^24). Counts: only the positions where
    a query is non-zero can contribute to the sum of minima.
    """
    import torch

    if counts:
        db = db.to(torch.int32)  # torch has no minimum for uint16/uint32
        out = torch.empty((queries.shape[0], db.shape[0]), dtype=torch.int64, device=db.device)
        for qi in range(queries.shape[0]):
            nonzero = torch.nonzero(queries[qi]).flatten()
            out[qi] = torch.minimum(db[:, nonzero], queries[qi, nonzero]).sum(1, dtype=torch.int64)
        return out
    common = queries @ _unpack(db).T
    return common.round().to(torch.int64)


def _scores(common: Any, pop: Any, query_pop: Any) -> Any:
    import torch

    union = (pop[None, :] + query_pop[:, None] - common).to(torch.float64)
    common = common.to(torch.float64)
    return torch.where(union > 0, common / torch.where(union > 0, union, 1.0), 0.0)


def _rows_per_chunk(width: int, counts: bool, budget: int) -> int:
    """Library rows a chunk so that an unpacked chunk holds about ``budget`` elements."""
    return max(1, budget // (width if counts else 64 * width))


def torch_topk(
    db: Any,
    pop: Any,
    order: Any,
    queries: Any,
    query_pop: Any,
    k: int,
    *,
    counts: bool,
    budget: int = 1 << 23,
) -> tuple[Any, Any]:
    """Exact top-k with torch ops, in row chunks so memory stays near ``budget`` elements.

    ``db`` and ``queries`` are as the index stores them (bit fingerprints as int64 words, counts
    in their unsigned type); each library chunk is converted for the arithmetic on its own, so
    no second copy of the library is made, and the queries are converted once.
    Ties are broken by the original row number: candidates are sorted by row number, then by
    score with a stable sort.
    """
    import torch

    nq, width = queries.shape[0], queries.shape[1]
    best_s = torch.empty((nq, 0), dtype=torch.float64, device=db.device)
    best_i = torch.empty((nq, 0), dtype=torch.int64, device=db.device)
    step = _rows_per_chunk(width, counts, budget)
    prepared = _prepared_queries(queries, counts)
    for start in range(0, db.shape[0], step):
        rows = slice(start, start + step)
        scores = _scores(_intersections(db[rows], prepared, counts), pop[rows], query_pop)
        ids = order[rows].expand(nq, -1)
        cand_s = torch.cat([best_s, scores], dim=1)
        cand_i = torch.cat([best_i, ids], dim=1)
        by_id = torch.argsort(cand_i, dim=1, stable=True)
        cand_s, cand_i = cand_s.gather(1, by_id), cand_i.gather(1, by_id)
        by_score = torch.argsort(cand_s, dim=1, descending=True, stable=True)[:, :k]
        best_s, best_i = cand_s.gather(1, by_score), cand_i.gather(1, by_score)
    return best_s, best_i


def torch_threshold(
    db: Any,
    pop: Any,
    order: Any,
    query: Any,
    query_pop: int,
    threshold: float,
    start: int,
    end: int,
    *,
    counts: bool,
    budget: int = 1 << 23,
) -> tuple[Any, Any]:
    """Rows in ``[start, end)`` with similarity ≥ ``threshold``, with torch ops (``db`` and
    ``query`` as for :func:`torch_topk`)."""
    import torch

    qp = torch.tensor([query_pop], dtype=torch.int64, device=db.device)
    found_s, found_i = [], []
    step = _rows_per_chunk(query.shape[-1], counts, budget)
    prepared = _prepared_queries(query[None, :], counts)
    for lo in range(start, end, step):
        rows = slice(lo, min(lo + step, end))
        scores = _scores(_intersections(db[rows], prepared, counts), pop[rows], qp)[0]
        keep = scores >= threshold
        found_s.append(scores[keep])
        found_i.append(order[rows][keep])
    if not found_s:
        empty = torch.empty(0, dtype=torch.float64, device=db.device)
        return empty, empty.to(torch.int64)
    return torch.cat(found_s), torch.cat(found_i)
