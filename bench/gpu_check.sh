#!/usr/bin/env bash
# The checks that need a CUDA GPU, in one run of at most about 7 minutes (issues 3 and 9):
#   0. preflight: python3 imports torch, numpy, scipy, xarray, tqdm and pytest, and torch sees CUDA;
#   1. the CUDA half of the PDE and surrogate tests (`pytest -m gpu`: same answers as on the CPU);
#   2. bench/pde_bench.py at 1024² on the GPU: steps per second and the fraction of the
#      device's copy bandwidth (target ≥ 40 %);
#   3. bench/surrogates_bench.py on the GPU: FNO Darcy at the issue's setting (500 epochs) and the
#      Navier–Stokes one-step surrogate on 200 training trajectories (a short check, not the
#      issue's 1,000).
# Logs go to $OUT (or /tmp/gpu-check). Needs python3 with torch (CUDA), numpy, scipy, xarray, tqdm
# and pytest; the package is used from this checkout (PYTHONPATH), nothing is installed. The
# project's pytest options are dropped (-o addopts=): a bare GPU image may lack the plugins
# (pytest-timeout, pytest-xdist) that they name.
#
# Run from the repository root:  bash bench/gpu_check.sh
# Rehearse it on a machine with no GPU (CPU, tiny sizes, same steps):  bash bench/gpu_check.sh --dry-run
set -u
out="${OUT:-/tmp/gpu-check}"
mkdir -p "$out"
py="${PYTHON:-python3}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
status=0

if [ "${1:-}" = "--dry-run" ]; then
    device=cpu
    pde_bench_args=(--sizes 64 --repeats 1 --skip-pypde)
    surrogates_args=(--setting quick --parts darcy ns --epochs 1 --ns-epochs 1 --ns-trajectories 4)
    need_cuda=False
else
    device=cuda
    pde_bench_args=(--sizes 1024 --repeats 3 --skip-pypde)
    surrogates_args=(--parts darcy ns --ns-epochs 60 --ns-trajectories 200)
    need_cuda=True
fi

step() {  # step SECONDS LOG COMMAND...: run with a time limit, keep the log, remember failures
    local limit=$1 log=$2
    shift 2
    echo "== $* (limit ${limit} s)" | tee "$out/$log"
    timeout "$limit" "$@" 2>&1 | tee -a "$out/$log" | grep -v "it/s\]\|s/it\]\|epoch/s\]\|s/epoch\]"
    local rc=${PIPESTATUS[0]}
    echo "== exit $rc" | tee -a "$out/$log"
    [ "$rc" -eq 0 ] || status=1
    return "$rc"
}

nvidia-smi >"$out/nvidia-smi.txt" 2>&1 || echo "nvidia-smi failed" >>"$out/nvidia-smi.txt"
cat >"$out/preflight.py" <<PY
import importlib, sys
missing = []
for name in ('torch', 'numpy', 'scipy', 'xarray', 'tqdm', 'pytest'):
    try:
        importlib.import_module(name)
    except ImportError as error:
        missing.append(f'{name} ({error})')
if missing:
    sys.exit('missing Python packages: ' + ', '.join(missing))
import torch
print('torch', torch.__version__, 'CUDA available:', torch.cuda.is_available())
if $need_cuda and not torch.cuda.is_available():
    sys.exit('torch sees no CUDA device: nothing here would test the GPU')
if torch.cuda.is_available():
    print('device:', torch.cuda.get_device_name(0))
PY
step 60 preflight.txt "$py" "$out/preflight.py" || exit 1

step 120 pytest-gpu.txt "$py" -m pytest -q -o addopts= -p no:cacheprovider -m gpu \
    tests/pde tests/pde_learn
step 90 pde-bench.txt "$py" bench/pde_bench.py --device "$device" "${pde_bench_args[@]}"
step 180 surrogates-bench.txt "$py" bench/surrogates_bench.py --device "$device" \
    "${surrogates_args[@]}"
exit "$status"
