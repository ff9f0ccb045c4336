"""Morgan (ECFP-like) fingerprints from RDKit's fingerprint generators, packed for fast search.

A bit fingerprint of ``n_bits`` bits is packed little-endian into ``n_bits / 64`` unsigned 64-bit
words (bit ``i`` is bit ``i % 64`` of word ``i // 64``); a count fingerprint keeps one small
unsigned integer per position (the number of times an environment hashed there), as RDKit's
``GetCountFingerprint`` does.

References
----------
.. [Morgan] D. Rogers, M. Hahn, "Extended-connectivity fingerprints", J. Chem. Inf. Model. 50,
   742–754 (2010). doi:10.1021/ci100050t
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ai4s_lab._numbers import is_integer
from ai4s_lab.errors import InputError, ParameterError
from ai4s_lab.molecules._rdkit import as_mol, chem, without_hydrogens

__all__ = ["FingerprintSpec", "Fingerprints", "morgan_fingerprints"]


@dataclass(frozen=True)
class FingerprintSpec:
    """The settings a fingerprint was made with; two fingerprints compare only if these match.

    Attributes
    ----------
    radius
        Morgan radius (2 gives ECFP4-like environments of diameter 4 bonds).
    n_bits
        Folded length in bits; a multiple of 64.
    counts
        Count fingerprint (how often each position was hit) instead of bits.
    chirality
        Include chirality in the atom invariants.
    features
        Feature invariants (FCFP-like) instead of atom invariants (ECFP-like).
    """

    radius: int = 2
    n_bits: int = 2048
    counts: bool = False
    chirality: bool = False
    features: bool = False
    kind: str = "morgan"

    def __post_init__(self) -> None:
        if not is_integer(self.radius) or not 0 <= self.radius <= 8:
            raise ParameterError(f"radius={self.radius!r}: use an integer from 0 to 8")
        if not is_integer(self.n_bits) or self.n_bits <= 0 or self.n_bits % 64:
            raise ParameterError(
                f"n_bits={self.n_bits!r}: use a positive multiple of 64 (e.g. 1024, 2048)"
            )
        # numpy integers are kept as plain ints, so that specs compare equal and to_json works
        object.__setattr__(self, "radius", int(self.radius))
        object.__setattr__(self, "n_bits", int(self.n_bits))
        if self.kind != "morgan":
            raise ParameterError(f"kind={self.kind!r}: only 'morgan' fingerprints are supported")

    @property
    def words(self) -> int:
        """Number of 64-bit words of a packed bit fingerprint."""
        return self.n_bits // 64

    def to_json(self) -> str:
        """The settings as a JSON string (stored in saved indexes)."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> FingerprintSpec:
        """Inverse of :meth:`to_json`."""
        return cls(**json.loads(text))

    def generator(self) -> Any:
        """RDKit's Morgan fingerprint generator for these settings."""
        from rdkit.Chem import rdFingerprintGenerator as gen

        kwargs: dict[str, Any] = {
            "radius": self.radius,
            "fpSize": self.n_bits,
            "includeChirality": self.chirality,
        }
        if self.features:
            kwargs["atomInvariantsGenerator"] = gen.GetMorganFeatureAtomInvGen()
        return gen.GetMorganGenerator(**kwargs)

    def describe(self) -> str:
        """A short human name, e.g. ``"Morgan r=2, 2048 bits"``."""
        what = "counts" if self.counts else "bits"
        extra = ", chiral" if self.chirality else ""
        extra += ", features" if self.features else ""
        return f"Morgan r={self.radius}, {self.n_bits} {what}{extra}"


@dataclass
class Fingerprints:
    """Fingerprints of a list of molecules with the settings they were made with.

    Attributes
    ----------
    data
        ``(n, n_bits // 64)`` uint64 for bit fingerprints, ``(n, n_bits)`` uint8/uint16/uint32
        for count fingerprints (the smallest type that holds the largest count).
    spec
        The settings.
    """

    data: np.ndarray
    spec: FingerprintSpec

    def __len__(self) -> int:
        return int(self.data.shape[0])

    def popcounts(self) -> np.ndarray:
        """Bits set (bit fingerprints) or sum of counts (count fingerprints) per row, int64."""
        if self.spec.counts:
            return self.data.sum(axis=1, dtype=np.int64)
        return np.bitwise_count(self.data).sum(axis=1, dtype=np.int64)

    def to_rdkit(self, index: int) -> Any:
        """Row ``index`` as an RDKit ``ExplicitBitVect`` or ``UIntSparseIntVect``."""
        from rdkit import DataStructs

        row = self.data[index]
        if self.spec.counts:
            vect = DataStructs.UIntSparseIntVect(self.spec.n_bits)
            for position in np.flatnonzero(row):
                vect[int(position)] = int(row[position])
            return vect
        bits = np.unpackbits(row.view(np.uint8), bitorder="little")
        vect = DataStructs.ExplicitBitVect(self.spec.n_bits)
        vect.SetBitsFromList([int(i) for i in np.flatnonzero(bits)])
        return vect


