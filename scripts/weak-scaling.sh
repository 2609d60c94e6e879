#!/usr/bin/env bash
# Weak scaling of training on this host: samples/s per rank with N ranks of 1 thread each against
# 1 rank of 1 thread (efficiency = per-rank samples/s at N / at 1; Horovod reports 88-90 %), and,
# for reference, N independent single-process runs at the same time (no communication at all:
# what the host itself allows when N processes share its memory and caches).
#
# Usage: scripts/weak-scaling.sh [--models "mlp cnn"] [--ranks "2"] [--steps-mlp 6000] [--steps-cnn 120]
#                                [--bind core|none] [--untimed-steps N] [--out FILE.md] [--csv FILE]
# (--bind: none (default, as hvdrun) leaves placement to the OS; core binds each of the N ranks, and
# each of the N independent runs, to its share of the CPUs. The single rank is never bound.
# HVD4J_JAVA_OPTS adds JVM options to every run.)
# (--csv: model,ranks,one_rank_sps,per_rank_sps,efficiency,host_limit, for plot-results)
# (--untimed-steps: steps of every run left out of its samples/s, default train's 20; about 1000 of
# the mlp's 6000 show the steady state once the JVM's compiler has settled)
# Every run: train --dataset fashion-mnist --batch-size 128 (per rank) --threads 1 --steps S, the
# default recipe, throughput = the summary's samples_per_s (after --untimed-steps, summed over ranks).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
models="mlp cnn"
ranks="2"
steps_mlp=6000
steps_cnn=120
out=""
csv=""
bind=none
untimed=20
while [[ $# -gt 0 ]]; do
    case "$1" in
        --models) models="$2"; shift 2 ;;
        --ranks) ranks="$2"; shift 2 ;;
        --steps-mlp) steps_mlp="$2"; shift 2 ;;
        --steps-cnn) steps_cnn="$2"; shift 2 ;;
        --bind) bind="$2"; shift 2 ;;
        --untimed-steps) untimed="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --csv) csv="$2"; shift 2 ;;
        *) echo "weak-scaling: unknown option $1" >&2; exit 2 ;;
    esac
done

jar="$root/examples/target/hvd4j-examples-0.1.0-SNAPSHOT.jar"
[[ -f "$jar" ]] || (cd "$root" && mvn -q -B -DskipTests install) >&2
cp="$jar:$root/examples/target/lib/*"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
LAUNCH_LOGS="$work"
# shellcheck source=lib/launch-local.sh
source "$root/scripts/lib/launch-local.sh"
export OPENBLAS_NUM_THREADS=1
case "$bind" in
    core | none) export HVD4J_BIND="$bind" ;;
    *) echo "weak-scaling: --bind must be core or none" >&2; exit 2 ;;
esac

# the Vector API kernels, as under hvdrun; the JVM's notice about the incubating module is dropped
jvm=(java -Xmx2g --add-modules jdk.incubator.vector)
notice="WARNING: Using incubator modules: jdk.incubator.vector"
quiet() { "$@" 2> >(grep -v -x -F "$notice" >&2); }

sps() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["samples_per_s"])' "$1"; }
train() { # model steps summary-file [cpus to run on]
    local pin=()
    [[ -n "${4:-}" ]] && pin=(taskset -c "$4")
    quiet "${pin[@]}" "${jvm[@]}" ${HVD4J_JAVA_OPTS:-} -cp "$cp" org.hvd4j.examples.Train --model "$1" --steps "$2" --threads 1 --untimed-steps "$untimed" --summary-json "$3"
}

rows=()
csv_rows=()
for m in $models; do
    steps=$steps_mlp
    [[ "$m" == mlp ]] || steps=$steps_cnn
    train "$m" "$steps" "$work/one.json" > /dev/null
    one=$(sps "$work/one.json")
    for n in $ranks; do
        quiet launch_local "$n" "${jvm[@]}" ${HVD4J_JAVA_OPTS:-} -cp "$cp" org.hvd4j.examples.Train --model "$m" --steps "$steps" --threads 1 --untimed-steps "$untimed" \
            --summary-json "$work/dist.json" > /dev/null
        dist=$(sps "$work/dist.json")
        pids=()
        for ((r = 0; r < n; r++)); do
            cpus=""
            if [[ "$bind" == core ]]; then
                # the share rank r of n gets (org.hvd4j.allreduce.CpuBinding), for the same placement
                cpus=$(python3 -c "
import os, sys
c = sorted(os.sched_getaffinity(0)); n, r = $n, $r
print(','.join(map(str, c[r * len(c) // n:(r + 1) * len(c) // n])) if len(c) >= n else '')")
            fi
            train "$m" "$steps" "$work/alone$r.json" "${cpus:-}" > /dev/null &
            pids+=($!)
        done
        for p in "${pids[@]}"; do wait "$p"; done
        alone=0
        for ((r = 0; r < n; r++)); do alone=$(python3 -c "print($alone + $(sps "$work/alone$r.json"))"); done
        rows+=("$(python3 -c "
one, dist, alone, n = $one, $dist, $alone, $n
print(f'| $m | {n} | {one:.0f} | {dist / n:.0f} | {dist / n / one:.1%} | {alone / n:.0f} | {alone / n / one:.1%} |')")")
        csv_rows+=("$(python3 -c "
one, dist, alone, n = $one, $dist, $alone, $n
print(f'$m,{n},{one:.1f},{dist / n:.1f},{dist / n / one:.4f},{alone / n / one:.4f}')")")
    done
done
{
    echo "| model | ranks | 1 rank: samples/s | N ranks: samples/s per rank | efficiency | N independent runs: per run | host limit |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
} | tee "${out:-/dev/null}"
if [[ -n "$csv" ]]; then
    { echo "model,ranks,one_rank_sps,per_rank_sps,efficiency,host_limit"; printf '%s\n' "${csv_rows[@]}"; } > "$csv"
fi
