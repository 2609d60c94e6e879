#!/usr/bin/env bash
# Regenerates the README's benchmark block (between <!-- benchmarks:begin --> and
# <!-- benchmarks:end -->), the tables and CSV files in docs/results/ and the plots docs/*.png,
# all from one run on this machine:
#   1. synthetic throughput against batch size, hvd4j (`synthetic`) and PyTorch
#      (scripts/peers/torch_synthetic.py, its best thread setting per model), mlp and cnn;
#   2. allreduce bandwidth of hvd4j's paths against Open MPI and gloo, 2 and 3 ranks
#      (scripts/compare-allreduce.sh);
#   3. weak scaling, 1 and 2 ranks (scripts/weak-scaling.sh);
#   4. training throughput and accuracy against PyTorch (scripts/compare-pytorch.sh);
#   5. SGEMM GFLOP/s at the models' shapes (gemm-bench);
#   6. the plots (plot-results).
# Usage: scripts/benchmark-results.sh [--quick]   (--quick: fewer iterations, for trying it out)
# Takes about 15 minutes on 2 cores. As root, the comparison scripts install what they miss.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
quick=0
[[ "${1:-}" == --quick ]] && quick=1
res="$root/docs/results"
mkdir -p "$res"
hvdrun="$root/scripts/hvdrun"
if ! /usr/bin/python3 -c 'import torch' 2> /dev/null; then
    if [[ "$(id -u)" == 0 ]]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-pthread > /dev/null
    else
        echo "benchmark-results: /usr/bin/python3 has no torch (apt-get install python3-torch libopenblas0-pthread);" \
            "the PyTorch sides are skipped" >&2
    fi
fi
have_torch=0
/usr/bin/python3 -c 'import torch' 2> /dev/null && have_torch=1
"$hvdrun" --check-build > "$res/check-build.txt"   # builds first when needed
export HVD4J_NO_BUILD=1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

{
    echo "- Machine: $(nproc) cores of $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/^Mem:/ {print $2}') GiB;" \
        "$(. /etc/os-release && echo "$PRETTY_NAME"); $(java -version 2>&1 | head -1);" \
        "PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)' 2> /dev/null || echo 'absent')"
    echo "- Date: $(date -u +%Y-%m-%d); command: \`scripts/benchmark-results.sh\`"
    echo "- OpenBLAS: OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}, OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-unset} in this" \
        "run's environment (compare-pytorch.sh removes both for both of its sides unless --blas-kernels machine)"
} > "$res/machine.md"

echo "== 1. synthetic throughput against batch size" >&2
echo "model,batch_size,trainer,img_sec,conf" > "$res/throughput.csv"
for m in mlp cnn; do
    if [[ "$m" == mlp ]]; then
        batches="32 64 128 256 512"; warm=300; iters=10; per=20
        torch_env="OPENBLAS_NUM_THREADS=2"; torch_threads=1
    else
        batches="16 32 64 128"; warm=5; iters=5; per=4
        torch_env="OPENBLAS_NUM_THREADS=1"; torch_threads=2
    fi
    ((quick)) && { warm=2; iters=2; per=2; }
    for b in $batches; do
        "$hvdrun" synthetic --model "$m" --batch-size "$b" --warmup "$warm" --iters "$iters" --batches-per-iter "$per" \
            --json "$work/h.json" > /dev/null
        rm -f "$work/t.json"
        if ((have_torch)); then
            env $torch_env /usr/bin/python3 "$root/scripts/peers/torch_synthetic.py" --model "$m" --batch-size "$b" \
                --warmup "$warm" --iters "$iters" --batches-per-iter "$per" --threads "$torch_threads" \
                --json "$work/t.json" > /dev/null
        fi
        python3 - "$work/h.json" "$work/t.json" >> "$res/throughput.csv" <<'PY'
import json, os, sys
for trainer, f in (("hvd4j", sys.argv[1]), ("pytorch", sys.argv[2])):
    if not os.path.exists(f):
        continue
    j = json.load(open(f))
    print(f"{j['model']},{j['batch_size']},{trainer},{j['img_sec_per_worker']:.1f},{j['img_sec_per_worker_conf']:.1f}")