def pack_bits(bits: np.ndarray) -> np.ndarray:
    """Pack a ``(n, n_bits)`` 0/1 array into ``(n, n_bits // 64)`` little-endian uint64 words."""
    bits = np.ascontiguousarray(bits, dtype=np.uint8)
    packed = np.packbits(bits, axis=-1, bitorder="little")
    return np.ascontiguousarray(packed).view("<u8").astype(np.uint64, copy=False)


def morgan_fingerprints(
    mols: Iterable[Any],
    *,
    radius: int = 2,
    n_bits: int = 2048,
    counts: bool = False,
    chirality: bool = False,
    features: bool = False,
    spec: FingerprintSpec | None = None,
    chunk_size: int = 10_000,
    progress: bool = False,
) -> Fingerprints:
    """Morgan fingerprints of molecules, computed by RDKit's generator and packed.

    Parameters
    ----------
    mols
        RDKit molecules (or SMILES strings, parsed here); anything else, such as ``None`` or
        an invalid SMILES, raises an :class:`~ai4s_lab.errors.InputError` naming its position.
        Explicit hydrogen atoms (``Chem.AddHs``, an SD file written with its hydrogens, the
        output of :func:`~ai4s_lab.molecules.embed_conformer`) are removed first, as ECFP
        describes the heavy atoms, their hydrogens counted in the atom invariants (Rogers &
        Hahn 2010): a molecule gets one fingerprint with or without them. Isotopic hydrogens
        (``[2H]``) are kept, as ``Chem.RemoveHs`` keeps them.
    radius, n_bits, counts, chirality, features
        The settings (see :class:`FingerprintSpec`); ignored when ``spec`` is given.
    spec
        Settings as one object.
    chunk_size
        Molecules converted per chunk (bounds the temporary unpacked memory).
    progress
        Show a tqdm progress bar.

    Returns
    -------
    Fingerprints

    References
    ----------
    Rogers & Hahn 2010, doi:10.1021/ci100050t.
    """
    from tqdm.auto import tqdm

    spec = spec or FingerprintSpec(
        radius=radius, n_bits=n_bits, counts=counts, chirality=chirality, features=features
    )
    generator = spec.generator()
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ParameterError(f"chunk_size={chunk_size!r}: use a positive integer")
    items = [mols] if isinstance(mols, (str, chem().Mol)) else list(mols)  # one molecule
    width = spec.n_bits if spec.counts else spec.words
    # RDKit gives uint32 counts (uint8 bits) a row; one chunk of them is kept at a time and
    # stored compact, so the wide rows of the whole library never exist at once
    wide = np.empty(
        (min(chunk_size, len(items)), spec.n_bits), np.uint32 if spec.counts else np.uint8
    )
    chunks: list[np.ndarray] = []
    bar = tqdm(total=len(items), desc="fingerprints", unit="mol", disable=not progress)
    for start in range(0, len(items), chunk_size):
        block = items[start : start + chunk_size]
        for offset, item in enumerate(block):
            mol = without_hydrogens(as_mol(item, f"molecule {start + offset}"))
            if spec.counts:
                wide[offset] = generator.GetCountFingerprintAsNumPy(mol)
            else:
                wide[offset] = generator.GetFingerprintAsNumPy(mol)
        chunks.append(
            _compact(wide[: len(block)]) if spec.counts else pack_bits(wide[: len(block)])
        )
        bar.update(len(block))
    bar.close()
    if not chunks:
        empty = np.zeros((0, width), dtype=np.uint8 if spec.counts else np.uint64)
        return Fingerprints(empty, spec)
    # concatenate promotes to the widest chunk's type: the smallest that holds every count
    data = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
    return Fingerprints(np.ascontiguousarray(data), spec)


def _compact(counts: np.ndarray) -> np.ndarray:
    """A copy of ``counts`` in the smallest unsigned type that holds its largest count."""
    return counts.astype(_count_dtype(int(counts.max(initial=0))))


def _count_dtype(largest: int) -> type[np.unsignedinteger[Any]]:
    if largest <= np.iinfo(np.uint8).max:
        return np.uint8
    if largest <= np.iinfo(np.uint16).max:
        return np.uint16
    return np.uint32


