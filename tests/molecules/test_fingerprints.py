"""Count fingerprints against RDKit's own arrays, and the memory they take to compute."""

from __future__ import annotations

import tracemalloc
from typing import Any

import numpy as np
import pytest
from rdkit import Chem

from ai4s_lab.molecules import FingerprintSpec, morgan_fingerprints


def _rdkit_counts(mols: list[Any], spec: FingerprintSpec) -> np.ndarray:
    generator = spec.generator()
    return np.stack([generator.GetCountFingerprintAsNumPy(m) for m in mols])


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 100])
def test_counts_equal_rdkits_in_the_smallest_type_that_holds_them(chunk_size: int) -> None:
    """Chunks of small molecules fit uint8 and the chunk with C300 (a count of 298) does not:
    every count is RDKit's, none saturated or wrapped, whatever the chunks."""
    small = [Chem.MolFromSmiles(s) for s in ("CCO", "c1ccccc1O", "CC(=O)Oc1ccccc1C(=O)O")]
    mols = [*small, Chem.MolFromSmiles("C" * 300), small[0]]
    spec = FingerprintSpec(radius=2, n_bits=2048, counts=True)
    for subset in (small, mols):
        expected = _rdkit_counts(subset, spec)
        fps = morgan_fingerprints(subset, spec=spec, chunk_size=chunk_size)
        assert fps.data.dtype == np.min_scalar_type(int(expected.max()))
        np.testing.assert_array_equal(fps.data, expected)


def test_count_fingerprints_never_hold_the_whole_library_in_wide_integers(
    nci_library: Any,
) -> None:
    """RDKit hands out 4 bytes a count; only one chunk of those may exist at a time, the
    others being kept in the compact type (1 byte a count for this library)."""
    spec = FingerprintSpec(radius=2, n_bits=2048, counts=True)
    mols = nci_library.mols
    chunk_size = 500
    morgan_fingerprints(mols[:2], spec=spec)  # imports (tqdm) are not what is measured
    tracemalloc.start()
    try:
        fps = morgan_fingerprints(mols, spec=spec, chunk_size=chunk_size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    wide_chunk = chunk_size * spec.n_bits * 4
    assert fps.data.dtype == np.uint8
    # the compact chunks, their concatenation, and one wide chunk (twice, with slack)
    assert peak < 2 * fps.data.nbytes + 2 * wide_chunk + (4 << 20)
    whole_library_wide = len(mols) * spec.n_bits * 4
    assert peak < whole_library_wide
    np.testing.assert_array_equal(fps.data[:50], _rdkit_counts(mols[:50], spec))
