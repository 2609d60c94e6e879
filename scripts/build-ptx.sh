#!/usr/bin/env bash
# build-ptx.sh — compiles the hvd4j CUDA kernels into the one PTX module the jar ships.
#
#   scripts/build-ptx.sh                 writes native/src/main/resources/org/hvd4j/cuda/hvd4j_kernels.ptx
#   scripts/build-ptx.sh --out FILE      writes FILE instead (PtxFreshnessTest compares it with the committed one)
#   scripts/build-ptx.sh --hash          prints the sources hash only (no nvcc needed)
#
# Input: native/src/main/cuda/hvd4j_kernels.cu, the unity file that #includes every kernel source.
# Flags: -ptx -arch=compute_75 (CUDA 13's oldest target; the driver JIT-compiles it for newer GPUs)
# -O3 --std=c++17 -fmad=false. -fmad=false keeps a*b+c as two roundings, as Java computes it, so the
# kernels give the CPU twins' bits; no -lineinfo/-G, which would put source paths into the PTX.
#
# Output: line 1 is "// hvd4j-sources-sha256: <hex>", then nvcc's PTX unchanged. The hash is SHA-256
# over the kernel sources, so staleness is detectable without nvcc (PtxFreshnessTest recomputes it):
# every regular file directly in native/src/main/cuda whose name ends in .h, .cuh or .cu, in byte
# order of the (ASCII) names, each contributing "<name>\n<size in bytes>\n" followed by its bytes.
#
# After writing, ptxas assembles the PTX for sm_75 and sm_90 (H100) and the script reports registers
# and spills; a failure there fails the script. The output must not carry a machine path (checked).
# Environment: NVCC (path of nvcc; else nvcc on PATH, else /usr/local/cuda/bin/nvcc).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/native/src/main/cuda"
out="$root/native/src/main/resources/org/hvd4j/cuda/hvd4j_kernels.ptx"
hash_only=0

while [[ $# -gt 0 ]]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        --hash) hash_only=1; shift ;;
        -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-ptx.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

sources_hash() {
    local names name
    names="$(cd "$src" && LC_ALL=C ls -1 | LC_ALL=C grep -E '\.(h|cuh|cu)$' | LC_ALL=C sort)"
    for name in $names; do
        [[ -f "$src/$name" ]] || continue
        printf '%s\n%s\n' "$name" "$(wc -c < "$src/$name" | tr -d ' ')"
        cat "$src/$name"
    done | sha256sum | cut -d' ' -f1
}

hash="$(sources_hash)"
if [[ $hash_only -eq 1 ]]; then
    echo "$hash"
    exit 0
fi

nvcc="${NVCC:-}"
if [[ -z "$nvcc" ]]; then
    if command -v nvcc > /dev/null 2>&1; then
        nvcc="$(command -v nvcc)"
    elif [[ -x /usr/local/cuda/bin/nvcc ]]; then
        nvcc=/usr/local/cuda/bin/nvcc
    else
        echo "build-ptx.sh: nvcc not found (set NVCC, put it on PATH, or install CUDA in /usr/local/cuda)" >&2
        exit 1
    fi
fi
ptxas="$(dirname "$nvcc")/ptxas"
[[ -x "$ptxas" ]] || ptxas="$(command -v ptxas || true)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# relative input path, run from the sources: nothing of this machine's layout reaches nvcc's output
(cd "$src" && "$nvcc" -ptx -arch=compute_75 -O3 --std=c++17 -fmad=false hvd4j_kernels.cu -o "$tmp/kernels.ptx")

{
    printf '// hvd4j-sources-sha256: %s\n' "$hash"
    cat "$tmp/kernels.ptx"
} > "$tmp/out.ptx"

# no machine paths: the checkout, the temp dir, the home directory or any usual absolute prefix
for needle in "$root" "$tmp" "${HOME:-/nonexistent}" /work/ /tmp/ /home/ /root/ /usr/ /opt/; do
    [[ ${#needle} -ge 4 ]] || continue
    if grep -qF -- "$needle" "$tmp/out.ptx"; then
        echo "build-ptx.sh: the PTX contains the path '$needle':" >&2
        grep -nF -- "$needle" "$tmp/out.ptx" | head -5 >&2
        exit 1
    fi
done

if [[ -n "$ptxas" ]]; then
    for arch in sm_75 sm_90; do
        if ! "$ptxas" -arch="$arch" -v "$tmp/out.ptx" -o "$tmp/$arch.cubin" > "$tmp/$arch.log" 2>&1; then
            cat "$tmp/$arch.log" >&2
            echo "build-ptx.sh: ptxas -arch=$arch failed" >&2
            exit 1
        fi
        # one line per arch: entries, most registers (and which kernel), spill bytes over all kernels
        awk -v arch="$arch" '
            /Compiling entry function/ { match($0, /'\''[^'\'']*'\''/); fn = substr($0, RSTART + 1, RLENGTH - 2); n++ }
            /spill stores/ { for (i = 1; i <= NF; i++) if ($(i + 1) == "bytes" && $(i + 2) == "spill") spill += $i }
            /Used [0-9]+ registers/ { for (i = 1; i <= NF; i++) if ($i == "Used") r = $(i + 1) + 0; if (r > maxr) { maxr = r; maxfn = fn } }
            END { printf "ptxas %s: %d kernels assemble, at most %d registers (%s), %d bytes spilled\n", arch, n, maxr, maxfn, spill }
        ' "$tmp/$arch.log"
    done
else
    echo "build-ptx.sh: ptxas not found next to nvcc or on PATH: the PTX was not assembled" >&2
fi

mkdir -p "$(dirname "$out")"
cp "$tmp/out.ptx" "$out"
echo "wrote $out ($(wc -c < "$out" | tr -d ' ') bytes, sources sha256 $hash)"