PY
    done
done

echo "== 2. allreduce against Open MPI and gloo" >&2
"$root/scripts/compare-allreduce.sh" --ranks "2 3" --iters $((quick ? 5 : 20)) --out "$res/allreduce.md" \
    --csv "$res/allreduce.csv" > "$res/allreduce.log" 2>&1
echo "== 3. weak scaling" >&2
if ((quick)); then scaling=(--steps-mlp 600 --steps-cnn 40); else scaling=(); fi
"$root/scripts/weak-scaling.sh" --ranks "2" "${scaling[@]}" --out "$res/scaling.md" --csv "$res/scaling.csv" \
    > "$res/scaling.log" 2>&1
echo "== 4. training against PyTorch" >&2
if ((quick)); then cmp=(--steps 200 --rounds 1); else cmp=(); fi
"$root/scripts/compare-pytorch.sh" "${cmp[@]}" --out "$res/pytorch.md" > "$res/pytorch.log" 2>&1
echo "== 5. gemm-bench" >&2
"$hvdrun" gemm-bench > "$res/gemm.txt"
echo "== 6. plots" >&2
"$hvdrun" plot-results "$res" "$root/docs" >&2

python3 - "$root/README.md" "$res" <<'PY'
import csv, os, sys
readme, res = sys.argv[1], sys.argv[2]
read = lambda name: open(os.path.join(res, name)).read().strip()
rows = list(csv.DictReader(open(os.path.join(res, "throughput.csv"))))
table = ["| model | batch | hvd4j img/s | PyTorch img/s | hvd4j / PyTorch |", "|---|---|---|---|---|"]
for r in rows:
    if r["trainer"] != "hvd4j":
        continue
    t = next((x for x in rows if x["trainer"] == "pytorch" and x["model"] == r["model"]
              and x["batch_size"] == r["batch_size"]), None)
    h = float(r["img_sec"])
    torch_cells = (f"{float(t['img_sec']):,.0f} ± {float(t['conf']):,.0f} | {h / float(t['img_sec']):.2f}"
                   if t else "not run (no torch) | -")
    table.append(f"| {r['model']} | {r['batch_size']} | {h:,.0f} ± {float(r['conf']):,.0f} | {torch_cells} |")
block = f"""<!-- benchmarks:begin (written by scripts/benchmark-results.sh; edits here are overwritten) -->
{read("machine.md")}

**Synthetic throughput** (`scripts/hvdrun synthetic --model M --batch-size B`, Horovod's benchmark:
one random batch, forward + backward + SGD step; PyTorch: `scripts/peers/torch_synthetic.py`,
same model, its fastest thread setting; mean ± 1.96σ over the timed iterations):

{chr(10).join(table)}

![throughput against batch size](docs/throughput-vs-batch.png)

**Allreduce** (`scripts/compare-allreduce.sh --ranks "2 3"`):

{read("allreduce.md")}

![allreduce bandwidth](docs/allreduce-bandwidth.png)

**Weak scaling** (`scripts/weak-scaling.sh --ranks 2`):

{read("scaling.md")}

![scaling efficiency](docs/scaling-efficiency.png)

**Training against PyTorch** (`scripts/compare-pytorch.sh`):

{read("pytorch.md")}

**SGEMM** (`scripts/hvdrun gemm-bench`):

```
{read("gemm.txt")}
```
<!-- benchmarks:end -->"""
text = open(readme).read()
begin, end = text.find("<!-- benchmarks:begin"), text.find("<!-- benchmarks:end -->")
if begin < 0 or end < 0:
    sys.exit("benchmark-results: README.md has no <!-- benchmarks:begin --> ... <!-- benchmarks:end --> block")
open(readme, "w").write(text[:begin] + block + text[end + len("<!-- benchmarks:end -->"):])
print("benchmark-results: README.md block, docs/results/ and docs/*.png rewritten")
PY
