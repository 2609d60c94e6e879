#!/usr/bin/env bash
# gpu-check.sh — every GPU check of hvd4j in one command, on a single-GPU Linux host that may have no
# network (Maven runs offline when ~/.m2 already holds the artifacts).
#
#   scripts/gpu-check.sh [--cuda12] [--skip-build] [--out DIR]
#
# 1. finds libcuda.so.1 (NVIDIA driver), libcudart/libcublas/libcublasLt (CUDA toolkit or pip wheels) and
#    libnccl.so.2 in LD_LIBRARY_PATH, the ld.so cache, /usr/local/cuda*/ and python3's site-packages/nvidia/*,
#    adds the directories it needs to LD_LIBRARY_PATH and prints what it found; prints nvidia-smi -L;
# 2. builds (mvn -B -q install -DskipTests);
# 3. runs the GPU tests (*Gpu*, *Cuda*, *Nccl*) of native, tensor and allreduce with -Dhvd4j.gpu=true, which
#    turns a GPU test that cannot find its GPU into a failure instead of a skip;
# 4. where the programs support CUDA: train mlp and cnn for 300 steps on cpu and on cuda (fp32, tf32) and compare
#    the test loss and accuracy, synthetic mlp/cnn at batch 128 and 512, gemm-bench on cuda (fp32, tf32);
# 5. PyTorch's figures for the same things (scripts/peers/torch_gpu_bench.py) when torch sees the GPU.
#
# A part whose program or data is missing prints "skipped: <why>"; the exit status is 1 when any check that
# ran failed, 2 when the tools themselves are missing, else 0. Logs go to DIR (default target/gpu-check).
# --cuda12 builds with -Pcuda12 (CUDA 12.9 libraries, driver >= 525). MVN_ARGS adds Maven arguments.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 2
out="$root/target/gpu-check"
cuda_major=13
profiles=()
build=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --cuda12) cuda_major=12; profiles=(-Pcuda12) ;;
        --skip-build) build=0 ;;
        --out) out="$2"; shift ;;
        -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "gpu-check: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
