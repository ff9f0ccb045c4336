"""FingerprintIndex against RDKit's BulkTanimotoSimilarity on the real NCI library (the oracle)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rdkit import Chem, DataStructs

from ai4s_lab.errors import DataFileError, InputError, ParameterError
from ai4s_lab.molecules import FingerprintIndex, FingerprintSpec, morgan_fingerprints
from ai4s_lab.molecules._popcount import HAVE_NUMBA

QUERIES = list(range(0, 4991, 211))  # 24 library molecules spread over the file
EXTERNAL = ["CC(=O)Oc1ccccc1C(=O)O", "c1ccc2ccccc2c1", "CN1CCC[C@H]1c1cccnc1", "O"]


def _backends(device: str) -> list[str]:
    return ["numba", "torch"] if device == "cpu" and HAVE_NUMBA else ["torch"]


def _rdkit_fps(mols: list[Any], spec: FingerprintSpec) -> list[Any]:
    gen = spec.generator()
    return [gen.GetCountFingerprint(m) if spec.counts else gen.GetFingerprint(m) for m in mols]


def _rdkit_topk(query_fp: Any, library_fps: list[Any], k: int) -> tuple[np.ndarray, np.ndarray]:
    """RDKit's scores, ranked best first with ties by the smaller row number."""
    scores = np.asarray(DataStructs.BulkTanimotoSimilarity(query_fp, library_fps))
    order = np.lexsort((np.arange(len(scores)), -scores))[:k]
    return order, scores[order]


@pytest.fixture(scope="module", params=[False, True], ids=["bits", "counts"])
def spec(request: pytest.FixtureRequest) -> FingerprintSpec:
    return FingerprintSpec(radius=2, n_bits=2048, counts=request.param)


@pytest.fixture(scope="module")
def rdkit_library(nci_library: Any, spec: FingerprintSpec) -> list[Any]:
    return _rdkit_fps(nci_library.mols, spec)


@pytest.fixture(scope="module")
def packed(nci_library: Any, spec: FingerprintSpec) -> Any:
    return morgan_fingerprints(nci_library.mols, spec=spec)


def test_packing_matches_rdkit_bits(
    nci_library: Any, packed: Any, rdkit_library: list[Any]
) -> None:
    for i in (0, 17, 4990):
        if packed.spec.counts:
            assert dict(rdkit_library[i].GetNonzeroElements()) == {
                int(j): int(packed.data[i, j]) for j in np.flatnonzero(packed.data[i])
            }
        else:
            assert list(rdkit_library[i].GetOnBits()) == list(packed.to_rdkit(i).GetOnBits())


@pytest.mark.parametrize("k", [1, 10, 100])
def test_topk_equals_rdkit_bulk_tanimoto(
    device: str, packed: Any, rdkit_library: list[Any], nci_library: Any, k: int
) -> None:
    queries = [nci_library.mols[i] for i in QUERIES] + [Chem.MolFromSmiles(s) for s in EXTERNAL]
    query_fps = _rdkit_fps(queries, packed.spec)
    ids = nci_library.ids
    for backend in _backends(device):
        index = FingerprintIndex(packed, nci_library.ids, device=device, backend=backend)
        hits = index.search_many(queries, k=k)
        for qi, query_fp in enumerate(query_fps):
            rows, scores = _rdkit_topk(query_fp, rdkit_library, k)
            np.testing.assert_array_equal(hits.indices[qi], rows, err_msg=f"{backend} query {qi}")
            np.testing.assert_allclose(hits.scores[qi], scores, rtol=0, atol=1e-12)
            assert list(hits.ids[qi]) == [ids[r] for r in rows]


def test_search_many_equals_search_one_by_one(device: str, packed: Any, nci_library: Any) -> None:
    for backend in _backends(device):
        index = FingerprintIndex(packed, device=device, backend=backend)
        queries = [nci_library.mols[i] for i in QUERIES[:8]]
        hits = index.search_many(queries, k=7)
        for qi, query in enumerate(queries):
            single = index.search(query, k=7)
            np.testing.assert_array_equal(single["index"].to_numpy(), hits.indices[qi])
            np.testing.assert_array_equal(single["similarity"].to_numpy(), hits.scores[qi])