def as_fingerprints(data: np.ndarray | Fingerprints, spec: FingerprintSpec) -> Fingerprints:
    """Check that ``data`` was made with ``spec`` (or has its shape, for a raw array). A raw
    bit array may be packed (``n_bits // 64`` uint64 words a row) or one 0/1 value a bit
    (``n_bits`` a row, as RDKit's ``GetFingerprintAsNumPy`` gives)."""
    if isinstance(data, Fingerprints):
        if data.spec != spec:
            raise InputError(
                f"the query fingerprints were made with {data.spec.describe()} ({data.spec}) but "
                f"the index holds {spec.describe()} ({spec}); recompute the query with the "
                "index's settings, or pass SMILES/molecules and the index computes them"
            )
        return data
    array = np.asarray(data)
    if array.ndim == 1:
        array = array[None, :]
    width = spec.n_bits if spec.counts else spec.words
    if (
        not spec.counts
        and array.ndim == 2
        and array.shape[1] == spec.n_bits
        and array.dtype.kind in "uib"
        and np.isin(array, (0, 1)).all()
    ):
        # one 0/1 value a bit, as RDKit's GetFingerprintAsNumPy gives: packed here
        array = pack_bits(array)
    if array.ndim != 2 or array.shape[1] != width:
        what = (
            f"{spec.n_bits} counts"
            if spec.counts
            else f"{spec.words} uint64 words, or {spec.n_bits} values 0/1"
        )
        raise InputError(
            f"a raw query fingerprint array of shape {np.shape(data)} does not match the index "
            f"({spec.describe()}: {what} a row)"
        )
    if not spec.counts and array.dtype != np.uint64:
        raise InputError(f"packed bit fingerprints must be uint64, got {array.dtype}")
    if spec.counts and (array.dtype.kind not in "ui" or (array.size and array.min() < 0)):
        raise InputError(f"count fingerprints must be non-negative integers, got {array.dtype}")
    return Fingerprints(np.ascontiguousarray(array), spec)


def rdkit_vectors(queries: Any, spec: FingerprintSpec) -> np.ndarray | None:
    """RDKit fingerprint objects as a packed array for ``spec``, or ``None`` for other queries.

    An ``ExplicitBitVect`` (RDKit's ``GetFingerprint``) or a list of them is a bit fingerprint;
    a sparse count vector (``GetCountFingerprint``: ``UIntSparseIntVect``...) or a list of them
    a count fingerprint. Their length is checked against ``spec`` by :func:`as_fingerprints`;
    the settings they were made with (radius...) cannot be, as RDKit does not store them.

    Raises
    ------
    InputError
        For bit vectors given to a count index or the other way round.
    """
    from rdkit import DataStructs

    sparse = (
        DataStructs.UIntSparseIntVect,
        DataStructs.ULongSparseIntVect,
        DataStructs.IntSparseIntVect,
        DataStructs.LongSparseIntVect,
    )
    kinds = (DataStructs.ExplicitBitVect, *sparse)
    items = [queries] if isinstance(queries, kinds) else queries
    if not isinstance(items, (list, tuple)) or not items:
        return None
    if not all(isinstance(item, kinds) for item in items):
        return None
    bits = [isinstance(item, DataStructs.ExplicitBitVect) for item in items]
    if any(bits) != all(bits) or all(bits) == spec.counts:
        given = "bit vectors (ExplicitBitVect)" if all(bits) else "count vectors"
        raise InputError(
            f"the query is RDKit {given}, or a mix, but the index holds {spec.describe()}; "
            f"pass {'count' if spec.counts else 'bit'} fingerprints made with the index's "
            "settings, or SMILES/molecules and the index computes them"
        )
    if spec.counts:
        rows = np.zeros((len(items), max(item.GetLength() for item in items)), np.int64)
        for row, item in zip(rows, items, strict=True):
            for position, count in item.GetNonzeroElements().items():
                row[position] = count
        if rows.min(initial=0) < 0:
            raise InputError("count fingerprints must be non-negative, got a negative count")
        return rows.astype(np.uint32)
    lengths = {item.GetNumBits() for item in items}
    if len(lengths) > 1 or spec.n_bits not in lengths:
        raise InputError(
            f"the query bit vectors have {sorted(lengths)} bits but the index holds "
            f"{spec.describe()}; make them with fpSize={spec.n_bits}"
        )
    dense = np.zeros((len(items), spec.n_bits), np.uint8)
    for row, item in zip(dense, items, strict=True):
        row[list(item.GetOnBits())] = 1
    return pack_bits(dense)


def to_fingerprints(queries: Sequence[Any] | Any, spec: FingerprintSpec) -> Fingerprints:
    """Turn SMILES, molecules, :class:`Fingerprints`, packed arrays or RDKit fingerprint
    vectors into checked fingerprints."""
    vectors = rdkit_vectors(queries, spec)
    if vectors is not None:
        return as_fingerprints(vectors, spec)
    if isinstance(queries, (Fingerprints, np.ndarray)):
        return as_fingerprints(queries, spec)
    return morgan_fingerprints(query_items(queries), spec=spec)


def query_items(queries: Sequence[Any] | Any) -> list[Any]:
    """Queries as a list: one SMILES string or molecule (or ``None``) is a list of one."""
    if isinstance(queries, str) or hasattr(queries, "GetNumAtoms") or queries is None:
        return [queries]
    try:
        return list(queries)
    except TypeError:  # one item that is neither a molecule nor a list of them
        return [queries]
