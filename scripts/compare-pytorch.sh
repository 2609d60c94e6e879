#!/usr/bin/env bash
# Compares single-process training throughput of hvd4j with PyTorch on the same model, data,
# batch size, optimizer and learning-rate recipe.
#
# Usage:
#   scripts/compare-pytorch.sh [--model mlp|cnn|cnn-bn|all] [--steps N] [--batch-size B]
#                              [--rounds R] [--blas-kernels native|machine]
#                              [--torch-threads T] [--openblas-threads T] [--out FILE.md]
#
#   --model             which model(s) to compare; default "all" = mlp and cnn
#   --steps             training steps per run (the first 20 are warm-up and not timed);
#                       default 3000 for mlp, 200 for cnn and cnn-bn (long enough that the
#                       JVM's JIT warm-up no longer shows in the timed steps)
#   --batch-size        default 128
#   --rounds            runs of each side per model, taking turns (hvd4j, PyTorch, hvd4j, ...);
#                       default 3. The report gives each round's ratio and their median: on a
#                       shared machine both sides' speed drifts by tens of percent within minutes,
#                       so a single run says little
#   --blas-kernels      native (default): both sides run with OPENBLAS_CORETYPE and
#                       OPENBLAS_L2_SIZE removed from their environment, so that each OpenBLAS
#                       picks the kernels of this CPU; machine: both keep the environment as it is.
#                       Some machines set OPENBLAS_CORETYPE (for example Haswell on an AVX-512
#                       CPU) because old OpenBLAS builds fail on their processors; that halves
#                       both sides' GEMM speed. Either way the report names the kernels each
#                       side's OpenBLAS ran (OPENBLAS_VERBOSE=2)
#   --torch-threads     torch.set_num_threads for the PyTorch side   } default: the fastest
#   --openblas-threads  OPENBLAS_NUM_THREADS for the PyTorch side    } setting per model, below
#   --out               also write the result as a Markdown table to this file
#
# For each model and round it runs, one after the other:
#   hvd4j:   scripts/hvdrun train --model M --dataset fashion-mnist --steps N --batch-size B
#            <recipe> --summary-json F          (hvd4j's default thread count)
#   PyTorch: OPENBLAS_NUM_THREADS=O python3 scripts/torch_train.py <same options> --threads T
# and prints model, the median hvd4j and PyTorch samples/s, the median of the rounds' ratios and
# each round's ratio. samples/s is each trainer's own summary figure: training steps after the
# 20-step warm-up, evaluation excluded.
# Both sides get the same recipe explicitly (SGD, lr 0.05, momentum 0.9, weight decay 1e-4,
# 1 warm-up epoch, cosine, seed 42), the same data and the same batch size.
#
# PyTorch's fastest settings on the 2-core development machine (PyTorch 1.13, Debian), measured
# with torch_train.py at batch 128, samples/s, other work running alongside (noisy):
#   mlp: torch threads 1 + OPENBLAS_NUM_THREADS=2  ~30-47k   (1+1 ~31k, 2+1 ~30k, 2+2 ~8k)
#   cnn: torch threads 2 + OPENBLAS_NUM_THREADS=1  ~1350     (1+2 ~1030, 2+2 ~1030)
# The mlp is all GEMM, which PyTorch hands to OpenBLAS (threads of its own); the cnn's
# convolutions run in oneDNN on PyTorch's OpenMP threads. Never give both 2 threads on 2 cores:
# they oversubscribe the cores and spin. Hence the defaults: mlp 1/2, cnn and cnn-bn 2/1.
#
# Environment:
#   HVD4J_CMD   command that replaces "scripts/hvdrun train" (e.g. to test this script, or to
#               run a jar directly); it receives the same options and must write --summary-json
#   PYTHON      interpreter for torch_train.py; default: the first of python3, /usr/bin/python3
#               that can import torch (Debian's python3-torch is only on /usr/bin/python3)
#
# Requires python3-torch and libopenblas0-pthread (without it PyTorch's GEMM is the slow
# reference BLAS; the GEMM GFLOP/s printed first shows which one is in use). When they are
# missing and we are root, they are installed with apt-get.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RECIPE=(--optimizer sgd --lr 0.05 --momentum 0.9 --weight-decay 1e-4
        --lr-schedule cosine --warmup-epochs 1 --seed 42)

model=all
steps=""
batch=128
rounds=3
blas_kernels=native
torch_threads=""
openblas_threads=""
out=""

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "compare-pytorch.sh: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --model)         model="${2:?--model needs a value}"; shift 2 ;;
    --steps)         steps="${2:?--steps needs a value}"; shift 2 ;;
    --batch-size)    batch="${2:?--batch-size needs a value}"; shift 2 ;;
    --rounds)        rounds="${2:?--rounds needs a value}"; shift 2 ;;
    --blas-kernels)  blas_kernels="${2:?--blas-kernels needs a value}"; shift 2 ;;
    --torch-threads) torch_threads="${2:?--torch-threads needs a value}"; shift 2 ;;
    --openblas-threads) openblas_threads="${2:?--openblas-threads needs a value}"; shift 2 ;;
    --out)           out="${2:?--out needs a value}"; shift 2 ;;
    -h|--help)       usage; exit 0 ;;
    *)               usage >&2; die "unknown option: $1" ;;
  esac
