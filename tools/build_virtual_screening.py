"""Writes notebooks/virtual_screening.ipynb from the cells below (so the notebook diffs stay readable).

Run: python tools/build_virtual_screening.py
"""

import sys
from pathlib import Path

from nbformat.v4 import new_code_cell, new_markdown_cell

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _notebook import write_notebook

cells = [
    new_markdown_cell(
        "# Virtual screening: similarity search, drug-likeness and a solubility model\n\n"
        "We load a library of compounds with RDKit (by default the first 5000 compounds of the "
        "NCI set shipped with ai4s_lab; the code cell below prints which library and its size; "
        "the rows RDKit rejects are reported, not dropped silently), find the molecules most similar to a query by the "
        "**Tanimoto similarity** of their Morgan fingerprints (Rogers & Hahn 2010, "
        "doi:10.1021/ci100050t), check the hits against Lipinski's and Veber's rules and the "
        "PAINS and Brenk structural alerts, and rank them by an aqueous-solubility model trained "
        "on the measured ESOL data set (Delaney 2004, doi:10.1021/ci034243x) and evaluated on a "
        "Bemis–Murcko **scaffold split**, so its test score measures transfer to new chemotypes."
    ),
    new_code_cell(
        "# Parameters (papermill and `ai4s-lab run -p NAME VALUE` override these)\n"
        'library_path = ""  # SMILES/CSV/SDF library; empty: the NCI set shipped with ai4s_lab\n'
        "# query molecule (default: paracetamol)\n"
        'query_smiles = "CC(=O)Nc1ccc(O)cc1"\n'
        "k = 24  # hits to keep\n"
        'filters = ["lipinski", "veber", "pains", "brenk"]  # drug-likeness filters\n'
        "ensemble_size = 3  # MLP members of the solubility model\n"
        "epochs = 20  # training epochs of each member\n"
        "device = \"auto\"  # 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'",
        metadata={"tags": ["parameters"]},
    ),
    new_code_cell(
        "import time\n"
        "from pathlib import Path\n\n"
        "import plotly.express as px\n"
        "from IPython.display import HTML, display\n"
        "from rdkit import Chem, RDLogger\n\n"
        "import ai4s_lab\n"
        "from ai4s_lab import molecules as mol\n"
        "from ai4s_lab.widgets import ConformerView, MoleculeGridView\n\n"
        'RDLogger.DisableLog("rdApp.info")  # no "Initializing Normalizer" lines in the report\n'
        "# check the parameters before any work: one actionable line per mistake\n"
        "if isinstance(k, bool) or not isinstance(k, int) or k < 1:\n"
        '    raise ValueError(f"k={k!r}: use a positive integer (the number of hits to keep)")\n'
        "for key, value in dict(ensemble_size=ensemble_size, epochs=epochs).items():\n"
        "    if isinstance(value, bool) or not isinstance(value, int) or value < 1:\n"
        '        raise ValueError(f"{key}={value!r}: use a positive integer")\n'
        'unknown = sorted(set(filters) - {"lipinski", "veber", "pains", "brenk"})\n'
        "if unknown:\n"
        '    raise ValueError(f"filters: unknown {unknown}; choose from lipinski, veber, pains, brenk")\n'
        "if not query_smiles or Chem.MolFromSmiles(query_smiles) is None:\n"
        '    raise ValueError(f"query_smiles={query_smiles!r} is not a valid SMILES; e.g. \\"CC(=O)Nc1ccc(O)cc1\\"")\n\n'
        'path = library_path or mol.example_path("first_5K.smi")\n'
        "started = time.perf_counter()\n"
        "library = mol.read_molecules(path, standardize=mol.StandardizeOptions(canonical_tautomer=False))\n"
        'print(f"library: {Path(path).name}, {len(library)} molecules ({len(library.errors)} rows rejected); "\n'
        '      f"read and standardized in {time.perf_counter() - started:.1f} s")\n'
        'ai4s_lab.record("library_size", len(library))\n'
        'ai4s_lab.record("library_errors", len(library.errors))\n'
        "library.errors"
    ),
    new_markdown_cell(
        "## Similarity search\n\n"
        "The fingerprints are packed 64 bits to a word; the search counts common bits with the "
        "CPU's popcount instruction (or torch on a GPU) and skips every molecule whose bit count "
        "alone rules it out (the bound $T \\le \\min(a,b)/\\max(a,b)$ of Swamidass & Baldi 2007). "
        "The scores are exactly RDKit's."
    ),
    new_code_cell(
        "started = time.perf_counter()\n"
        "index = mol.FingerprintIndex.from_molecules(library, radius=2, n_bits=2048, device=device)\n"
        "built = time.perf_counter() - started\n"
        "started = time.perf_counter()\n"
        "hits = index.search(query_smiles, k=k)\n"
        'print(f"{index}: built in {built:.1f} s, searched in {1e3 * (time.perf_counter() - started):.1f} ms")\n'
        'ai4s_lab.record("best_similarity", float(hits.similarity.iloc[0]))\n'
        "hits.head(10)"
    ),
    new_markdown_cell(
        "## Drug-likeness of the hits\n\n"
        "Rules of thumb for an oral drug, each with the reason a hit fails it. Lipinski's rule "
        "of five (doi:10.1016/S0169-409X(96)00423-1): poor absorption is likely when more than "
        "one of MW ≤ 500 g/mol, logP ≤ 5, ≤ 5 H-bond donors and ≤ 10 acceptors is broken. Veber "
        "(doi:10.1021/jm020017n): at most 10 rotatable bonds and a polar surface area (TPSA) of "
        "at most 140 Å². PAINS (Baell & Holloway 2010, doi:10.1021/jm901137j) and Brenk "
        "(doi:10.1002/cmdc.200700139) flag substructures that give false positives in assays or "
        "are reactive or toxic. QED (Bickerton 2012, doi:10.1038/nchem.1243) combines eight such "
        "properties, alerts included, into one drug-likeness score between 0 and 1."
    ),
    new_code_cell(
        "rows = hits['index'].tolist()\n"
        "hit_mols = [library.mols[i] for i in rows]\n"
        "table = hits.join(mol.descriptors(hit_mols)).join(mol.apply_filters(hit_mols, filters))\n"
        "table['smiles'] = [library.smiles[i] for i in rows]\n"
        'ai4s_lab.record("hits_passing_filters", int(table.passes.sum()))\n'
        "table[['id', 'similarity', 'MW', 'logP', 'TPSA', 'QED', 'passes', 'reasons']]"
    ),
    new_markdown_cell(
        "## A solubility model, scaffold split\n\n"
        "An ensemble of small MLPs on Morgan count fingerprints and RDKit descriptors, beside two "
        "baselines on the same split: predicting the training mean, and a random forest."
    ),
    new_code_cell(
        'esol = mol.read_molecules(mol.example_path("delaney-processed.csv"), standardize=False)\n'
        'y = esol.data["measured log solubility in mols per litre"].to_numpy()\n'
        "scores, model, split = mol.compare_with_baselines(esol.mols, y, n_models=ensemble_size, epochs=epochs, device=device)\n"
        "for key, row in zip(['rmse_mean_baseline', 'rmse_random_forest', 'rmse_mlp_ensemble'], scores.itertuples()):\n"
        "    ai4s_lab.record(key, float(row.rmse))\n"
        "print(f\"train+valid {scores.attrs['n_train']} molecules, test {scores.attrs['n_test']} (new scaffolds); RMSE in log10(mol/L)\")\n"
        "scores"
    ),
    new_code_cell(
        "mean, spread = model.predict(hit_mols, return_std=True)\n"
        "table['logS_pred'], table['logS_std'] = mean, spread\n"
        "fig = px.scatter(table, x='similarity', y='logS_pred', error_y='logS_std', color='passes',\n"
        "                 hover_data=['id', 'smiles'], height=380, width=650,\n"
        "                 title='Hits: similarity to the query vs predicted solubility (log10 mol/L)')\n"
        "fig.show()"
    ),
    new_markdown_cell(
        "## The hits\n\n"
        "Click a depiction to select it (the selection is `grid.selection` in Python) and see its "
        "3D conformer below (RDKit ETKDGv3 embedding minimised with MMFF94); sort and filter by "
        "any column. The substructure each hit shares with the query is highlighted."
    ),
    new_code_cell(
        "grid = MoleculeGridView(hit_mols, table.reset_index(drop=True), page_size=12,\n"
        "                        columns=['id', 'similarity', 'logS_pred', 'passes'], query=query_smiles)\n"
        "grid"
    ),
    new_code_cell(
        "# the best hit until a card is clicked, then the molecule clicked last\n"
        "conformer = ConformerView(hit_mols[0]).follow(grid)\n"
        "conformer"
    ),
    new_markdown_cell(
        "## Where next\n\n"
        "* `ai4s-lab run notebooks/virtual_screening.ipynb -p query_smiles 'c1ccccc1C(=O)O' -p k 50`\n"
        "* `index.threshold_search(query, 0.7)` returns every molecule above a similarity; "
        "`index.search_many(queries, k)` answers many queries at once.\n"
        "* The library is read here without the canonical-tautomer step "
        "(`canonical_tautomer=False`); `mol.StandardizeOptions()` turns it on, and it keeps the "
        "input's stereo "
        "(`keep_stereo=True`, the default), while `keep_stereo=False` is RDKit's behaviour, which "
        "can merge enantiomers such as L- and D-alanine."
    ),
]

write_notebook(cells, "virtual_screening.ipynb")
