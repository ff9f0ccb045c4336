"""Optimal rigid superposition (Kabsch), batched over frames, and residue correspondence.

References
----------
.. [1] W. Kabsch, "A solution for the best rotation to relate two sets of vectors",
   Acta Cryst. A32, 922–923 (1976), doi:10.1107/S0567739476001873.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ai4s_lab._optional import is_available
from ai4s_lab.errors import InputError
from ai4s_lab.protein.geometry import as_coordinates
from ai4s_lab.protein.structure import Structure

if TYPE_CHECKING:
    import torch

__all__ = ["Superposition", "kabsch", "matched_coordinates", "sequence_alignment", "superpose"]

HAVE_NUMBA = is_available("numba")


def kabsch(
    mobile: torch.Tensor, target: torch.Tensor, weights: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Rotation and translation that best map ``mobile`` onto ``target`` (least squares).

    The least-squares rotation of Kabsch [1]_, found as the unit quaternion of the largest
    eigenvalue of Horn's symmetric 4 × 4 matrix of the 3 × 3 covariance [2]_ (the quaternion
    form on which QCP [3]_ builds). All frames are solved at once: one matrix product for the
    covariances, one batched 4 × 4 symmetric eigensolver (always in float64; it costs next to
    nothing) — no loop over frames and no 3 × 3 SVD with its reflection fix-up.

    Parameters
    ----------
    mobile, target
        ``(..., n, 3)`` tensors (Å) with broadcastable leading dimensions.
    weights
        ``(..., n)`` non-negative weights (a 0/1 mask selects points); equal by default.

    Returns
    -------
    rotation, translation
        ``(..., 3, 3)`` and ``(..., 3)`` such that ``mobile @ rotation.mT + translation`` is the
        superposed mobile. Proper rotations only (det = +1): a unit quaternion cannot encode a
        reflection, the same optimum as Kabsch's with reflections excluded.

    References
    ----------
    .. [1] W. Kabsch, Acta Cryst. A32, 922 (1976), doi:10.1107/S0567739476001873.
    .. [2] B. K. P. Horn, "Closed-form solution of absolute orientation using unit
       quaternions", J. Opt. Soc. Am. A 4, 629 (1987), doi:10.1364/JOSAA.4.000629.
    .. [3] D. L. Theobald, "Rapid calculation of RMSDs using a quaternion-based characteristic
       polynomial", Acta Cryst. A61, 478 (2005), doi:10.1107/S0108767305015266.
    """
    if mobile.shape[-2] == 0 or target.shape[-2] == 0:
        raise InputError(
            f"kabsch got {mobile.shape[-2]} mobile and {target.shape[-2]} target points: a "
            "superposition needs at least one point (coordinates of shape (..., n, 3), n >= 1)"
        )
    if _numba_applies(mobile, target, weights):
        return _kabsch_numba(mobile, target, weights)
    return _kabsch_torch(mobile, target, weights)


def _numba_applies(
    mobile: torch.Tensor, target: torch.Tensor, weights: torch.Tensor | None
) -> bool:
    """Frames on the CPU onto one target, no gradients: the compiled per-frame QCP is faster
    than the batched torch path (no 4 × 4 eigensolver, no temporaries)."""
    import torch

    return (
        HAVE_NUMBA
        and mobile.device.type == "cpu"
        and target.device.type == "cpu"
        and mobile.ndim in (2, 3)
        and target.ndim == 2
        and mobile.dtype in (torch.float32, torch.float64)
        and (weights is None or (weights.ndim == 1 and weights.device.type == "cpu"))
        and not (mobile.requires_grad or target.requires_grad)
    )