mkdir -p "$out"
# Maven's command line: profiles, MVN_ARGS and (below) -o when ~/.m2 holds the artifacts
mvn_cmd=(mvn -B -Dstyle.color=never)
if [[ ${#profiles[@]} -gt 0 ]]; then
    mvn_cmd+=("${profiles[@]}")
fi
if [[ -n "${MVN_ARGS:-}" ]]; then
    read -ra mvn_extra <<< "$MVN_ARGS"
    mvn_cmd+=("${mvn_extra[@]}")
fi

summary=()
failures=0
pass() { summary+=("PASS  $1"); echo "== PASS: $1"; }
fail() { summary+=("FAIL  $1"); failures=$((failures + 1)); echo "== FAIL: $1" >&2; }
skip() { summary+=("SKIP  $1: $2"); echo "skipped: $1: $2"; }
section() { printf '\n==== %s ====\n' "$1"; }

for tool in java mvn timeout; do
    command -v "$tool" > /dev/null || { echo "gpu-check: $tool is needed" >&2; exit 2; }
done

# ---- 1. libraries ---------------------------------------------------------------------------------------
section "CUDA libraries"
ldconfig_bin="$(command -v ldconfig || echo /sbin/ldconfig)"
site_dirs=()
if command -v python3 > /dev/null; then
    while IFS= read -r d; do
        [[ -n "$d" ]] && site_dirs+=("$d")
    done < <(python3 -c 'import site, sys
dirs = list(getattr(site, "getsitepackages", lambda: [])()) + [site.getusersitepackages()] + sys.path
print("\n".join(d for d in dirs if d.endswith(("site-packages", "dist-packages"))))' 2>/dev/null | sort -u)
fi

# the directory holding $1, or nothing; $2 = 1 when the dynamic linker would find it by itself
find_lib() {
    local so="$1" d p
    local -a dirs
    IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"
    for d in "${dirs[@]}"; do
        if [[ -n "$d" && -e "$d/$so" ]]; then echo "$d 1"; return; fi
    done
    p="$("$ldconfig_bin" -p 2>/dev/null | awk -v so="$so" '$1 == so && /x86-64/ { print $NF; exit }')"
    if [[ -n "$p" ]]; then echo "$(dirname "$p") 1"; return; fi
    for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda-*/lib64 \
             /usr/local/cuda-*/targets/x86_64-linux/lib /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib/wsl/lib; do
        if [[ -e "$d/$so" ]]; then echo "$d 0"; return; fi
    done
    for d in "${site_dirs[@]}"; do
        [[ -d "$d/nvidia" ]] || continue
        p="$(find "$d/nvidia" -maxdepth 4 -name "$so" -print -quit 2>/dev/null)"
        if [[ -n "$p" ]]; then echo "$(dirname "$p") 0"; return; fi
    done
}

missing=()
for so in libcuda.so.1 "libcudart.so.$cuda_major" "libcublas.so.$cuda_major" "libcublasLt.so.$cuda_major" libnccl.so.2; do
    read -r dir known <<< "$(find_lib "$so")"
    if [[ -z "${dir:-}" ]]; then
        echo "  $so: not found"
        missing+=("$so")
        continue
    fi
    if [[ "$known" == 0 ]]; then
        case ":${LD_LIBRARY_PATH:-}:" in
            *":$dir:"*) ;;
            *) export LD_LIBRARY_PATH="$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ;;
        esac
        echo "  $so: $dir (added to LD_LIBRARY_PATH)"
    else
        echo "  $so: $dir"
    fi
done
echo "  LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "  missing: ${missing[*]} (libcuda.so.1 comes with the NVIDIA driver; the others with the CUDA $cuda_major" \
         "toolkit, or pip install nvidia-cuda-runtime-cu$cuda_major nvidia-cublas-cu$cuda_major nvidia-nccl-cu$cuda_major)"
fi

section "GPUs"
if command -v nvidia-smi > /dev/null; then
    nvidia-smi -L || echo "  nvidia-smi -L failed"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || true
else
    echo "  nvidia-smi not found"
fi
echo "  CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES-unset}"

# ---- 2. build -------------------------------------------------------------------------------------------
online_cmd=("${mvn_cmd[@]}")
if [[ -d "$HOME/.m2/repository/org/bytedeco/cuda" ]]; then
    mvn_cmd+=(-o)
fi
if [[ "$build" == 1 ]]; then
    section "build"
    if timeout 1200 "${mvn_cmd[@]}" -q install -DskipTests > "$out/build.log" 2>&1; then
        pass "build (${mvn_cmd[*]} -q install -DskipTests)"
    elif [[ ${#online_cmd[@]} -ne ${#mvn_cmd[@]} ]] && timeout 1200 "${online_cmd[@]}" -q install -DskipTests \
            > "$out/build-online.log" 2>&1; then
        pass "build (online: the offline build lacked artifacts, see $out/build.log)"
        mvn_cmd=("${online_cmd[@]}")
    else
        tail -40 "$out/build.log" >&2
        fail "build (see $out/build.log)"
        printf '\n%s\n' "${summary[@]}"
        exit 1
    fi
    touch "$root/benchmarks/target/.hvdrun-built" 2> /dev/null || true
fi
export HVD4J_NO_BUILD=1

# ---- 3. GPU tests ---------------------------------------------------------------------------------------
section "GPU tests"
# one Maven run per module (the others come from the build's install), so that a failure in native does not
# hide tensor's and allreduce's results
for module in native tensor allreduce; do
    test_log="$out/gpu-tests-$module.log"
    if timeout 600 "${mvn_cmd[@]}" -pl "$module" -Dhvd4j.gpu=true test -Dtest='*Gpu*,*Cuda*,*Nccl*' \
            -Dsurefire.failIfNoSpecifiedTests=false > "$test_log" 2>&1; then
        grep -E 'Tests run:.*in org|GPU: ' "$test_log" | sed 's/^\[[A-Z]*\] /  /'
        pass "GPU tests of $module (-Dhvd4j.gpu=true)"
    else
        grep -E 'Tests run:|<<< (FAILURE|ERROR)|COMPILATION ERROR' "$test_log" | head -20 | cut -c1-400 >&2
        fail "GPU tests of $module (see $test_log)"
    fi
done

hvdrun="$root/scripts/hvdrun"
json_number() { # $1 = key, $2 = file: the number after "key": (nothing for null)
    sed -n "s/.*\"$1\": \([-0-9.eE+]*\).*/\1/p" "$2" | head -1
}

# ---- 4. training, synthetic, GEMM -----------------------------------------------------------------------
section "train: mlp and cnn, 300 steps, cpu against cuda"
data_dir=""
for d in "${HVD4J_DATA_DIR:-}" "$HOME/.hvd4j/data/fashion-mnist" /usr/share/datasets/fashion-mnist; do
    if [[ -n "$d" && -d "$d" ]] && compgen -G "$d/train-images-idx3-ubyte*" > /dev/null; then
        data_dir="$d"
        break
    fi
done
train_help="$("$hvdrun" train --help 2>&1 || true)"
if ! grep -q 'cuda' <<< "$train_help"; then
    skip "train on cuda" "this build's train has no --device cuda"
elif [[ -z "$data_dir" ]]; then
    skip "train on cuda" "Fashion-MNIST is not in ~/.hvd4j/data/fashion-mnist or /usr/share/datasets/fashion-mnist" \
        "(set HVD4J_DATA_DIR; there is no network to download it)"
else
    train() { # $1 = name, then train's options
        local name="$1"
        shift
        timeout 600 "$hvdrun" train --model "$model" --steps 300 --seed 1 --no-download --data-dir "$data_dir" \
            --summary-json "$out/train-$name.json" "$@" > "$out/train-$name.log" 2>&1
    }
    for model in mlp cnn; do
        if ! train "$model-cpu" --device cpu; then
            tail -20 "$out/train-$model-cpu.log" >&2
            fail "train $model on cpu (see $out/train-$model-cpu.log)"
        else
            for precision in fp32 tf32; do
                if ! train "$model-cuda-$precision" --device cuda --precision "$precision"; then
                    tail -20 "$out/train-$model-cuda-$precision.log" >&2
                    fail "train $model on cuda, $precision (see $out/train-$model-cuda-$precision.log)"
                    continue
                fi
                cl="$(json_number test_loss "$out/train-$model-cpu.json")"
                ca="$(json_number test_accuracy "$out/train-$model-cpu.json")"
                gl="$(json_number test_loss "$out/train-$model-cuda-$precision.json")"
                ga="$(json_number test_accuracy "$out/train-$model-cuda-$precision.json")"
                cs="$(json_number samples_per_s "$out/train-$model-cpu.json")"
                gs="$(json_number samples_per_s "$out/train-$model-cuda-$precision.json")"
                echo "  cpu:  test loss $cl, accuracy $ca, $cs samples/s"
                echo "  cuda ($precision): test loss $gl, accuracy $ga, $gs samples/s"
                # same seed and data order: only the summation order (and TF32's rounding) differs
                if [[ -n "$cl" && -n "$gl" && -n "$ca" && -n "$ga" ]] && awk -v a="$cl" -v b="$gl" -v x="$ca" -v y="$ga" \
                        -v p="$precision" 'BEGIN { tl = (p == "fp32" ? 0.03 : 0.06); d = a - b; if (d < 0) d = -d;
                            e = x - y; if (e < 0) e = -e;
                            exit !(d <= tl * (a > 1 ? a : 1) && e <= 0.015) }'; then
                    pass "train $model: cuda $precision matches cpu (loss $gl vs $cl, accuracy $ga vs $ca)"
                else
                    fail "train $model: cuda $precision differs from cpu (loss $gl vs $cl, accuracy $ga vs $ca)"
                fi
            done
        fi
    done
fi

section "synthetic: mlp and cnn on cuda"
if ! "$hvdrun" synthetic --help 2>&1 | grep -q 'cuda'; then
    skip "synthetic on cuda" "this build's synthetic has no --device cuda"
else
    for model in mlp cnn; do
        for batch in 128 512; do
            name="synthetic-$model-b$batch"
            if timeout 300 "$hvdrun" synthetic --model "$model" --device cuda --batch-size "$batch" --warmup 20 \
                    --iters 5 --batches-per-iter 10 --json "$out/$name.json" > "$out/$name.log" 2>&1; then
                grep -iE 'img/sec' "$out/$name.log" | tail -2 | sed 's/^/  /'
                pass "synthetic $model batch $batch on cuda"
            else
                tail -20 "$out/$name.log" >&2
                fail "synthetic $model batch $batch on cuda (see $out/$name.log)"
            fi
        done
    done
fi

section "gemm-bench on cuda"
bench_jar=""
for j in "$root"/benchmarks/target/hvd4j-benchmarks-*.jar; do
    case "$j" in
        *-sources.jar|*-tests.jar) ;;
        *) [[ -f "$j" ]] && bench_jar="$j" && break ;;
    esac
done
class_bytes() { # $1 = jar, $2 = entry: the entry's bytes on stdout
    if command -v unzip > /dev/null; then
        unzip -p "$1" "$2" 2> /dev/null
    elif command -v python3 > /dev/null; then
        python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' "$1" "$2" \
            2> /dev/null
    fi
}
if [[ -z "$bench_jar" ]] || ! class_bytes "$bench_jar" org/hvd4j/benchmarks/GemmBench.class | grep -aq -- '--device'; then
    skip "gemm-bench on cuda" "this build's gemm-bench has no --device option"
else
    for precision in fp32 tf32; do
        if timeout 600 "$hvdrun" gemm-bench --device cuda --precision "$precision" > "$out/gemm-$precision.log" 2>&1; then
            sed 's/^/  /' "$out/gemm-$precision.log"
            pass "gemm-bench on cuda, $precision"
        else
            tail -20 "$out/gemm-$precision.log" >&2
            fail "gemm-bench on cuda, $precision (see $out/gemm-$precision.log)"
        fi
    done
fi

# ---- 5. PyTorch -----------------------------------------------------------------------------------------
section "PyTorch on the same GPU"
if ! command -v python3 > /dev/null; then
    skip "PyTorch comparison" "no python3"
elif ! python3 -c 'import torch; assert torch.cuda.is_available()' > /dev/null 2>&1; then
    skip "PyTorch comparison" "python3 has no torch, or torch sees no GPU"
elif timeout 600 python3 "$root/scripts/peers/torch_gpu_bench.py" --json "$out/torch.json" > "$out/torch.log" 2>&1; then
    sed 's/^/  /' "$out/torch.log"
    pass "PyTorch figures (scripts/peers/torch_gpu_bench.py)"
else
    tail -20 "$out/torch.log" >&2
    fail "PyTorch figures (see $out/torch.log)"
fi

section "summary"
printf '%s\n' "${summary[@]}"
echo "logs: $out"
[[ "$failures" == 0 ]] || exit 1
exit 0
