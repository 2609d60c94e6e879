#!/usr/bin/env bash
# Allreduce bandwidth of hvd4j against Open MPI and torch.distributed (gloo) on this host, all
# measured in one run by this script, in nccl-tests columns (size, count, path, op, time, algbw,
# busbw), then a summary table with the ratios.
#
# Usage: scripts/compare-allreduce.sh [--ranks "2 3"] [--sizes 4K:64M] [--iters 20] [--out FILE.md] [--csv FILE]
# (--csv: every measurement as ranks,peer,size_bytes,algbw_gbs,busbw_gbs, for plot-results)
#
# For each rank count it runs, one after the other, float32 SUM at sizes 4 KiB x 4^k:
#   hvd4j: allreduce-bench (org.hvd4j.benchmarks.AllreduceBench) on N JVMs started with
#          torchrun-style variables (rank 0 hosts the rendezvous), paths:
#            transport  the transport's allreduce on a buffer of the benchmark's (like MPI's)
#            staged     the same on the transport's registered buffer (what the fusion buffer uses)
#            shared     the same on a buffer the ranks share (where the distributed optimizer keeps
#                       its gradients when it exchanges them on the training thread)
#            hvd        Hvd.allreduce on a tensor: negotiation + the transport
#            hvd-shared the same on a tensor from Hvd.sharedTensor (memory the ranks share)
#          and once more with HVD4J_TRANSPORT=tcp (path transport: the TCP ring over loopback)
#   mpi:   scripts/peers/mpi_allreduce.c, built here with mpicc, under mpirun (Open MPI's defaults:
#          shared memory between ranks of one host)
#   gloo:  scripts/peers/gloo_allreduce.py, torch.distributed.all_reduce with the gloo backend
# As root it installs what is missing (openmpi-bin, libopenmpi-dev, python3-torch); otherwise it
# says what is missing and skips that peer.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ranks="2 3"
sizes="4K:64M"
iters=50
out=""
csv=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --ranks) ranks="$2"; shift 2 ;;
        --sizes) sizes="$2"; shift 2 ;;
        --iters) iters="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --csv) csv="$2"; shift 2 ;;
        *) echo "compare-allreduce: unknown option $1" >&2; exit 2 ;;
    esac
done

bytes() { # 4K -> 4096
    local v="${1^^}"
    case "$v" in
        *K) echo $(( ${v%K} * 1024 )) ;; *M) echo $(( ${v%M} * 1048576 )) ;; *G) echo $(( ${v%G} * 1073741824 )) ;;
        *) echo "$v" ;;
    esac
}
lo=$(bytes "${sizes%%:*}")
hi=$(bytes "${sizes##*:}")