done

case "$model" in
  all) models=(mlp cnn) ;;
  mlp|cnn|cnn-bn) models=("$model") ;;
  *) die "--model must be mlp, cnn, cnn-bn or all, not '$model'" ;;
esac
[[ "$batch" =~ ^[1-9][0-9]*$ ]] || die "--batch-size must be a positive integer"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive integer"
case "$blas_kernels" in
  native) blas_env=(-u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE) ;;
  machine) blas_env=() ;;
  *) die "--blas-kernels must be native or machine, not '$blas_kernels'" ;;
esac
[[ -z "$steps" || "$steps" =~ ^[1-9][0-9]*$ ]] || die "--steps must be a positive integer"
[[ -z "$steps" || "$steps" -gt 20 ]] || die "--steps must exceed the 20 warm-up steps"

# ---------------------------------------------------------------- prerequisites

have_torch() { "$1" -c 'import torch' >/dev/null 2>&1; }

find_python() {
  local candidate
  for candidate in ${PYTHON:-} python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && have_torch "$candidate"; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

have_pthread_openblas() {
  dpkg-query -W -f='${Status}' libopenblas0-pthread 2>/dev/null | grep -q 'install ok installed'
}

missing=()
py="$(find_python)" || missing+=(python3-torch)
have_pthread_openblas || missing+=(libopenblas0-pthread)
if [[ ${#missing[@]} -gt 0 ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "installing ${missing[*]} ..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null \
      || { DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null &&
           DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; }
    py="$(find_python)" || die "python3-torch installed, but no python3 can import torch"
  else
    die "missing: ${missing[*]}. Install with: sudo apt-get install ${missing[*]}" \
        "(or set PYTHON to an interpreter that has torch)"
  fi
fi

if [[ -n "${HVD4J_CMD:-}" ]]; then
  read -r -a hvd4j_cmd <<< "$HVD4J_CMD"
else
  [[ -x "$SCRIPT_DIR/hvdrun" ]] \
    || die "$SCRIPT_DIR/hvdrun not found or not executable: build the distribution first" \
           "(mvn -q package -DskipTests), or set HVD4J_CMD to the hvd4j train command"
  hvd4j_cmd=("$SCRIPT_DIR/hvdrun" train)
fi

work="$(mktemp -d /tmp/compare-pytorch.XXXXXX)"
echo "logs and summaries: $work"

# A quick look at the BLAS PyTorch uses: the reference BLAS manages a few GFLOP/s, OpenBLAS
# tens to hundreds.
gemm="$(env "${blas_env[@]}" OPENBLAS_NUM_THREADS=2 "$py" -c '
import time, torch
torch.set_num_threads(1)
a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
a @ b
n, t0 = 10, time.perf_counter()
for _ in range(n):
    a @ b
print("%.0f" % (2 * 1024 ** 3 * n / (time.perf_counter() - t0) / 1e9))')"
echo "PyTorch 1024x1024 SGEMM: $gemm GFLOP/s (torch threads 1, OPENBLAS_NUM_THREADS=2)"
machine_blas="OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}, OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-unset}"
if [[ "$blas_kernels" == native ]]; then
  echo "BLAS kernels: each OpenBLAS picks this CPU's (this machine's environment: $machine_blas, removed for both sides)"
else
  echo "BLAS kernels: as this machine's environment says ($machine_blas)"
fi
[[ "$gemm" -ge 10 ]] || echo "warning: PyTorch's GEMM is slow; is libopenblas0-pthread the BLAS" \
  "alternative? (update-alternatives --display libblas.so.3-x86_64-linux-gnu)" >&2

# ---------------------------------------------------------------- runs

json_field() {  # json_field FILE KEY -> value (empty if absent/null)
  "$py" -c 'import json, sys
v = json.load(open(sys.argv[1])).get(sys.argv[2])
print("" if v is None else v)' "$1" "$2"
}

run_side() {  # run_side NAME LOG SUMMARY CMD... ; fails loudly with the log's tail
  local name="$1" log="$2" summary="$3"; shift 3
  echo "  $name: $*"
  rm -f "$summary"
  if ! "$@" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "$name run failed (full log: $log)"
  fi
  [[ -s "$summary" ]] || die "$name run wrote no summary $summary (log: $log)"
}

median() { "$py" -c 'import statistics, sys
v = [float(x) for x in sys.argv[1:] if x not in ("", "n/a")]
print("%.2f" % statistics.median(v) if v else "n/a")' "$@"; }

ratio_of() { "$py" -c 'import sys
a, b = sys.argv[1], sys.argv[2]
print("%.2f" % (float(a) / float(b)) if a and b and float(b) > 0 else "n/a")' "$1" "$2"; }

core_of() {  # the kernels OpenBLAS reported at start-up (OPENBLAS_VERBOSE=2), or "?"
  local c
  c="$(grep -m1 -o 'Core: [A-Za-z0-9_]*' "$1" 2>/dev/null | cut -d' ' -f2)"
  echo "${c:-?}"
}

rows=()
for m in "${models[@]}"; do
  n="${steps:-$([[ $m == mlp ]] && echo 3000 || echo 200)}"
  if [[ $m == mlp ]]; then tt=1; ob=2; else tt=2; ob=1; fi   # fastest, see the header
  tt="${torch_threads:-$tt}"
  ob="${openblas_threads:-$ob}"
  common=(--model "$m" --dataset fashion-mnist --steps "$n" --batch-size "$batch" "${RECIPE[@]}")
  echo "$m: $n steps, batch $batch, $rounds round(s)"
  ours=(); theirs=(); ratios=()
  for ((r = 1; r <= rounds; r++)); do
    run_side "hvd4j (round $r)" "$work/$m-$r-hvd4j.log" "$work/$m-$r-hvd4j.json" \
      env "${blas_env[@]}" OPENBLAS_VERBOSE=2 "${hvd4j_cmd[@]}" "${common[@]}" --summary-json "$work/$m-$r-hvd4j.json"
    run_side "pytorch (round $r)" "$work/$m-$r-pytorch.log" "$work/$m-$r-pytorch.json" \
      env "${blas_env[@]}" OPENBLAS_VERBOSE=2 OPENBLAS_NUM_THREADS="$ob" "$py" "$SCRIPT_DIR/torch_train.py" \
      "${common[@]}" --threads "$tt" --summary-json "$work/$m-$r-pytorch.json"
    ours+=("$(json_field "$work/$m-$r-hvd4j.json" samples_per_s)")
    theirs+=("$(json_field "$work/$m-$r-pytorch.json" samples_per_s)")
    ratios+=("$(ratio_of "${ours[-1]}" "${theirs[-1]}")")
    echo "    round $r: hvd4j ${ours[-1]}, PyTorch ${theirs[-1]}, ratio ${ratios[-1]}"
  done
  kernels="$(core_of "$work/$m-1-hvd4j.log")/$(core_of "$work/$m-1-pytorch.log")"
  rows+=("$m|$n|$batch|$(median "${ours[@]}")|$(median "${theirs[@]}")|$(median "${ratios[@]}")|${ratios[*]}|$tt/$ob|$kernels")
done

# ---------------------------------------------------------------- report

torch_version="$("$py" -c 'import torch; print(torch.__version__)')"
cpu="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
note="$(nproc) CPU cores (${cpu:-unknown CPU}); PyTorch $torch_version (SGEMM $gemm GFLOP/s);"
note+=" PyTorch threads = torch threads / OPENBLAS_NUM_THREADS; hvd4j at its default threads;"
note+=" samples/s = training steps after a 20-step warm-up, evaluation excluded; medians of $rounds round(s), the sides taking turns;"
note+=" BLAS kernels: $blas_kernels (this machine's environment: $machine_blas)"

fmt='%-7s %6s %6s %16s %18s %14s %-22s %15s %s\n'
echo
# shellcheck disable=SC2059
printf "$fmt" model steps batch "hvd4j samples/s" "PyTorch samples/s" "hvd4j/PyTorch" "per round" "PyTorch threads" "OpenBLAS kernels"
for row in "${rows[@]}"; do
  IFS='|' read -r m n b ours theirs ratio each threads kernels <<< "$row"
  # shellcheck disable=SC2059
  printf "$fmt" "$m" "$n" "$b" "$ours" "$theirs" "$ratio" "$each" "$threads" "$kernels"
done
echo "($note)"

if [[ -n "$out" ]]; then
  {
    echo "| model | steps | batch | hvd4j samples/s | PyTorch samples/s | hvd4j/PyTorch (median) | per round | PyTorch threads | OpenBLAS kernels (hvd4j/PyTorch) |"
    echo "|---|---:|---:|---:|---:|---:|---|---:|---|"
    for row in "${rows[@]}"; do
      IFS='|' read -r m n b ours theirs ratio each threads kernels <<< "$row"
      echo "| $m | $n | $b | $ours | $theirs | $ratio | ${each// / · } | $threads | $kernels |"
    done
    echo
    echo "$note. Generated by scripts/compare-pytorch.sh on $(date -u +%Y-%m-%dT%H:%MZ)."
  } > "$out"
  echo "wrote $out"
fi
