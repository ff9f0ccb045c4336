"""Count fingerprint indexes whose library and queries are stored in different integer types
(a uint16 library and a uint8 query, and the other way round), against RDKit's count Tanimoto."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rdkit import Chem, DataStructs

from ai4s_lab.errors import DataFileError
from ai4s_lab.molecules import FingerprintIndex
from ai4s_lab.molecules._popcount import HAVE_NUMBA

BACKENDS = ["numba", "torch"] if HAVE_NUMBA else ["torch"]
LONG = "C" * 300  # its CH2 environment is counted 298 times: past uint8
SMALL = ["CCO", "CCCCO", "c1ccccc1O", "CC(=O)O"]


def _rdkit_scores(index: FingerprintIndex, query: str, library: list[str]) -> np.ndarray:
    gen = index.spec.generator()
    fps = [gen.GetCountFingerprint(Chem.MolFromSmiles(s)) for s in library]
    return np.asarray(
        DataStructs.BulkTanimotoSimilarity(gen.GetCountFingerprint(Chem.MolFromSmiles(query)), fps)
    )


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("library", "query"),
    [([*SMALL, LONG], "CCO"), ([*SMALL, LONG], LONG), (SMALL, LONG)],
    ids=["uint8-query", "uint16-both", "uint16-query"],
)
def test_count_search_across_storage_types_equals_rdkit(
    backend: str, library: list[str], query: str
) -> None:
    index = FingerprintIndex.from_molecules(library, counts=True, device="cpu", backend=backend)
    expected = _rdkit_scores(index, query, library)
    hits = index.search(query, k=len(library))
    np.testing.assert_allclose(
        hits.sort_values("index")["similarity"].to_numpy(), expected, rtol=0, atol=1e-12
    )
    found = index.threshold_search(query, 0.0)
    assert sorted(found["index"]) == list(range(len(library)))
    np.testing.assert_allclose(
        found.sort_values("index")["similarity"].to_numpy(), expected, rtol=0, atol=1e-12
    )
    many = index.search_many([query, "CCO"], k=2)
    np.testing.assert_array_equal(many.scores[0], hits["similarity"].to_numpy()[:2])


def test_a_file_that_is_no_index_is_refused_without_unsafe_advice(tmp_path: Path) -> None:
    script = tmp_path / "x.py"
    script.write_text("print('hello')\n")
    with pytest.raises(
        DataFileError, match=r"not a fingerprint index file written by FingerprintIndex\.save"
    ) as err:
        FingerprintIndex.load(script)
    assert "allow_pickle" not in str(err.value) and "pickle.load" not in str(err.value)