need=()
# mpicc comes with openmpi-bin, mpi.h only with libopenmpi-dev
{ command -v mpicc > /dev/null && dpkg -s libopenmpi-dev > /dev/null 2>&1; } || need+=(openmpi-bin libopenmpi-dev)
/usr/bin/python3 -c 'import torch' 2> /dev/null || need+=(python3-torch libopenblas0-pthread)
if ((${#need[@]})); then
    if [[ "$(id -u)" == 0 ]]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" > /dev/null
    else
        echo "compare-allreduce: missing ${need[*]} (apt-get install them); those peers are skipped" >&2
    fi
fi

jar_bench="$root/benchmarks/target/hvd4j-benchmarks-0.1.0-SNAPSHOT.jar"
if [[ ! -f "$jar_bench" ]]; then
    (cd "$root" && mvn -q -B -DskipTests install) >&2
fi
cp="$jar_bench:$root/examples/target/hvd4j-examples-0.1.0-SNAPSHOT.jar:$root/examples/target/lib/*"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
have_mpi=0
if command -v mpicc > /dev/null; then
    mpicc -O2 "$root/scripts/peers/mpi_allreduce.c" -o "$work/mpi_allreduce" && have_mpi=1
fi
have_gloo=0
/usr/bin/python3 -c 'import torch' 2> /dev/null && have_gloo=1
LAUNCH_LOGS="$work"
# shellcheck source=lib/launch-local.sh
source "$root/scripts/lib/launch-local.sh"

results="$work/rows"
: > "$results"
for n in $ranks; do
    echo "== $n ranks =="
    launch_local "$n" java -Xmx1g -cp "$cp" org.hvd4j.benchmarks.AllreduceBench --sizes "$lo:$hi" --iters "$iters" \
        --path all | tee -a /dev/stderr | awk -v n="$n" '$1 ~ /^[0-9]+$/ {print n, "hvd4j-" $3, $1, $6}' >> "$results"
    # the TCP ring on the same host (what a rank pays per host pair when hosts are separate)
    export HVD4J_TRANSPORT=tcp
    launch_local "$n" java -Xmx1g -cp "$cp" org.hvd4j.benchmarks.AllreduceBench --sizes "$lo:$hi" --iters "$iters" \
        --path transport | tee -a /dev/stderr | awk -v n="$n" '$1 ~ /^[0-9]+$/ {print n, "hvd4j-tcp", $1, $6}' >> "$results"
    unset HVD4J_TRANSPORT
    if ((have_mpi)); then
        mpirun --allow-run-as-root --oversubscribe --bind-to none -np "$n" "$work/mpi_allreduce" "$lo" "$hi" "$iters" \
            | tee -a /dev/stderr | awk -v n="$n" '$1 ~ /^[0-9]+$/ {print n, "mpi", $1, $6}' >> "$results"
    fi
    if ((have_gloo)); then
        launch_local "$n" /usr/bin/python3 "$root/scripts/peers/gloo_allreduce.py" "$lo" "$hi" "$iters" \
            | tee -a /dev/stderr | awk -v n="$n" '$1 ~ /^[0-9]+$/ {print n, "gloo", $1, $6}' >> "$results"
    fi
done 2> "$work/detail"
cat "$work/detail"

# summary: algbw (GB/s) per size and peer, and the ratios of hvd4j's staged and transport paths
python3 - "$results" "$out" "$csv" <<'PY'
import collections, sys
rows = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    n, peer, size, algbw = line.split()
    rows[(int(n), int(size))][peer] = float(algbw)
if len(sys.argv) > 3 and sys.argv[3]:
    with open(sys.argv[3], "w") as f:
        f.write("ranks,peer,size_bytes,algbw_gbs,busbw_gbs\n")
        for (n, size), v in sorted(rows.items()):
            for peer, algbw in v.items():
                f.write(f"{n},{peer},{size},{algbw:.4f},{algbw * 2 * (n - 1) / n:.4f}\n")
cols = ["hvd4j-transport", "hvd4j-staged", "hvd4j-shared", "hvd4j-hvd", "hvd4j-hvd-shared", "hvd4j-tcp", "mpi", "gloo"]
def fmt(size):
    return f"{size >> 20} MiB" if size >= 1 << 20 else f"{size >> 10} KiB"
lines = ["| ranks | size | " + " | ".join(c.replace("hvd4j-", "hvd4j ") for c in cols)
         + " | staged / mpi | shared / mpi | transport / mpi | hvd / mpi | hvd-shared / mpi | hvd / gloo |",
         "|---|---|" + "---|" * (len(cols) + 6)]
for (n, size), v in sorted(rows.items()):
    cell = lambda c: f"{v[c]:.2f}" if c in v else "-"
    ratio = lambda a, b: f"{v[a] / v[b]:.2f}" if a in v and b in v and v[b] > 0 else "-"
    lines.append(f"| {n} | {fmt(size)} | " + " | ".join(cell(c) for c in cols) + f" | {ratio('hvd4j-staged', 'mpi')} | "
                 f"{ratio('hvd4j-shared', 'mpi')} | {ratio('hvd4j-transport', 'mpi')} | {ratio('hvd4j-hvd', 'mpi')} | "
                 f"{ratio('hvd4j-hvd-shared', 'mpi')} | "
                 f"{ratio('hvd4j-hvd', 'gloo')} |")
text = "algbw in GB/s (higher is better)\n\n" + "\n".join(lines)
print(text)
if len(sys.argv) > 2 and sys.argv[2]:
    open(sys.argv[2], "w").write(text + "\n")
PY
