#!/usr/bin/env bash
# Build a clean virtual environment from binder/ files only (as Binder would), then run every
# notebook under papermill in it. Usage: bash tools/check_binder.sh [VENV_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-$(mktemp -d)/binder-venv}"
out="$(mktemp -d)/binder-runs"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q -r binder/requirements.txt
PATH="$venv/bin:$PATH" bash binder/postBuild
status=0
for notebook in notebooks/*.ipynb; do
  name="$(basename "$notebook" .ipynb)"
  if "$venv/bin/ai4s-lab" run "$notebook" --out "$out/$name" --no-report; then
    echo "binder ok: $notebook"
  else
    echo "binder FAILED: $notebook (outputs in $out/$name)"
    status=1
  fi
done
exit $status