@pytest.mark.parametrize("threshold", [0.0, 0.35, 0.7, 1.0])
def test_threshold_search_equals_rdkit(
    device: str, packed: Any, rdkit_library: list[Any], nci_library: Any, threshold: float
) -> None:
    for backend in _backends(device):
        index = FingerprintIndex(packed, device=device, backend=backend)
        for qi in QUERIES[:6]:
            found = index.threshold_search(nci_library.mols[qi], threshold)
            scores = np.asarray(
                DataStructs.BulkTanimotoSimilarity(rdkit_library[qi], rdkit_library)
            )
            expected = np.flatnonzero(scores >= threshold)
            expected = expected[np.lexsort((expected, -scores[expected]))]
            np.testing.assert_array_equal(found["index"].to_numpy(), expected)
            np.testing.assert_allclose(found["similarity"], scores[expected], rtol=0, atol=1e-12)


@pytest.mark.parametrize("threshold", [0.0, 0.5])
def test_parallel_threshold_scan_equals_rdkit(
    packed: Any, rdkit_library: list[Any], nci_library: Any, threshold: float,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Large scans run in chunks on numba's threads; forced here on a small library."""
    from ai4s_lab.molecules import _popcount

    monkeypatch.setattr(_popcount, "PARALLEL_MIN_ROWS", 1)
    index = FingerprintIndex(packed, device="cpu", backend="numba")
    for qi in QUERIES[:4]:
        found = index.threshold_search(nci_library.mols[qi], threshold)
        scores = np.asarray(DataStructs.BulkTanimotoSimilarity(rdkit_library[qi], rdkit_library))
        expected = np.flatnonzero(scores >= threshold)
        expected = expected[np.lexsort((expected, -scores[expected]))]
        np.testing.assert_array_equal(found["index"].to_numpy(), expected)
        np.testing.assert_allclose(found["similarity"], scores[expected], rtol=0, atol=1e-12)


def test_ties_break_by_row_number(device: str) -> None:
    # the same five molecules three times over: every score is tied three ways
    base = ["CCO", "CCN", "c1ccccc1", "CC(=O)O", "CCCCO"]
    mols = [Chem.MolFromSmiles(s) for s in base * 3]
    for backend in _backends(device):
        index = FingerprintIndex.from_molecules(mols, device=device, backend=backend)
        hits = index.search("CCO", k=4)
        assert hits["index"].tolist()[:3] == [0, 5, 10]
        assert hits["similarity"].tolist()[:3] == [1.0, 1.0, 1.0]
        ref = DataStructs.BulkTanimotoSimilarity(
            index.spec.generator().GetFingerprint(mols[0]),
            [index.spec.generator().GetFingerprint(m) for m in mols],
        )
        best_other = max(s for i, s in enumerate(ref) if i % 5)
        fourth = min(i for i, s in enumerate(ref) if s == best_other)
        assert hits["index"].tolist()[3] == fourth


def test_cpu_and_cuda_agree(packed: Any, nci_library: Any) -> None:
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device on this machine")
    cpu = FingerprintIndex(packed, device="cpu").search_many(nci_library.mols[:50], k=20)
    gpu = FingerprintIndex(packed, device="cuda").search_many(nci_library.mols[:50], k=20)
    np.testing.assert_array_equal(cpu.indices, gpu.indices)
    np.testing.assert_array_equal(cpu.scores, gpu.scores)


def test_save_load_round_trip_and_mismatched_query_refused(
    tmp_path: Path, packed: Any, nci_library: Any
) -> None:
    index = FingerprintIndex(packed, nci_library.ids, device="cpu")
    path = index.save(tmp_path / "nci")
    assert path.name == "nci.npz"
    loaded = FingerprintIndex.load(path, device="cpu")
    assert loaded.spec == index.spec and list(loaded.ids) == list(index.ids)
    query = nci_library.mols[5]
    assert loaded.search(query, k=5).equals(index.search(query, k=5))

    other = FingerprintSpec(radius=3, n_bits=2048, counts=packed.spec.counts)
    with pytest.raises(InputError, match="radius=3"):
        loaded.search(morgan_fingerprints([query], spec=other))
    with pytest.raises(DataFileError, match="was expected"):
        FingerprintIndex.load(path, expect=other)
    with pytest.raises(InputError, match="does not match the index"):
        loaded.search(np.zeros(7, dtype=np.uint64))
    bogus = tmp_path / "bogus.npz"
    np.savez(bogus, x=np.zeros(3))
    with pytest.raises(DataFileError, match="not a fingerprint index"):
        FingerprintIndex.load(bogus)


def test_bad_parameters() -> None:
    with pytest.raises(ParameterError, match="multiple of 64"):
        FingerprintSpec(n_bits=1000)
    index = FingerprintIndex.from_molecules(["CCO", "CCN"], device="cpu")
    with pytest.raises(ParameterError, match="k=0"):
        index.search("CCO", k=0)
    with pytest.raises(ParameterError, match="threshold"):
        index.threshold_search("CCO", 1.5)
    with pytest.raises(InputError, match="cannot parse"):
        index.search("C1CC")
    assert len(index.search("CCO", k=10)) == 2


def test_numba_topk_tiles_and_counts_agree(packed: Any, nci_library: Any) -> None:
    """The outward popcount sweep gives the same hits whatever the split of queries in tiles,
    with or without the word-popcount bound."""
    pytest.importorskip("numba")  # the molecules extra's; in CI its absence fails (conftest)
    from ai4s_lab.molecules import _popcount

    index = FingerprintIndex(packed, device="cpu", backend="numba")
    fps = index.query_fingerprints([nci_library.mols[i] for i in QUERIES[:8]])
    args = (index._data_np, index._pop_np, index._order_np, index._bins_np, fps.data)
    ref_s, ref_i = _popcount.numba_topk(*args, fps.popcounts(), 5, tile=8)
    wc = _popcount.word_counts(index._data_np)
    for tile, words in ((1, None), (3, None), (1, wc), (8, wc)):
        s, i = _popcount.numba_topk(*args, fps.popcounts(), 5, tile=tile, word_counts=words)
        np.testing.assert_array_equal(i, ref_i)
        np.testing.assert_array_equal(s, ref_s)
    for qi in range(len(fps)):  # threshold search with and without the word bound
        q, qc = fps.data[qi], int(fps.popcounts()[qi])
        plain = _popcount.numba_threshold(*args[:4], q, qc, 0.4)
        pruned = _popcount.numba_threshold(*args[:4], q, qc, 0.4, word_counts=wc)
        np.testing.assert_array_equal(np.sort(plain[1]), np.sort(pruned[1]))
    torch_hits = FingerprintIndex(packed, device="cpu", backend="torch").search_many(fps, 5)
    np.testing.assert_array_equal(torch_hits.indices, ref_i)


@pytest.mark.parametrize("backend", _backends("cpu"))
def test_no_queries_and_non_molecules(backend: str) -> None:
    index = FingerprintIndex.from_molecules(
        ["CCO", "CCN", "c1ccccc1"], device="cpu", backend=backend
    )
    hits = index.search_many([], k=2)
    assert hits.scores.shape == hits.indices.shape == hits.ids.shape == (0, 2)
    with pytest.raises(InputError, match=r"molecule 0 is NoneType.*read_molecules"):
        index.search(None)
    with pytest.raises(InputError, match=r"molecule 1 is int"):
        morgan_fingerprints(["CCO", 7])
    with pytest.raises(ParameterError, match="chunk_size=0"):
        morgan_fingerprints(["CCO"], chunk_size=0)


@pytest.mark.parametrize("backend", ["numba", "torch"] if HAVE_NUMBA else ["torch"])
def test_query_counts_past_the_library_storage_type_score_as_rdkit(backend: str) -> None:
    """A count index of small molecules stores its counts as uint8; a query with a count of
    298 (C300) must not wrap round to 42: top-k and threshold scores equal RDKit's."""
    library = [Chem.MolFromSmiles(s) for s in ("CCCCCCCCCC", "CCO", "c1ccccc1", "C" * 40)]
    spec = FingerprintSpec(radius=2, n_bits=2048, counts=True)
    index = FingerprintIndex.from_molecules(library, counts=True, device="cpu", backend=backend)
    assert index.fingerprints.data.max() <= 255
    query = Chem.MolFromSmiles("C" * 300)
    expected, expected_scores = _rdkit_topk(
        _rdkit_fps([query], spec)[0], _rdkit_fps(library, spec), 4
    )
    hits = index.search(query, k=4)
    np.testing.assert_array_equal(hits["index"].to_numpy(), expected)
    np.testing.assert_allclose(hits["similarity"].to_numpy(), expected_scores, rtol=1e-12)
    above = index.threshold_search(query, threshold=0.01)
    np.testing.assert_allclose(above["similarity"].to_numpy(), expected_scores[:2], rtol=1e-12)


def test_torch_search_reads_the_library_where_it_is_and_unpacks_queries_once(
    monkeypatch: pytest.MonkeyPatch, packed: Any, nci_library: Any, rdkit_library: list[Any]
) -> None:
    """The torch kernels get the index's own library tensor (no whole-library int32 copy a
    call), convert it a chunk at a time, unpack the queries once, and still score as RDKit."""
    import torch

    from ai4s_lab.molecules import _popcount

    index = FingerprintIndex(packed, device="cpu", backend="torch")
    seen: list[Any] = []
    for name in ("torch_topk", "torch_threshold"):
        kernel = getattr(_popcount, name)

        def spy(db: Any, *args: Any, _kernel: Any = kernel, **kwargs: Any) -> Any:
            seen.append(db)
            return _kernel(db, *args, **kwargs)

        monkeypatch.setattr(_popcount, name, spy)
    unpacked: list[int] = []
    unpack = _popcount._unpack

    def count_unpack(words: Any) -> Any:
        unpacked.append(int(words.shape[0]))
        return unpack(words)

    monkeypatch.setattr(_popcount, "_unpack", count_unpack)
    queries = [nci_library.mols[i] for i in QUERIES[:6]]
    hits = index.search_many(queries, k=5)
    above = index.threshold_search(queries[0], 0.5)
    assert len(seen) == 2
    for db in seen:
        assert db.data_ptr() == index._data.data_ptr()
        assert db.dtype == (index._data.dtype if packed.spec.counts else torch.int64)
    if not packed.spec.counts:
        step = _popcount._rows_per_chunk(packed.spec.words, False, 1 << 23)
        chunks = -(-len(index) // step)
        window = _popcount.bound_range(
            index._bins_np, int(index.query_fingerprints(queries[0]).popcounts()[0]), 0.5
        )
        chunks_above = -(-(window[1] - window[0]) // step)
        # queries once a search, library rows once a chunk
        assert unpacked.count(len(queries)) == 1 and unpacked.count(1) == 1
        assert len(unpacked) == 2 + chunks + chunks_above
    for qi, query_fp in enumerate(_rdkit_fps(queries, packed.spec)):
        rows, scores = _rdkit_topk(query_fp, rdkit_library, 5)
        np.testing.assert_array_equal(hits.indices[qi], rows)
        np.testing.assert_allclose(hits.scores[qi], scores, rtol=0, atol=1e-12)
    expected = np.asarray(
        DataStructs.BulkTanimotoSimilarity(_rdkit_fps(queries[:1], packed.spec)[0], rdkit_library)
    )
    assert sorted(above["index"]) == list(np.flatnonzero(expected >= 0.5))


@pytest.mark.parametrize("counts", [False, True], ids=["bits", "counts"])
def test_torch_kernels_in_many_small_chunks_equal_rdkit(counts: bool, nci_library: Any) -> None:
    """Chunk boundaries (a budget of a few rows a chunk) change no score and no tie order."""
    import torch

    from ai4s_lab.molecules import _popcount

    spec = FingerprintSpec(radius=2, n_bits=1024, counts=counts)
    mols = nci_library.mols[:300]
    index = FingerprintIndex(morgan_fingerprints(mols, spec=spec), device="cpu", backend="torch")
    queries = mols[:4] + [Chem.MolFromSmiles(s) for s in EXTERNAL]
    q = index.query_fingerprints(queries)
    db, qt = index._torch_operands(q.data)
    qpop = torch.from_numpy(q.popcounts())
    budget = 7 * spec.n_bits  # 7 rows a chunk, bits or counts
    s, i = _popcount.torch_topk(
        db, index._pop, index._order, qt, qpop, 10, counts=counts, budget=budget
    )
    library_fps = _rdkit_fps(mols, spec)
    for qi, query_fp in enumerate(_rdkit_fps(queries, spec)):
        rows, scores = _rdkit_topk(query_fp, library_fps, 10)
        np.testing.assert_array_equal(i[qi].numpy(), rows)
        np.testing.assert_allclose(s[qi].numpy(), scores, rtol=0, atol=1e-12)
        qc = int(q.popcounts()[qi])
        start, end = _popcount.bound_range(index._bins_np, qc, 0.3)
        ts, ti = _popcount.torch_threshold(
            db, index._pop, index._order, qt[qi], qc, 0.3, start, end, counts=counts, budget=budget
        )
        expected = np.asarray(DataStructs.BulkTanimotoSimilarity(query_fp, library_fps))
        assert sorted(ti.tolist()) == list(np.flatnonzero(expected >= 0.3))
        np.testing.assert_allclose(np.sort(ts.numpy()), np.sort(expected[expected >= 0.3]))


def test_load_reads_what_save_wrote_given_the_same_path(tmp_path: Path) -> None:
    index = FingerprintIndex.from_molecules(["CCO", "CCN", "c1ccccc1"], device="cpu")
    for given in (tmp_path / "library", str(tmp_path / "sub.dir"), tmp_path / "x.npz"):
        if isinstance(given, Path):
            given.parent.mkdir(exist_ok=True)
        written = index.save(given)
        assert written.is_file()
        loaded = FingerprintIndex.load(given, device="cpu")
        assert list(loaded.ids) == list(index.ids)
        np.testing.assert_array_equal(loaded.fingerprints.data, index.fingerprints.data)
    with pytest.raises(DataFileError, match=r"missing: no such file \(nor .*missing\.npz\)"):
        FingerprintIndex.load(tmp_path / "missing")


def test_queries_get_the_standardization_the_library_got(tmp_path: Path) -> None:
    """A library read with standardization holds acetic acid for sodium acetate; a sodium
    acetate query is standardized the same way (RDKit's ChargeParent says it is acetic acid),
    so it finds it with similarity 1. A library not standardized compares queries as given."""
    from rdkit.Chem.MolStandardize import rdMolStandardize

    from ai4s_lab.molecules import StandardizeOptions, read_molecules

    salt = "CC(=O)[O-].[Na+]"
    assert Chem.MolToSmiles(rdMolStandardize.ChargeParent(Chem.MolFromSmiles(salt))) == "CC(=O)O"
    library = read_molecules(["CC(=O)[O-].[K+]", "CCO", "OC(=O)c1ccccc1"])
    index = FingerprintIndex.from_molecules(library, device="cpu")
    assert index.standardization == StandardizeOptions()
    for searched in (index, index.to("cpu"), FingerprintIndex.load(index.save(tmp_path / "i"))):
        hits = searched.search(salt, k=1)
        assert hits.loc[0, "id"] == "1" and hits.loc[0, "similarity"] == 1.0
        assert searched.threshold_search(salt, 0.99)["index"].tolist() == [0]
        assert searched.search_many([salt, "CCO"], k=1).indices[:, 0].tolist() == [0, 1]

    raw = FingerprintIndex.from_molecules(["CC(=O)O", "CCO"], device="cpu")
    assert raw.standardization is None
    spec = raw.spec
    expected = DataStructs.TanimotoSimilarity(
        _rdkit_fps([Chem.MolFromSmiles(salt)], spec)[0],
        _rdkit_fps([Chem.MolFromSmiles("CC(=O)O")], spec)[0],
    )
    assert expected < 1.0
    assert raw.search(salt, k=1).loc[0, "similarity"] == pytest.approx(expected, abs=1e-12)
    # a fingerprint is searched as given, also in a standardized index
    as_given = morgan_fingerprints([salt], spec=index.spec)
    assert index.search(as_given, k=1).loc[0, "similarity"] == pytest.approx(expected, abs=1e-12)


def test_bad_standardization_and_queries_of_a_standardized_index() -> None:
    from ai4s_lab.molecules import read_molecules

    fps = morgan_fingerprints(["CCO", "CCN"])
    with pytest.raises(ParameterError, match=r"standardization=\{'neutralize': True\}: use None"):
        FingerprintIndex(fps, device="cpu", standardization={"neutralize": True})  # type: ignore[arg-type]
    index = FingerprintIndex.from_molecules(read_molecules(["CCO", "CCN"]), device="cpu")
    with pytest.raises(InputError, match="C1CC"):  # unparsable: named, not searched as nothing
        index.search("C1CC", k=1)
    with pytest.raises(InputError):
        index.search_many(["CCO", ""], k=1)
    assert index.search_many([], k=1).indices.shape[0] == 0
