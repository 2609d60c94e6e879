#!/usr/bin/env bash
# HDF5 against IDX on Fashion-MNIST: the loader's own rate (data-bench: batches filled on the
# measuring thread, then through the prefetch thread), and mlp training for one epoch from each
# source, the sources alternating round by round; prints medians and the ratio to IDX.
#
# Usage: scripts/compare-data.sh [--rounds 3] [--epochs 5]
# Needs Fashion-MNIST (apt-get install dataset-fashion-mnist). data-bench writes the HDF5 copies
# (contiguous; chunks of 256 rows with gzip 4) into a temporary directory that train then reads.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds=3
epochs=5
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --epochs) epochs="$2"; shift 2 ;;
        *) echo "compare-data: unknown option $1" >&2; exit 2 ;;
    esac
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
hvdrun="$root/scripts/hvdrun"

echo "## loader: batches filled on the measuring thread (prefetch 0)"
"$hvdrun" data-bench --epochs "$epochs" --prefetch 0 --work-dir "$work"
echo
echo "## loader: through the prefetch thread (prefetch 2)"
HVD4J_NO_BUILD=1 "$hvdrun" data-bench --epochs "$epochs" --prefetch 2 --work-dir "$work"
echo

h5="--x /train/images --y /train/labels --test-x /test/images --test-y /test/labels"
declare -A args=(
    [idx]="--dataset fashion-mnist"
    [hdf5-held]="--dataset hdf5:$work/fashion-mnist.h5 $h5"
    [hdf5-streamed]="--dataset hdf5:$work/fashion-mnist.h5 $h5 --data-memory 0"
    [hdf5-gzip-held]="--dataset hdf5:$work/fashion-mnist-chunked-gzip.h5 $h5"
    [hdf5-gzip-streamed]="--dataset hdf5:$work/fashion-mnist-chunked-gzip.h5 $h5 --data-memory 0"
)
order="idx hdf5-held hdf5-streamed hdf5-gzip-held hdf5-gzip-streamed"
for r in $(seq 1 "$rounds"); do
    for k in $order; do
        # shellcheck disable=SC2086
        HVD4J_NO_BUILD=1 "$hvdrun" train --model mlp --epochs 1 ${args[$k]} --summary-json "$work/$k.$r.json" \
            > "$work/$k.$r.log" 2>&1 || { cat "$work/$k.$r.log" >&2; exit 1; }
    done
done
echo "## mlp training, 1 epoch, batch 128 (samples/s after 20 warm-up steps; median of $rounds rounds)"
python3 - "$work" "$rounds" $order <<'PY'
import json, statistics, sys
work, rounds, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
runs = {k: [json.load(open(f"{work}/{k}.{r}.json")) for r in range(1, rounds + 1)] for k in names}
base = statistics.median(j["samples_per_s"] for j in runs["idx"])
digests = {j["parameters_sha256"] for k in names for j in runs[k]}
print(f"{'source':<20} {'samples/s':>10} {'min..max':>16} {'vs IDX':>7}  {'test acc':>8}")
for k in names:
    s = [j["samples_per_s"] for j in runs[k]]
    print(f"{k:<20} {statistics.median(s):>10.0f} {min(s):>7.0f}..{max(s):<8.0f} {statistics.median(s) / base:>6.2f}x"
          f"  {100 * runs[k][0]['test_accuracy']:>7.2f}%")
print("final weights: " + ("identical for every source and round" if len(digests) == 1
                           else f"DIFFER ({len(digests)} digests)"))
sys.exit(0 if len(digests) == 1 else 1)
PY
