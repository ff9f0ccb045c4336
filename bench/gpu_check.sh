#!/usr/bin/env bash
# The checks that need a CUDA GPU, in one run of about 8 minutes (issues 3 and 9):
#   1. the CUDA half of the PDE and surrogate tests (`pytest -m gpu`: same answers as on the CPU);
#   2. bench/pde_bench.py at 1024² on the GPU: steps per second and the fraction of the
#      device's copy bandwidth (target ≥ 40 %);
#   3. bench/surrogates_bench.py on the GPU: FNO Darcy at the setting (500 epochs) and the
#      Navier–Stokes one-step surrogate with 1,000 training trajectories.
# Logs go to $OUT (or /tmp/gpu-check). Needs python3 with torch (CUDA), xarray, scipy, tqdm and
# pytest; the package is used from this checkout (PYTHONPATH), nothing is installed.
# Run from the repository root: bash bench/gpu_check.sh
set -u
out="${OUT:-/tmp/gpu-check}"
mkdir -p "$out"
py="${PYTHON:-python3}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
status=0

step() {  # step SECONDS LOG COMMAND...: run with a time limit, keep the log, remember failures
    local limit=$1 log=$2
    shift 2
    echo "== $* (limit ${limit} s)" | tee "$out/$log"
    timeout "$limit" "$@" 2>&1 | tee -a "$out/$log" | grep -v "it/s\]\|s/it\]\|epoch/s\]\|s/epoch\]"
    local rc=${PIPESTATUS[0]}
    echo "== exit $rc" | tee -a "$out/$log"
    [ "$rc" -eq 0 ] || status=1
}

nvidia-smi >"$out/nvidia-smi.txt" 2>&1 || echo "nvidia-smi failed" >>"$out/nvidia-smi.txt"
step 150 pytest-gpu.txt "$py" -m pytest -q -m gpu -p no:cacheprovider tests/pde tests/pde_learn
step 120 pde-bench.txt "$py" bench/pde_bench.py --device cuda --sizes 1024 --repeats 3 --skip-pypde
step 240 surrogates-bench.txt "$py" bench/surrogates_bench.py --device cuda --parts darcy ns \
    --ns-epochs 60
exit "$status"
