"""Queries given as RDKit fingerprint objects (``ExplicitBitVect``, count vectors); RDKit's
``BulkTanimotoSimilarity`` is the oracle."""

from __future__ import annotations

import numpy as np
import pytest
from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator

from ai4s_lab.errors import InputError
from ai4s_lab.molecules import FingerprintIndex

LIBRARY = ["CCO", "CCN", "c1ccccc1O", "c1ccccc1N", "CC(=O)Oc1ccccc1C(=O)O", "c1ccccc1OCC"]
QUERY = "c1ccccc1OC"


@pytest.mark.parametrize("counts", [False, True])
def test_rdkit_vector_query_scores_as_rdkit(counts: bool) -> None:
    mols = [Chem.MolFromSmiles(s) for s in LIBRARY]
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    make = generator.GetCountFingerprint if counts else generator.GetFingerprint
    library = [make(m) for m in mols]
    query = make(Chem.MolFromSmiles(QUERY))
    oracle = sorted(DataStructs.BulkTanimotoSimilarity(query, library), reverse=True)
    index = FingerprintIndex.from_molecules(mols, counts=counts, device="cpu", backend="torch")
    assert list(index.search(query, k=3)["similarity"]) == pytest.approx(oracle[:3])
    hits = index.threshold_search(query, 0.2)
    assert list(hits["similarity"]) == pytest.approx([s for s in oracle if s >= 0.2])
    many = index.search_many([query, library[2]], k=1)
    assert many.scores[:, 0] == pytest.approx([oracle[0], 1.0])


def test_rdkit_vector_of_other_settings_is_refused() -> None:
    index = FingerprintIndex.from_molecules(LIBRARY, device="cpu", backend="torch")
    short = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=1024)
    with pytest.raises(InputError, match="1024"):
        index.search(short.GetFingerprint(Chem.MolFromSmiles(QUERY)))
    counts = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    with pytest.raises(InputError, match="count"):
        index.search(counts.GetCountFingerprint(Chem.MolFromSmiles(QUERY)))


def test_unpacked_numpy_bits_query_scores_as_rdkit() -> None:
    mols = [Chem.MolFromSmiles(s) for s in LIBRARY]
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    query = Chem.MolFromSmiles(QUERY)
    oracle = sorted(
        DataStructs.BulkTanimotoSimilarity(
            generator.GetFingerprint(query), [generator.GetFingerprint(m) for m in mols]
        ),
        reverse=True,
    )
    index = FingerprintIndex.from_molecules(mols, device="cpu", backend="torch")
    bits = generator.GetFingerprintAsNumPy(query)  # one uint8 0/1 a bit
    assert list(index.search(bits, k=3)["similarity"]) == pytest.approx(oracle[:3])
    many = index.search_many(np.stack([bits, bits]), k=1)
    assert many.scores[:, 0] == pytest.approx([oracle[0]] * 2)