def _kabsch_numba(
    mobile: torch.Tensor, target: torch.Tensor, weights: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    import torch

    from ai4s_lab.protein._qcp_numba import kabsch_frames

    if mobile.ndim == 2:
        rot, trans = _kabsch_numba(mobile[None], target, weights)
        return rot[0], trans[0]
    n_frames, n = mobile.shape[0], mobile.shape[1]
    if weights is None:
        w = np.full(n, 1.0 / n)
    else:
        w = weights.detach().to(torch.float64).numpy()
        w = w / max(w.sum(), np.finfo(np.float64).tiny)
    t = target.detach().to(torch.float64).numpy()
    centroid = w @ t
    work = np.zeros((n_frames, 4, 4))  # each frame's 4 x 4 work space, then its rotation
    translation = np.zeros((n_frames, 3))
    degenerate = np.zeros(n_frames, dtype=np.bool_)
    frames = mobile.detach().contiguous().numpy()
    kabsch_frames(frames, t - centroid, centroid, w, work, translation, degenerate)
    rot = torch.from_numpy(np.ascontiguousarray(work[:, :3, :3])).to(mobile.dtype)
    trans = torch.from_numpy(translation).to(mobile.dtype)
    if degenerate.any():  # a repeated largest eigenvalue: let the eigensolver pick one rotation
        index = torch.from_numpy(np.flatnonzero(degenerate))
        rot[index], trans[index] = _kabsch_torch(mobile[index], target, weights)
    return rot, trans


def _kabsch_torch(
    mobile: torch.Tensor, target: torch.Tensor, weights: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    import torch

    n = mobile.shape[-2]
    tiny = torch.finfo(mobile.dtype).tiny
    if target.ndim == 2 and mobile.ndim >= 2 and (weights is None or weights.ndim == 1):
        # One target for every frame: the covariances of all frames are one product of the
        # centred flat frames (..., 3n) with a (3n, 9) matrix built from the centred target.
        w = torch.full((n,), 1.0 / n, dtype=mobile.dtype, device=mobile.device)
        if weights is not None:
            w = weights.to(mobile.dtype) / weights.sum().clamp_min(tiny)
        tc = w @ target
        mc = (w[:, None] * mobile).sum(dim=-2) if weights is not None else mobile.mean(dim=-2)
        q = w[:, None] * (target - tc)
        basis = torch.zeros((n, 3, 9), dtype=mobile.dtype, device=mobile.device)
        for i in range(3):
            basis[:, i, 3 * i : 3 * i + 3] = q
        lead = mobile.shape[:-2]
        centred = (mobile - mc[..., None, :]).reshape(*lead, 3 * n)
        h = (centred @ basis.reshape(3 * n, 9)).reshape(*lead, 3, 3)
    else:
        if weights is None:
            weights = torch.ones(mobile.shape[:-1], dtype=mobile.dtype, device=mobile.device)
        w = weights / weights.sum(dim=-1, keepdim=True).clamp_min(tiny)
        mc = (w[..., None] * mobile).sum(dim=-2)
        tc = (w[..., None] * target).sum(dim=-2)
        p = w[..., None] * (mobile - mc[..., None, :])
        h = p.mT @ (target - tc[..., None, :])
    rotation = _horn_rotation(h.to(torch.float64)).to(mobile.dtype)
    translation = tc - (rotation @ mc[..., None])[..., 0]
    return rotation, translation


def _horn_rotation(h: torch.Tensor) -> torch.Tensor:
    """The proper rotation R maximising tr(R H) for covariances ``h`` ``(..., 3, 3)`` (Horn)."""
    import torch

    sxx, sxy, sxz = h[..., 0, 0], h[..., 0, 1], h[..., 0, 2]
    syx, syy, syz = h[..., 1, 0], h[..., 1, 1], h[..., 1, 2]
    szx, szy, szz = h[..., 2, 0], h[..., 2, 1], h[..., 2, 2]
    k = torch.stack(
        [
            torch.stack([sxx + syy + szz, syz - szy, szx - sxz, sxy - syx], dim=-1),
            torch.stack([syz - szy, sxx - syy - szz, sxy + syx, szx + sxz], dim=-1),
            torch.stack([szx - sxz, sxy + syx, syy - sxx - szz, syz + szy], dim=-1),
            torch.stack([sxy - syx, szx + sxz, syz + szy, szz - sxx - syy], dim=-1),
        ],
        dim=-2,
    )
    _, vectors = torch.linalg.eigh(k)  # ascending eigenvalues: the last is the largest
    w, x, y, z = vectors[..., 0, 3], vectors[..., 1, 3], vectors[..., 2, 3], vectors[..., 3, 3]
    return torch.stack(
        [
            torch.stack(
                [w * w + x * x - y * y - z * z, 2 * (x * y - w * z), 2 * (x * z + w * y)], -1
            ),
            torch.stack(
                [2 * (x * y + w * z), w * w - x * x + y * y - z * z, 2 * (y * z - w * x)], -1
            ),
            torch.stack(
                [2 * (x * z - w * y), 2 * (y * z + w * x), w * w - x * x - y * y + z * z], -1
            ),
        ],
        dim=-2,
    )


@dataclass(frozen=True)
class Superposition:
    """The result of :func:`superpose`.

    Attributes
    ----------
    coords
        ``(n_frames, n_atoms, 3)`` superposed coordinates of every atom of the mobile (Å).
    rotation, translation
        ``(n_frames, 3, 3)`` and ``(n_frames, 3)``: ``x @ rotation.T + translation``.
    rmsd
        ``(n_frames,)`` RMSD (Å) over the selected, matched atoms after superposition.
    n_matched
        Number of matched atoms used for the fit.
    structure
        The mobile :class:`Structure` with superposed coordinates (when a structure was given).
    """

    coords: torch.Tensor
    rotation: torch.Tensor
    translation: torch.Tensor
    rmsd: torch.Tensor
    n_matched: int
    structure: Structure | None = None


def matched_coordinates(
    mobile: Structure,
    target: Structure,
    selection: str = "CA",
    alignment: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Atom indices of ``mobile`` and ``target`` that correspond, for a superposition.

    Parameters
    ----------
    mobile, target
        Structures.
    selection
        Atom set: ``"CA"``, ``"backbone"``, ``"heavy"`` or ``"all"`` (atoms matched by residue
        and atom name).
    alignment
        ``None``: residues correspond by (chain, number, insertion code). ``"sequence"``:
        align the two sequences (biotite, BLOSUM62, global) and match aligned residues. Or an
        ``(k, 2)`` array of polymer-residue positions ``(i_mobile, i_target)``.

    Returns
    -------
    mobile_atoms, target_atoms, residue_pairs
        Matched atom indices (same length) and the ``(k, 2)`` polymer-residue pairs.
    """
    pairs = _residue_pairs(mobile, target, alignment)
    if len(pairs) == 0:
        raise InputError(
            f"no residues of {mobile.name!r} (chains {mobile.chains}) correspond "
            f"to residues of {target.name!r} (chains {target.chains}) by chain, "
            "number and insertion code; pass alignment='sequence' or an explicit alignment"
        )
    m_idx = mobile.atom_indices(selection)
    t_idx = target.atom_indices(selection)
    m_keys = _atom_keys(mobile, m_idx)
    t_lookup = dict(zip(_atom_keys(target, t_idx), t_idx.tolist(), strict=True))
    residue_map = dict(pairs.tolist())
    m_out, t_out = [], []
    for atom, (res, name) in zip(m_idx.tolist(), m_keys, strict=True):
        partner = residue_map.get(res)
        if partner is None:
            continue
        hit = t_lookup.get((partner, name))
        if hit is not None:
            m_out.append(atom)
            t_out.append(hit)
    if len(m_out) < 3:
        raise InputError(
            f"only {len(m_out)} atoms of selection={selection!r} match between "
            f"{mobile.name!r} and {target.name!r}; a superposition needs at least 3"
        )
    return np.array(m_out), np.array(t_out), pairs


def _atom_keys(structure: Structure, index: np.ndarray) -> list[tuple[int, str]]:
    residue = structure.residue_of_atoms(index)
    return list(zip(residue.tolist(), structure.atom_name[index].tolist(), strict=True))


def _residue_pairs(mobile: Structure, target: Structure, alignment: Any) -> np.ndarray:
    if alignment is None:
        t_pos = {key: i for i, key in enumerate(target.residue_ids)}
        found = [(i, t_pos[key]) for i, key in enumerate(mobile.residue_ids) if key in t_pos]
        return np.array(found, dtype=np.int64).reshape(-1, 2)
    if isinstance(alignment, str):
        if alignment != "sequence":
            raise InputError(f"alignment={alignment!r}: use None, 'sequence' or index pairs")
        pairs = sequence_alignment(mobile.sequence, target.sequence)
        _warn_if_unrelated(mobile, target, pairs)
        return pairs
    pairs = np.asarray(alignment, dtype=np.int64)
    n_m, n_t = len(mobile.polymer_residues), len(target.polymer_residues)
    if pairs.ndim != 2 or pairs.shape[1] != 2:
        raise InputError(f"alignment must be (k, 2) residue pairs, got shape {pairs.shape}")
    if (pairs < 0).any() or (pairs[:, 0] >= n_m).any() or (pairs[:, 1] >= n_t).any():
        raise InputError(
            f"alignment holds residue positions outside 0..{n_m - 1} (mobile) or "
            f"0..{n_t - 1} (target)"
        )
    return pairs


def sequence_alignment(seq_a: str, seq_b: str) -> np.ndarray:
    """Aligned residue pairs ``(k, 2)`` of a global BLOSUM62 alignment (biotite).

    Parameters
    ----------
    seq_a, seq_b
        One-letter sequences; letters outside BLOSUM62 (``U``, ``O``) count as ``X``.

    Returns
    -------
    numpy.ndarray
        ``(k, 2)`` positions ``(i_a, i_b)`` of the aligned (non-gap) residue pairs.

    Raises
    ------
    InputError
        An empty sequence, or one that is not a ``str``.
    """
    from ai4s_lab._optional import import_optional

    import_optional("biotite")

    for name, seq in (("seq_a", seq_a), ("seq_b", seq_b)):
        if not isinstance(seq, str):
            hint = " (a Structure's is `structure.sequence`)" if hasattr(seq, "sequence") else ""
            raise InputError(
                f"{name} is a {type(seq).__name__}: sequence_alignment takes one-letter "
                f"sequences as str{hint}"
            )
    if not seq_a or not seq_b:
        raise InputError(
            f"cannot align an empty sequence (lengths {len(seq_a)} and {len(seq_b)}): "
            "a structure without amino-acid residues has none"
        )
    trace = _best_alignment(seq_a, seq_b).trace
    keep = (trace >= 0).all(axis=1)
    return np.asarray(trace[keep], dtype=np.int64)


def _best_alignment(seq_a: str, seq_b: str) -> Any:
    """The optimal global BLOSUM62 alignment (biotite ``Alignment``), end gaps free."""
    import biotite.sequence as bseq
    import biotite.sequence.align as balign

    matrix = balign.SubstitutionMatrix.std_protein_matrix()
    # Letters BLOSUM62 lacks (U selenocysteine, O pyrrolysine, gaps) align as unknown, X.
    known = frozenset(bseq.ProteinSequence.alphabet.get_symbols()) - {"*"}
    a = bseq.ProteinSequence("".join(c if c in known else "X" for c in seq_a.upper()))
    b = bseq.ProteinSequence("".join(c if c in known else "X" for c in seq_b.upper()))
    return balign.align_optimal(
        a, b, matrix, gap_penalty=(-10, -1), terminal_penalty=False, max_number=1
    )[0]


#: Sequences this identical over their aligned pairs are related (the "twilight zone" of
#: sequence alignment lies below ~30 %); below it, the alignment's score is compared with the
#: scores of shuffled sequences.
RELATED_IDENTITY = 0.3
#: Standard deviations above the mean score of shuffled sequences that an alignment of related
#: sequences reaches; unrelated proteins stay near 0–2.
RELATED_Z_SCORE = 4.0
_SHUFFLES = 10
#: Above this many alignment cells (length × length) the shuffle test is skipped (~2 s).
_MAX_SHUFFLED_CELLS = 2_000_000


def _warn_if_unrelated(mobile: Structure, target: Structure, pairs: np.ndarray) -> None:
    """Warn where ``alignment="sequence"`` paired residues of sequences that look unrelated:
    low identity, and an alignment score no better than that of shuffled sequences."""
    import warnings

    from ai4s_lab.errors import Ai4sWarning

    seq_a, seq_b = mobile.sequence, target.sequence
    a, b = np.array(list(seq_a)), np.array(list(seq_b))
    identity = float(np.mean(a[pairs[:, 0]] == b[pairs[:, 1]])) if len(pairs) else 0.0
    if identity >= RELATED_IDENTITY or len(a) * len(b) > _MAX_SHUFFLED_CELLS:
        return
    score = _best_alignment(seq_a, seq_b).score
    rng = np.random.default_rng(0)  # the same verdict every time
    shuffled = [_best_alignment("".join(rng.permutation(a)), seq_b).score for _ in range(_SHUFFLES)]
    spread = float(np.std(shuffled)) or 1.0
    z_score = (score - float(np.mean(shuffled))) / spread
    if z_score >= RELATED_Z_SCORE:
        return
    warnings.warn(
        f"alignment='sequence': {mobile.name or 'mobile'!r} and {target.name or 'target'!r} "
        f"align with {100 * identity:.0f} % identical residues over {len(pairs)} pairs (of "
        f"{len(a)} and {len(b)} residues), a score {z_score:.1f} standard deviations above "
        "that of shuffled sequences: they look unrelated, so the paired residues need not "
        "correspond in space and RMSD or TM-score over them say little; pair residues by "
        "structure (TM-align) to compare unrelated folds",
        Ai4sWarning,
        stacklevel=4,
    )


def _transform(x: torch.Tensor, rotation: torch.Tensor, translation: torch.Tensor) -> torch.Tensor:
    """``x @ rotation.mT + translation`` for ``(..., n, 3)`` points, as one contraction."""
    import torch

    if (
        HAVE_NUMBA
        and x.device.type == "cpu"
        and x.ndim == 3
        and rotation.shape == (x.shape[0], 3, 3)
        and not (x.requires_grad or rotation.requires_grad or translation.requires_grad)
    ):
        from ai4s_lab.protein._qcp_numba import transform_frames

        out = torch.empty_like(x, memory_format=torch.contiguous_format)
        transform_frames(
            x.detach().contiguous().numpy(),
            rotation.detach().contiguous().numpy(),
            translation.detach().contiguous().numpy(),
            out.numpy(),
        )
        return out
    if x.ndim == 3 and rotation.shape == (x.shape[0], 3, 3):
        # (R xᵀ)ᵀ: the long point axis is the product's wide side, far faster on CPUs than
        # x Rᵀ with its inner size of 3.
        return torch.baddbmm(translation[:, :, None], rotation, x.mT).mT.contiguous()
    return x @ rotation.mT + translation[..., None, :]


def _point_selection(selection: Any, n: int) -> np.ndarray:
    """The indices of the fitted points of an ``(…, n, 3)`` array: an index array or a boolean
    mask, checked (an :class:`InputError` names what is wrong)."""
    if isinstance(selection, str):
        raise InputError(
            f"selection={selection!r} names an atom set, which needs two Structures; for "
            "coordinate arrays give an index array or a boolean mask of the points"
        )
    sel = np.asarray(selection)
    if sel.dtype == bool:
        if sel.shape != (n,):
            raise InputError(f"a boolean selection of shape {sel.shape} does not fit {n} points")
        picked = np.flatnonzero(sel)
    elif sel.ndim == 1 and (sel.size == 0 or np.issubdtype(sel.dtype, np.integer)):
        picked = sel.astype(np.int64)
        outside = picked[(picked < -n) | (picked >= n)]
        if outside.size:
            raise InputError(
                f"selection indices {outside[:5].tolist()} are out of range for {n} points "
                f"(0 … {n - 1})"
            )
        picked = picked % n
    else:
        raise InputError(
            f"selection of dtype {sel.dtype} and shape {sel.shape} is neither an index array "
            "nor a boolean mask of the points"
        )
    if picked.size == 0:
        raise InputError("the selection chooses no points; a fit needs at least one")
    return picked


def superpose(
    mobile: Structure | Any,
    target: Structure | Any,
    selection: str | Any = "CA",
    *,
    alignment: Any = None,
    weights: Any = None,
    device: str | torch.device | None = "auto",
    dtype: Any = None,
) -> Superposition:
    """Superpose ``mobile`` onto ``target`` by the Kabsch algorithm, every frame at once.

    Parameters
    ----------
    mobile
        A :class:`Structure` (every model is fitted) or ``(..., n, 3)`` coordinates (Å).
    target
        A :class:`Structure` (its first model) or ``(n, 3)``/``(..., n, 3)`` coordinates (Å).
    selection
        For structures: the atom set used for the fit (``"CA"``, ``"backbone"``, ``"heavy"``,
        ``"all"``); atoms are matched by residue and name (see :func:`matched_coordinates`).
        For arrays: ``None`` (all points) or an index array or boolean mask of the points.
    alignment
        Residue correspondence for structures (see :func:`matched_coordinates`).
    weights
        Optional per-point weights of the fitted points.
    device, dtype
        Where and in what precision (see :func:`ai4s_lab.resolve_device`).

    Returns
    -------
    Superposition
        Superposed coordinates of *all* mobile atoms, the transforms and the fitted RMSD (Å).

    References
    ----------
    .. [1] W. Kabsch, Acta Cryst. A32, 922 (1976), doi:10.1107/S0567739476001873.
    """
    import torch

    mobile_structure = mobile if isinstance(mobile, Structure) else None
    if isinstance(mobile, Structure) or isinstance(target, Structure):
        if not (isinstance(mobile, Structure) and isinstance(target, Structure)):
            raise InputError("pass two Structures or two coordinate arrays, not one of each")
        m_idx, t_idx, _ = matched_coordinates(mobile, target, selection, alignment)
        full = as_coordinates(mobile.coords, device, dtype)
        fit_target = as_coordinates(target.coords[0, t_idx], full.device, full.dtype)
        fit_mobile = full[:, m_idx]
    else:
        full = as_coordinates(mobile, device, dtype)
        tgt = as_coordinates(target, full.device, full.dtype)
        if selection is None or (isinstance(selection, str) and selection == "CA"):
            fit_mobile, fit_target = full, tgt  # every point: no gather, no copy
        else:
            picked = _point_selection(selection, int(full.shape[-2]))
            index = torch.as_tensor(picked).to(full.device)
            fit_mobile = full[..., index, :]
            fit_target = tgt[..., index, :] if tgt.shape[-2] == full.shape[-2] else tgt
        if fit_target.shape[-2] != fit_mobile.shape[-2]:
            raise InputError(
                f"mobile has {fit_mobile.shape[-2]} fitted points but target has "
                f"{fit_target.shape[-2]}; they must correspond one to one"
            )
    w = None
    if weights is not None:
        w = torch.as_tensor(np.asarray(weights), device=full.device, dtype=full.dtype)
        n_fit = fit_mobile.shape[-2]
        if w.shape != (n_fit,) or bool((w < 0).any()) or float(w.sum()) <= 0:
            raise InputError(
                f"weights must be {n_fit} non-negative numbers (one a fitted point), not all "
                f"zero; got shape {tuple(w.shape)}"
            )
    rotation, translation = kabsch(fit_mobile, fit_target, w)
    moved = _transform(full, rotation, translation)
    # With every point fitted (the common case of frames against a reference) the fitted points
    # are the moved ones: no second transform.
    fitted = moved if fit_mobile is full else _transform(fit_mobile, rotation, translation)
    diff = fitted - fit_target
    if w is None:  # one reduction over the flat frame: sqrt(Σ|d|² / n)
        rmsd = torch.linalg.vector_norm(diff.flatten(-2), dim=-1) / float(diff.shape[-2]) ** 0.5
    else:
        rmsd = torch.sqrt((w * (diff * diff).sum(dim=-1)).sum(dim=-1) / w.sum())
    result_structure = None
    if mobile_structure is not None:
        result_structure = mobile_structure.with_coords(moved.detach().cpu().double().numpy())
    return Superposition(
        coords=moved,
        rotation=rotation,
        translation=translation,
        rmsd=rmsd,
        n_matched=int(fit_mobile.shape[-2]),
        structure=result_structure,
    )
