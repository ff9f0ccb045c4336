"""The numba kernels of :mod:`ai4s_lab.molecules._popcount` (imported only where numba is).

``llvm.ctpop`` (LLVM's popcount intrinsic) compiles to the CPU's popcount instruction (and to
``vpopcntq`` where AVX-512 VPOPCNTDQ is present), which keeps a scan at the memory-bandwidth floor.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
from numba import njit, prange, types
from numba.extending import intrinsic

__all__ = ["compact_chunks", "threshold_chunks", "threshold_one", "topk_many", "topk_serial"]


@intrinsic
def _ctpop(typingctx: Any, x: Any) -> Any:
    """Hardware popcount of an unsigned integer (``llvm.ctpop``)."""
    if not isinstance(x, types.Integer):
        return None
    sig = x(x)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.ctpop(args[0])

    return sig, codegen


@njit(inline="always")
def _common(db: Any, r: int, q: Any, counts: bool) -> Any:
    total = np.int64(0)
    if counts:
        for j in range(q.shape[0]):
            a = db[r, j]
            b = q[j]
            total += np.int64(a if a < b else b)
    else:
        for j in range(q.shape[0]):
            total += np.int64(_ctpop(db[r, j] & q[j]))  # type: ignore[call-arg]
    return total


@njit(inline="always")
def _bound(p: int, qc: int) -> float:
    lo = p if p < qc else qc
    hi = p if p > qc else qc
    return lo / hi if hi > 0 else 0.0


@njit(inline="always")
def _score(common: int, a: int, b: int) -> float:
    union = a + b - common
    return common / union if union > 0 else 0.0


@njit(inline="always")
def _insert(scores: Any, ids: Any, qi: int, s: float, ident: int) -> None:
    k = scores.shape[1]
    ws = scores[qi, k - 1]
    if s < ws or (s == ws and ident >= ids[qi, k - 1]):
        return
    j = k - 1
    while j > 0 and (s > scores[qi, j - 1] or (s == scores[qi, j - 1] and ident < ids[qi, j - 1])):
        scores[qi, j] = scores[qi, j - 1]
        ids[qi, j] = ids[qi, j - 1]
        j -= 1
    scores[qi, j] = s
    ids[qi, j] = ident


@njit(inline="always")
def _word_bound(wc: Any, r: int, qw: Any) -> Any:
    """Upper bound of the bits in common: the sum over words of the smaller of the two words'
    popcounts (bits in common never exceed either side's bits in that word)."""
    total = np.int64(0)
    for j in range(qw.shape[0]):
        a = np.int64(wc[r, j])
        b = qw[j]
        total += a if a < b else b
    return total


@njit(inline="always")
def _min_common(worst: float, p: int, qc: int) -> int:
    """The smallest count of common bits ``c`` with ``_score(c, p, qc) >= worst`` (the same
    float expression as the scores, so the test is exact); ``min(p, qc) + 1`` if none."""
    most = p if p < qc else qc
    if worst <= 0.0:
        return 0
    c = int(worst * (p + qc) / (1.0 + worst)) - 1
    if c < 0:
        c = 0
    while c <= most and _score(c, p, qc) < worst:
        c += 1
    return c


@njit(inline="always")
def _scan(db, pop, order, wc, q, qw, qc, qi, lo, hi, counts, scores, ids):  # type: ignore[no-untyped-def]
    """Score rows ``[lo, hi)`` into query ``qi``'s top k. Where word popcounts are given
    (``qw`` not empty), a row whose word bound is below the common bits needed to reach the
    current k-th score is skipped after reading 1/8 of its bytes (an integer test: the needed
    count is recomputed only when the popcount or the k-th score changes)."""
    k = scores.shape[1]
    filt = qw.shape[0] > 0
    last_p = -1
    last_worst = -2.0
    need = 0
    for r in range(lo, hi):
        if filt:
            worst = scores[qi, k - 1]
            if pop[r] != last_p or worst != last_worst:
                last_p = pop[r]
                last_worst = worst
                need = _min_common(worst, last_p, qc)
            if _word_bound(wc, r, qw) < need:
                continue
        _insert(scores, ids, qi, _score(_common(db, r, q, counts), pop[r], qc), order[r])


@njit(inline="always")
def _topk_queries(  # type: ignore[no-untyped-def]
    db, pop, order, wc, bin_start, queries, qwc, qpop, qorder, k, j0, j1, counts, scores, ids
):
    top = bin_start.shape[0] - 2
    for j in range(j0, j1):
        qi = qorder[j]
        qc = qpop[qi]
        q = queries[qi]
        qw = qwc[qi]
        lo = qc if qc < top else top
        hi = lo
        _scan(
            db, pop, order, wc, q, qw, qc, qi, bin_start[lo], bin_start[lo + 1], counts, scores, ids
        )
        while lo > 0 or hi < top:
            b_lo = _bound(lo - 1, qc) if lo > 0 else -1.0
            b_hi = _bound(hi + 1, qc) if hi < top else -1.0
            if max(b_lo, b_hi) < scores[qi, k - 1]:
                break
            if b_lo >= b_hi:
                lo -= 1
                p = lo
            else:
                hi += 1
                p = hi
            _scan(
                db,
                pop,
                order,
                wc,
                q,
                qw,
                qc,
                qi,
                bin_start[p],
                bin_start[p + 1],
                counts,
                scores,
                ids,
            )


@njit(parallel=True, cache=True)
def topk_many(  # type: ignore[no-untyped-def]
    db, pop, order, wc, bin_start, queries, qwc, qpop, qorder, k, tile, counts, scores, ids
):
    """Exact top-k for every query by an outward sweep over popcount bins.

    Each query starts at the bin of its own popcount and takes the neighbouring bin with the
    larger Swamidass–Baldi bound ``min(p, qc) / max(p, qc)`` next; it stops when both neighbours'
    bounds are below its current k-th score, so it reads only the rows that can still enter its
    top k. Queries are taken in popcount order (``qorder``), ``tile`` consecutive ones a thread
    (one fork-join a search), so neighbouring queries read the same bins while they are cached.
    """
    nq = queries.shape[0]
    n_tiles = (nq + tile - 1) // tile
    for t in prange(n_tiles):
        j1 = min(t * tile + tile, nq)
        _topk_queries(
            db,
            pop,
            order,
            wc,
            bin_start,
            queries,
            qwc,
            qpop,
            qorder,
            k,
            t * tile,
            j1,
            counts,
            scores,
            ids,
        )


@njit(cache=True)
def topk_serial(  # type: ignore[no-untyped-def]
    db, pop, order, wc, bin_start, queries, qwc, qpop, qorder, k, tile, counts, scores, ids
):
    """:func:`topk_many` on the calling thread (no thread pool: faster for a few queries)."""
    _topk_queries(
        db,
        pop,
        order,
        wc,
        bin_start,
        queries,
        qwc,
        qpop,
        qorder,
        k,
        0,
        queries.shape[0],
        counts,
        scores,
        ids,
    )


@njit(cache=True)
def threshold_one(  # type: ignore[no-untyped-def]
    db, pop, order, wc, start, end, q, qw, qc, threshold, counts, out_scores, out_ids
):
    """Rows ``[start, end)`` with Tanimoto ≥ ``threshold``; returns how many were written. Rows
    whose word bound is below the threshold are skipped (``qw`` empty: no word bound)."""
    found = 0
    filt = qw.shape[0] > 0
    last_p = -1
    need = 0
    for r in range(start, end):
        if filt:
            if pop[r] != last_p:
                last_p = pop[r]
                need = _min_common(threshold, last_p, qc)
            if _word_bound(wc, r, qw) < need:
                continue
        s = _score(_common(db, r, q, counts), pop[r], qc)
        if s >= threshold:
            out_scores[found] = s
            out_ids[found] = order[r]
            found += 1
    return found


@njit(parallel=True, cache=True)
def threshold_chunks(  # type: ignore[no-untyped-def]
    db, pop, order, wc, start, end, q, qw, qc, threshold, counts, chunk, out_scores, out_ids, found
):
    """:func:`threshold_one` over ``[start, end)`` in chunks of ``chunk`` rows, one thread a
    chunk. Chunk ``c`` writes its hits from ``out[c * chunk]`` on and its count to ``found[c]``
    (a chunk has at most ``chunk`` hits, so the chunks never overlap)."""
    for c in prange(found.shape[0]):
        a = start + c * chunk
        b = min(a + chunk, end)
        o = c * chunk
        found[c] = threshold_one(
            db, pop, order, wc, a, b, q, qw, qc, threshold, counts,
            out_scores[o : o + chunk], out_ids[o : o + chunk],
        )  # fmt: skip


@njit(cache=True)
def compact_chunks(scores, ids, chunk, found):  # type: ignore[no-untyped-def]
    """Move the hits :func:`threshold_chunks` left in each chunk to the front, in place;
    returns their number (chunk ``c`` starts at ``c * chunk``, never left of the hits before it)."""
    total = 0
    for c in range(found.shape[0]):
        o = c * chunk
        if o != total:
            for i in range(found[c]):
                scores[total + i] = scores[o + i]
                ids[total + i] = ids[o + i]
        total += found[c]
    return total


def set_threads(count: int) -> None:
    """Threads used by :func:`topk_many` (numba's thread pool)."""
    numba.set_num_threads(count)
