"""``FingerprintIndex``: exact Tanimoto similarity search over packed Morgan fingerprints.

The index keeps the fingerprints of a library on a torch device, packed (uint64 words for bit
fingerprints, small unsigned counts for count fingerprints) and sorted by popcount, and answers
top-k (:meth:`~FingerprintIndex.search`, :meth:`~FingerprintIndex.search_many`) and threshold
(:meth:`~FingerprintIndex.threshold_search`) queries with exactly RDKit's scores. On the CPU the
kernels are numba code with the hardware popcount; elsewhere (or without numba) torch code.

References
----------
.. [Morgan] D. Rogers, M. Hahn, J. Chem. Inf. Model. 50, 742–754 (2010). doi:10.1021/ci100050t
.. [SB] S. J. Swamidass, P. Baldi, J. Chem. Inf. Model. 47, 302–317 (2007). doi:10.1021/ci600358f
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ai4s_lab.device import resolve_device
from ai4s_lab.errors import DataFileError, InputError, ParameterError
from ai4s_lab.molecules import _popcount
from ai4s_lab.molecules.fingerprints import (
    Fingerprints,
    FingerprintSpec,
    morgan_fingerprints,
    query_items,
    rdkit_vectors,
    to_fingerprints,
)
from ai4s_lab.molecules.standardization import StandardizeOptions, options_of, standardize_like

if TYPE_CHECKING:
    import torch

__all__ = ["FingerprintIndex", "SearchHits"]

logger = logging.getLogger(__name__)

_FORMAT = "ai4s-lab fingerprint index"
_FORMAT_VERSION = 1
_BACKENDS = ("auto", "numba", "torch")


@dataclass
class SearchHits:
    """Top-k results of :meth:`FingerprintIndex.search_many`.

    Attributes
    ----------
    scores
        ``(n_queries, k)`` float64 Tanimoto similarities, best first.
    indices
        ``(n_queries, k)`` int64 row numbers in the library (0-based), ties by smaller number.
    ids
        ``(n_queries, k)`` identifiers of those rows.
    """

    scores: np.ndarray
    indices: np.ndarray
    ids: np.ndarray

    def frame(self, query: int = 0) -> pd.DataFrame:
        """The hits of one query as a DataFrame (``rank``, ``index``, ``id``, ``similarity``)."""
        return pd.DataFrame(
            {
                "rank": np.arange(1, self.scores.shape[1] + 1),
                "index": self.indices[query],
                "id": self.ids[query],
                "similarity": self.scores[query],
            }
        )


class FingerprintIndex:
    """Packed Morgan fingerprints of a library, searchable by Tanimoto similarity.

    Parameters
    ----------
    fingerprints
        :class:`~ai4s_lab.molecules.fingerprints.Fingerprints` of the library (see
        :meth:`from_molecules` to compute them).
    ids
        One identifier a row (default ``"0"``, ``"1"``, ...).
    device
        Where the fingerprints live and the search runs (``"auto"``, ``"cpu"``, ``"cuda"``...).
    backend
        ``"auto"`` (numba on the CPU where installed, torch otherwise), ``"numba"`` or
        ``"torch"``.
    standardization
        The MolStandardize steps the library's molecules went through (``None``: none, or
        not known). Query molecules and SMILES go through the same steps before they are
        fingerprinted, so that a query is compared in the form the library is stored in (a
        carboxylate query finds its acid); query fingerprints are used as given.
        :meth:`from_molecules` takes it from a
        :class:`~ai4s_lab.molecules.MoleculeSet`.

    Notes
    -----
    Scores are RDKit's Tanimoto similarity exactly: ``c / (a + b - c)`` in float64 with ``c``
    the bits in common (bit fingerprints) or the sum of element-wise minima (count
    fingerprints), and 0 when both are empty. Ties are broken by the smaller row number.

    References
    ----------
    Morgan/ECFP: Rogers & Hahn 2010, doi:10.1021/ci100050t. Popcount bounds: Swamidass & Baldi
    2007, doi:10.1021/ci600358f.
    """

    def __init__(
        self,
        fingerprints: Fingerprints,
        ids: Sequence[Any] | None = None,
        *,
        device: str | torch.device | None = "auto",
        backend: str = "auto",
        standardization: StandardizeOptions | None = None,
    ) -> None:
        import torch

        if not isinstance(fingerprints, Fingerprints):
            raise InputError(
                "fingerprints must be a Fingerprints object (from morgan_fingerprints), got "
                f"{type(fingerprints).__name__}"
            )
        if len(fingerprints) == 0:
            raise InputError("cannot build a FingerprintIndex of zero fingerprints")
        if backend not in _BACKENDS:
            raise ParameterError(f"backend={backend!r}: use one of {_BACKENDS}")
        if standardization is not None and not isinstance(standardization, StandardizeOptions):
            raise ParameterError(
                f"standardization={standardization!r}: use None or StandardizeOptions(...)"
            )
        self.standardization = standardization
        self.spec = fingerprints.spec
        self.device = resolve_device(device)
        if backend == "auto":
            backend = "numba" if self.device.type == "cpu" and _popcount.HAVE_NUMBA else "torch"
        if backend == "numba" and (self.device.type != "cpu" or not _popcount.HAVE_NUMBA):
            raise ParameterError(
                "backend='numba' needs device='cpu' and the numba package "
                '(pip install "ai4s-lab[molecules]")'
            )
        self.backend = backend
        n = len(fingerprints)
        self.ids = np.asarray(
            [str(i) for i in range(n)] if ids is None else [str(i) for i in ids], dtype=object
        )
        if len(self.ids) != n:
            raise InputError(f"ids has {len(self.ids)} entries for {n} fingerprints")
        pop = fingerprints.popcounts()
        order = np.argsort(pop, kind="stable")
        pop_sorted = pop[order]
        top = int(pop_sorted[-1])
        bin_start = np.searchsorted(pop_sorted, np.arange(top + 2), side="left").astype(np.int64)
        self._order_np = order.astype(np.int64)
        self._pop_np = pop_sorted.astype(np.int64)
        self._bins_np = bin_start
        data = np.ascontiguousarray(fingerprints.data[order])
        self._data_np = data
        # word popcounts (bit fingerprints, numba backend): the word bound prefilter
        self._wc_np = (
            _popcount.word_counts(data) if backend == "numba" and not self.spec.counts else None
        )
        self._data = torch.from_numpy(data).to(self.device)
        self._pop = torch.from_numpy(self._pop_np).to(self.device)
        self._order = torch.from_numpy(self._order_np).to(self.device)

    # -- construction -----------------------------------------------------------------------

    @classmethod
    def from_molecules(
        cls,
        mols: Sequence[Any],
        *,
        radius: int = 2,
        n_bits: int = 2048,
        counts: bool = False,
        chirality: bool = False,
        features: bool = False,
        ids: Sequence[Any] | None = None,
        device: str | torch.device | None = "auto",
        backend: str = "auto",
        chunk_size: int = 10_000,
        progress: bool = False,
    ) -> FingerprintIndex:
        """Fingerprint molecules with RDKit's Morgan generator and index them.

        Parameters
        ----------
        mols
            RDKit molecules, SMILES strings, or a :class:`~ai4s_lab.molecules.MoleculeSet`
            (whose ids are then used, and whose standardization the queries then get too).
            Molecules are fingerprinted as given, not standardized here.
        radius, n_bits, counts, chirality, features
            Fingerprint settings (:class:`~ai4s_lab.molecules.fingerprints.FingerprintSpec`).
        ids, device, backend
            As for the constructor.
        chunk_size, progress
            Molecules fingerprinted per chunk; show a progress bar.
        """
        standardization = options_of(mols)
        if hasattr(mols, "ids") and hasattr(mols, "mols"):
            ids = mols.ids if ids is None else ids
        fps = morgan_fingerprints(
            list(mols),
            radius=radius,
            n_bits=n_bits,
            counts=counts,
            chirality=chirality,
            features=features,
            chunk_size=chunk_size,
            progress=progress,
        )
        return cls(fps, ids, device=device, backend=backend, standardization=standardization)

    def __len__(self) -> int:
        return int(self._data_np.shape[0])

    def __repr__(self) -> str:
        return (
            f"FingerprintIndex({len(self)} molecules, {self.spec.describe()}, "
            f"device={str(self.device)!r}, backend={self.backend!r})"
        )

    @property
    def fingerprints(self) -> Fingerprints:
        """The library's fingerprints in the original row order (a numpy copy)."""
        data = np.empty_like(self._data_np)
        data[self._order_np] = self._data_np
        return Fingerprints(data, self.spec)

    @property
    def nbytes(self) -> int:
        """Bytes of fingerprint data the index scans."""
        return int(self._data_np.nbytes)

    def to(self, device: str | torch.device | None, backend: str = "auto") -> FingerprintIndex:
        """A copy of the index on another device."""
        return FingerprintIndex(
            self.fingerprints,
            list(self.ids),
            device=device,
            backend=backend,
            standardization=self.standardization,
        )

    # -- search -----------------------------------------------------------------------------

    def query_fingerprints(self, queries: Any) -> Fingerprints:
        """Fingerprints of queries (SMILES, molecules, Fingerprints, packed arrays or RDKit
        fingerprint vectors such as ``ExplicitBitVect``), checked
        against the index's settings; a query made with other settings is refused. SMILES and
        molecules are standardized first where the library was (:attr:`standardization`)."""
        vectors = rdkit_vectors(queries, self.spec)
        if vectors is not None:
            return to_fingerprints(vectors, self.spec)
        if self.standardization is not None and not isinstance(queries, (Fingerprints, np.ndarray)):
            queries = standardize_like(
                queries if options_of(queries) is not None else query_items(queries),
                self.standardization,
                "the library",
                "pass its fingerprint to search it as it is",
            )
        return to_fingerprints(queries, self.spec)

    def _query_arrays(self, queries: Any) -> tuple[np.ndarray, np.ndarray]:
        """The queries' rows in the library's storage type, and their popcounts (count sums).

        A count fingerprint index stores its counts in the smallest type that holds them (uint8
        up to 255): a query count past that is clipped for the comparison, which leaves every
        ``min(query, library)`` unchanged, while its sum is taken from the true counts (a cast
        would wrap 298 round to 42). Query counts of a narrower type (a uint8 query of a
        uint16 library) are widened."""
        fps = self.query_fingerprints(queries)
        data, pop = fps.data, fps.popcounts()
        stored = self._data_np.dtype
        if self.spec.counts and data.dtype != stored:
            # in uint64, which holds any count and the largest stored one (a uint8 query
            # cannot be compared with 65535 in its own type)
            top = np.uint64(np.iinfo(stored).max)
            data = np.minimum(data.astype(np.uint64), top).astype(stored)
        return data, pop

    def search(self, query: Any, k: int = 10) -> pd.DataFrame:
        """The ``k`` library molecules most similar to one query.

        Parameters
        ----------
        query
            A SMILES string, an RDKit ``Mol`` (standardized first where the library was, see
            :attr:`standardization`), or one fingerprint (``Fingerprints`` of one row, a
            packed array or one 0/1 value a bit, or RDKit's ``ExplicitBitVect``/count
            vector) made with the index's settings.
        k
            How many hits (at most the library size).

        Returns
        -------
        pandas.DataFrame
            ``rank``, ``index`` (0-based library row), ``id``, ``similarity`` (Tanimoto, 0–1),
            best first; ties by smaller row number.
        """
        fps = self.query_fingerprints(query)
        if len(fps) != 1:
            raise InputError(f"search takes one query, got {len(fps)}; use search_many")
        return self.search_many(fps, k).frame(0)

    def search_many(self, queries: Any, k: int = 10) -> SearchHits:
        """Top-k hits for many queries at once, in bounded memory.

        Numba backend: each query sweeps the popcount-sorted library outward from its own
        popcount and stops when the Swamidass–Baldi bound of the next rows is below its current
        k-th score, so it reads only rows that can still enter its top k; queries run in popcount
        order (neighbours read the same rows while cached), split over numba's threads. Memory
        beyond the index is ``O(n_queries × k)`` (numba) or a fixed chunk budget (torch).

        Parameters
        ----------
        queries
            SMILES strings, molecules (standardized first where the library was), or
            ``Fingerprints``, a packed ``(n, words)`` array or a list of RDKit fingerprint
            vectors (used as given).
        k
            Hits per query (at most the library size).

        Returns
        -------
        SearchHits
            Equal, query by query, to :meth:`search`.
        """
        k = self._check_k(k)
        query_data, qpop = self._query_arrays(queries)
        if len(query_data) == 0:
            return SearchHits(
                scores=np.zeros((0, k)),
                indices=np.zeros((0, k), dtype=np.int64),
                ids=np.zeros((0, k), dtype=object),
            )
        if self.backend == "numba":
            scores, rows = _popcount.numba_topk(
                self._data_np,
                self._pop_np,
                self._order_np,
                self._bins_np,
                query_data,
                qpop,
                k,
                word_counts=self._wc_np,
            )
        else:
            import torch

            data, q = self._torch_operands(query_data)
            s, i = _popcount.torch_topk(
                data,
                self._pop,
                self._order,
                q,
                torch.from_numpy(qpop).to(self.device),
                k,
                counts=self.spec.counts,
            )
            scores, rows = s.cpu().numpy(), i.cpu().numpy()
        return SearchHits(scores=scores, indices=rows, ids=self.ids[rows])

    def threshold_search(self, query: Any, threshold: float = 0.7) -> pd.DataFrame:
        """Every library molecule with Tanimoto similarity ≥ ``threshold`` to the query.

        Only rows whose popcount bound ``min(a, b) / max(a, b)`` reaches the threshold are read
        (Swamidass & Baldi 2007, doi:10.1021/ci600358f). The query is taken as by
        :meth:`search` (standardized first where the library was).

        Returns
        -------
        pandas.DataFrame
            ``index``, ``id``, ``similarity``, best first, ties by smaller row number.
        """
        if not 0.0 <= float(threshold) <= 1.0:
            raise ParameterError(f"threshold={threshold!r}: use a number from 0 to 1")
        query_data, qpop = self._query_arrays(query)
        if len(query_data) != 1:
            raise InputError(f"threshold_search takes one query, got {len(query_data)}")
        qc = int(qpop[0])
        if self.backend == "numba":
            scores, rows = _popcount.numba_threshold(
                self._data_np,
                self._pop_np,
                self._order_np,
                self._bins_np,
                query_data[0],
                qc,
                float(threshold),
                word_counts=self._wc_np,
            )
        else:
            start, end = _popcount.bound_range(self._bins_np, qc, float(threshold))
            data, q = self._torch_operands(query_data)
            s, i = _popcount.torch_threshold(
                data,
                self._pop,
                self._order,
                q[0],
                qc,
                float(threshold),
                start,
                end,
                counts=self.spec.counts,
            )
            scores, rows = s.cpu().numpy(), i.cpu().numpy()
        order = np.lexsort((rows, -scores))
        rows, scores = rows[order], scores[order]
        return pd.DataFrame({"index": rows, "id": self.ids[rows], "similarity": scores})

    def _torch_operands(self, query_data: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """The library tensor itself (no copy: bit fingerprints as an int64 view, counts as
        stored) and the queries on the index's device in the same form; the torch kernels
        convert the counts a chunk at a time."""
        import torch

        q = torch.from_numpy(query_data).to(self.device)
        if self.spec.counts:
            return self._data, q
        return self._data.view(torch.int64), q.view(torch.int64)

    def _check_k(self, k: int) -> int:
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
            raise ParameterError(f"k={k!r}: use a positive integer")
        return int(min(k, len(self)))

    # -- persistence ------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Save to a numpy ``.npz`` file with the fingerprint settings and the ids.

        Returns
        -------
        Path
            The file written (``.npz`` is appended when missing: ``save("nci")`` writes
            ``nci.npz``, which ``load("nci")`` reads).
        """
        path = _npz_path(Path(path))
        steps = self.standardization
        meta = {
            "format": _FORMAT,
            "version": _FORMAT_VERSION,
            "spec": json.loads(self.spec.to_json()),
            "standardization": steps.as_dict() if steps is not None else None,
        }
        np.savez(
            path,
            fingerprints=self.fingerprints.data,
            ids=self.ids.astype(str),
            meta=np.array(json.dumps(meta)),
        )
        return path

    @classmethod
    def load(
        cls,
        path: str | Path,
        *,
        device: str | torch.device | None = "auto",
        backend: str = "auto",
        expect: FingerprintSpec | None = None,
    ) -> FingerprintIndex:
        """Load an index written by :meth:`save`.

        Parameters
        ----------
        path
            The file :meth:`save` wrote, or the path that was given to :meth:`save` (without
            its ``.npz``, as :meth:`save` appends it).
        device, backend
            Where to search, as for :class:`FingerprintIndex` (the file holds no device).
        expect
            If given, the settings the caller needs; a file made with others is refused.

        Raises
        ------
        DataFileError
            If the file is not an index file, or was made with other settings than ``expect``.
        """
        given = Path(path)
        tried = list(dict.fromkeys([_npz_path(given), given]))
        path = next((p for p in tried if p.is_file()), given)
        if not path.is_file():
            raise DataFileError(
                given,
                "no such file" + (f" (nor {tried[0]})" if len(tried) > 1 else ""),
                hint="give the path that FingerprintIndex.save wrote or was given",
            )
        not_index = "is not a fingerprint index file written by FingerprintIndex.save()"
        hint = "rebuild it with FingerprintIndex.from_molecules(...) and save() it"
        try:
            with np.load(path, allow_pickle=False) as archive:
                meta = json.loads(str(archive["meta"]))
                data = archive["fingerprints"]
                ids = archive["ids"].tolist()
        except KeyError as err:
            raise DataFileError(path, f"{not_index}: it has no {err} array", hint=hint) from err
        except (ValueError, OSError) as err:
            # numpy's own message would suggest allow_pickle=True, unsafe on a file of unknown
            # origin; an index file holds no pickled objects
            raise DataFileError(
                path, f"{not_index} (not a numpy .npz archive of an index's arrays)", hint=hint
            ) from err
        if meta.get("format") != _FORMAT or meta.get("version") != _FORMAT_VERSION:
            raise DataFileError(path, f"is not a version-{_FORMAT_VERSION} fingerprint index")
        spec = FingerprintSpec(**meta["spec"])
        if expect is not None and expect != spec:
            raise DataFileError(
                path,
                f"holds {spec.describe()} ({spec}) but {expect.describe()} was expected",
                hint="rebuild the index with the settings you need",
            )
        steps = meta.get("standardization")  # absent from files of earlier versions
        try:
            standardization = StandardizeOptions.from_dict(steps) if steps is not None else None
        except (TypeError, ParameterError) as err:
            raise DataFileError(
                path, f"has standardization steps this version does not know: {steps}"
            ) from err
        return cls(
            Fingerprints(data, spec),
            list(ids),
            device=device,
            backend=backend,
            standardization=standardization,
        )


def _npz_path(path: Path) -> Path:
    """The file :meth:`FingerprintIndex.save` writes for ``path``: ``.npz`` appended if missing
    (as ``numpy.savez`` does)."""
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")
