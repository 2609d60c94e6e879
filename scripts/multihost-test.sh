#!/usr/bin/env bash
# multihost-test.sh — hvd4j across simulated hosts on one machine: each host is a network
# namespace (own address, hostname, /dev/shm and sshd) on a bridge in the root namespace.
#
#   sudo scripts/multihost-test.sh [--hosts N] [--launcher hvdrun|ssh]      test mode (default)
#   sudo scripts/multihost-test.sh [--hosts N] --bench RATE [--sizes A:B]   e.g. --bench 1gbit
#   sudo scripts/multihost-test.sh [--hosts N] --shell                      hosts up until Ctrl-C
#
# Test mode trains the mlp for 50 steps as one rank per host (through `hvdrun -H`, then through
# `hvdrun --hostfile`) and as the same number of ranks on this host (`hvdrun -np N`), and fails
# unless the parameters_sha256 of the final weights agree. --bench limits every host's link to
# RATE with tc tbf in both directions (burst 1 ms at RATE, at least 128 KiB; queue 10 ms),
# measures the link with a plain TCP transfer, runs allreduce-bench across the hosts, then Open
# MPI and torch.distributed gloo over the same links, and prints busbw as a fraction of RATE. --launcher ssh starts the ranks itself, through ssh with
# torchrun's variables (rank 0 hosts the rendezvous), and so needs no multi-host hvdrun.
#
# Needs root, ip and tc (iproute2), /usr/sbin/sshd, ssh and ssh-keygen (apt-installed when
# missing), a JDK and Maven (hvdrun builds the project when needed), python3 for the link checks
# (skipped without it). Hosts are 2 or 3 (--hosts, default 2) on a free 10.231.X.0/24: bridge .1,
# host i .(i+2).
#
# Cleans up on every exit (also on failure, Ctrl-C, TERM): kills the sshds and every process left
# in the namespaces, deletes namespaces, veths, bridge, iptables rules (when iptables exists),
# /etc/netns/<ns> and the temp dir with the keys. A run killed with -9 leaves them behind; the next
# run removes every hvd4j-<pid>-* namespace, hvd4j<pid>* interface, rule and temp dir whose pid is
# no longer a live run of this script.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/netns-hosts.sh source-path=SCRIPTDIR
source "$root/scripts/lib/netns-hosts.sh"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -n 's/^# \{0,1\}//p'; }

n=2 mode=test rate="" launcher=hvdrun sizes=1M:64M
while (($#)); do
    case "$1" in
        --hosts) n="${2:?--hosts needs 2 or 3}"; shift 2 ;;
        --bench) mode=bench rate="${2:?--bench needs a rate, e.g. 1gbit}"; shift 2 ;;
        --sizes) sizes="${2:?--sizes needs min:max}"; shift 2 ;;
        --shell) mode=shell; shift ;;
        --launcher) launcher="${2:?--launcher needs hvdrun or ssh}"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "multihost-test: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
[[ "$n" == 2 || "$n" == 3 ]] || { echo "multihost-test: --hosts must be 2 or 3" >&2; exit 2; }
[[ "$launcher" == hvdrun || "$launcher" == ssh ]] || { echo "multihost-test: --launcher hvdrun|ssh" >&2; exit 2; }
if [[ -n "$rate" ]] && ! nh_rate_bits "$rate" > /dev/null; then
    echo "multihost-test: bad rate '$rate' (tc syntax: 1gbit, 10gbit, 500mbit)" >&2
    exit 2
fi

nh_require
java_bin="$(command -v "${JAVA:-java}")" || { echo "multihost-test: java not found (a JDK 17+)" >&2; exit 2; }
py="$(command -v python3 || true)"
nh_clean_stale
trap nh_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
nh_create "$n"
nh_start_sshd

# ---- the hosts: ssh, java, TCP between every pair and to the bridge's address ----------------
check_hosts() {
    local i j port=$((20000 + RANDOM % 10000)) lines
    for i in "${!NH_NS[@]}"; do
        echo "host $i (${NH_ADDR[i]}) through ssh: $(nh_ssh "$i" "hostname; $(printf %q "$java_bin") -version 2>&1 | head -1" |
            paste -sd ' ')"
        for j in "${!NH_NS[@]}"; do
            ((i == j)) && continue
            ip netns exec "${NH_NS[i]}" timeout 3 bash -c "exec 3<>/dev/tcp/${NH_ADDR[j]}/22" ||
                { echo "multihost-test: host $i cannot reach ${NH_ADDR[j]}:22" >&2; return 1; }
        done
    done
    if [[ -n "$py" ]]; then # every host -> the bridge's address (where hvdrun's rendezvous listens)
        "$py" "$root/scripts/lib/tcp-rate.py" listen "$NH_NET.1" "$port" "$n" > "$NH_TMP/to-bridge.txt" &
        for i in "${!NH_NS[@]}"; do
            ip netns exec "${NH_NS[i]}" "$py" "$root/scripts/lib/tcp-rate.py" send "$NH_NET.1" "$port" 0.1
        done
        wait
        lines=$(wc -l < "$NH_TMP/to-bridge.txt")
        ((lines == n + 1)) || { echo "multihost-test: not every host reached $NH_NET.1" >&2; return 1; }
    fi
    echo "hosts: ssh, java, host<->host TCP${py:+ and host->bridge TCP} all work"
}
check_hosts

# ---- starting jobs across the hosts --------------------------------------------------------
hostlist() { local a; printf -v a '%s:1,' "${NH_ADDR[@]}"; echo "${a%,}"; }
hvdrun_ssh=(-i "$NH_KEY" --ssh-user root --ssh-option "UserKnownHostsFile=$NH_KNOWN"
    --ssh-option StrictHostKeyChecking=yes)

# The multi-host launcher (the launcher issue): one rank per host with -H, or from a hostfile.
multi_hvdrun() { # program args...
    "$root/scripts/hvdrun" -np "$n" -H "$(hostlist)" "${hvdrun_ssh[@]}" "$@"
}
multi_hvdrun_hostfile() { # program args...
    local f="$NH_TMP/hostfile" a
    { echo "# hvd4j hostfile: one host per line, 'ADDRESS slots=N'"; echo; } > "$f"
    for a in "${NH_ADDR[@]}"; do echo "$a slots=1"; done >> "$f"
    "$root/scripts/hvdrun" -np "$n" --hostfile "$f" "${hvdrun_ssh[@]}" "$@"
}

# Without hvdrun: rank r on host r through ssh, torchrun's variables, rank 0 hosting the
# rendezvous; the job secret goes through ssh's stdin, never on a command line.
multi_ssh() { # program args...
    local main secret port=$((29600 + RANDOM % 1000)) r status=0 pids=() cmd args
    case "$1" in
        train) main=org.hvd4j.examples.Train ;;
        allreduce-bench) main=org.hvd4j.benchmarks.AllreduceBench ;;
        *) echo "multi_ssh: unknown program $1" >&2; return 2 ;;
    esac
    shift
    secret=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    local cp="$root/examples/target/hvd4j-examples-0.1.0-SNAPSHOT.jar:$root/benchmarks/target/hvd4j-benchmarks-0.1.0-SNAPSHOT.jar:$root/examples/target/lib/*"
    for ((r = 0; r < n; r++)); do
        printf -v cmd 'read -r HVD4J_SECRET && export HVD4J_SECRET && cd %q && exec env RANK=%d WORLD_SIZE=%d MASTER_ADDR=%s MASTER_PORT=%d %q -Xmx2g -XX:MaxDirectMemorySize=8g -cp %q %s' \
            "$root" "$r" "$n" "${NH_ADDR[0]}" "$port" "$java_bin" "$cp" "$main"
        printf -v args ' %q' "$@"
        cmd+=$args
        { nh_ssh "$r" "$cmd" <<< "$secret" 2>&1 | sed -u "s/^/[$r]: /"; } &
        pids+=($!)
    done
    for r in "${pids[@]}"; do wait "$r" || status=$?; done
    return "$status"
}

multi() {
    if [[ "$launcher" == ssh ]]; then multi_ssh "$@"; return; fi
    multi_hvdrun "$@" || { local rc=$?
        echo "multihost-test: hvdrun -H failed (exit $rc); --launcher ssh runs the same without hvdrun" >&2
        return "$rc"; }
}

digest() { # summary JSON -> parameters_sha256
    local d
    d=$(sed -n 's/.*"parameters_sha256": *"\([0-9a-f]*\)".*/\1/p' "$1" 2> /dev/null)
    [[ -n "$d" ]] || { echo "multihost-test: no parameters_sha256 in $1 (examples built before ParameterDigest?)" >&2; return 1; }
    echo "$d"
}

# ---- modes -----------------------------------------------------------------------------------
test_mode() {
    local train=(train --model mlp --steps 50 --threads 1) out="$NH_TMP/results" single multi hf=""
    mkdir -p "$out"
    echo "== $n ranks on this host"
    "$root/scripts/hvdrun" -np "$n" "${train[@]}" --summary-json "$out/single.json"
    echo "== 1 rank on each of $n hosts (--launcher $launcher)"
    multi "${train[@]}" --summary-json "$out/multi.json" | tee "$out/multi.log"
    grep -q "($n hosts, transport" "$out/multi.log" ||
        { echo "multihost-test: the job did not see $n hosts" >&2; return 1; }
    single=$(digest "$out/single.json") multi=$(digest "$out/multi.json")
    if [[ "$launcher" == hvdrun ]]; then
        echo "== the same from a hostfile"
        multi_hvdrun_hostfile "${train[@]}" --summary-json "$out/hostfile.json"
        hf=$(digest "$out/hostfile.json")
    fi
    if [[ "$single" != "$multi" || (-n "$hf" && "$hf" != "$multi") ]]; then
        echo "FAIL: final weights differ between one host and $n hosts" >&2
        echo "  $n ranks on one host:  $single" >&2
        echo "  1 rank on $n hosts:    $multi" >&2
        [[ -z "$hf" ]] || echo "  hosts from a hostfile: $hf" >&2
        return 1
    fi
    echo "PASS: parameters_sha256 one host $single = $n hosts $multi${hf:+ = hostfile $hf}"
    stop_checks
}

leftovers() { # processes in the hosts' namespaces other than their sshd listeners
    local i p out=""
    for i in "${!NH_NS[@]}"; do
        for p in $(ip netns pids "${NH_NS[i]}"); do
            [[ "$p" == "$(cat "$NH_TMP/sshd.h$i.pid" 2> /dev/null)" ]] && continue
            out+="  host $i: $(ps -o pid=,args= -p "$p" | cut -c1-120)"$'\n'
        done
    done
    printf %s "$out"
}

no_leftovers() { # what: fails if a process other than sshd is still running on a host after 2 s
    local t left
    for t in 1 2 3 4 5 6 7 8 9 10; do
        left=$(leftovers)
        [[ -z "$left" ]] && return 0
        sleep 0.2
    done
    echo "FAIL: processes left on the hosts after $1:" >&2
    printf '%s\n' "$left" >&2
    return 1
}

# Fail-fast and interruption through real ssh: the wrapper on the remote host must stop its rank
# when hvdrun closes the connection, and hvdrun must report the first failure.
stop_checks() {
    local rc=0 t0 log="$NH_TMP/results/stop.log" pid
    echo "== fail-fast across hosts: rank $((n - 1)) exits 3, the others sleep"
    t0=$SECONDS
    multi_hvdrun sh -c "if [ \"\$HVD4J_RANK\" = $((n - 1)) ]; then sleep 1; echo 'failing on purpose' >&2; exit 3; fi; sleep 300" \
        > "$log" 2>&1 || rc=$?
    cat "$log"
    if ((rc != 3 || SECONDS - t0 > 12)) || ! grep -q "rank $((n - 1)) on ${NH_ADDR[n - 1]} exited with code 3 first" "$log"; then
        echo "FAIL: hvdrun exited $rc after $((SECONDS - t0)) s (expected 3 within about 10 s, naming rank $((n - 1)))" >&2
        return 1
    fi
    no_leftovers "fail-fast" || return 1
    echo "== SIGTERM to hvdrun while every rank sleeps"
    "$root/scripts/hvdrun" -np "$n" -H "$(hostlist)" "${hvdrun_ssh[@]}" sh -c 'echo up; sleep 300' > "$log" 2>&1 &
    pid=$!
    for t0 in $(seq 100); do [[ $(grep -c '<stdout>:up' "$log") == "$n" ]] && break; sleep 0.1; done
    kill -TERM "$pid"
    rc=0
    wait "$pid" || rc=$?
    cat "$log"
    ((rc == 143)) || { echo "FAIL: hvdrun exited $rc after SIGTERM (expected 143)" >&2; return 1; }
    no_leftovers "SIGTERM to hvdrun" || return 1
    echo "PASS: fail-fast and SIGTERM leave no process on any host"
}

link_check() { # TCP payload rate host 0 -> host 1 alone, then both directions at once
    [[ -n "$py" ]] || { echo "link check skipped (no python3)"; return 0; }
    local port=$((20000 + RANDOM % 10000)) bits t
    bits=$(nh_rate_bits "$rate")
    t="$root/scripts/lib/tcp-rate.py"
    ip netns exec "${NH_NS[1]}" "$py" "$t" listen "${NH_ADDR[1]}" "$port" 2 > "$NH_TMP/rate1.txt" &
    ip netns exec "${NH_NS[0]}" "$py" "$t" send "${NH_ADDR[1]}" "$port" 3
    ip netns exec "${NH_NS[0]}" "$py" "$t" listen "${NH_ADDR[0]}" "$port" 1 > "$NH_TMP/rate0.txt" &
    ip netns exec "${NH_NS[0]}" "$py" "$t" send "${NH_ADDR[1]}" "$port" 3 &
    ip netns exec "${NH_NS[1]}" "$py" "$t" send "${NH_ADDR[0]}" "$port" 3
    wait
    rate_of() { awk -v b="$bits" '{printf "%.1f MB/s (%.3f of the rate)", $4, $4 * 8e6 / b}' <<< "$1"; }
    echo "link at $rate, TCP payload (at most 1448/1514 = 0.956 of the rate with 1500-byte frames):"
    echo "  host 0 -> host 1 alone: $(rate_of "$(sed -n 2p "$NH_TMP/rate1.txt")")"
    echo "  both ways at once:      0->1 $(rate_of "$(sed -n 3p "$NH_TMP/rate1.txt")"), 1->0 $(rate_of "$(sed -n 2p "$NH_TMP/rate0.txt")")"
}

# The same sizes over the same shaped links with Open MPI (its TCP BTL between the namespaces,
# ranks started through the hosts' sshd) and torch.distributed gloo (one process per namespace),
# each printed as a fraction of the link; a peer whose packages are missing is skipped, said so.
peers_bench() { # link bits per second
    local bits="$1" lo hi out="$NH_TMP/peers.txt" r pids=() port=$((29700 + RANDOM % 200))
    lo=$(numfmt --from=iec "${sizes%%:*}") hi=$(numfmt --from=iec "${sizes##*:}")
    : > "$out"
    if command -v mpicc > /dev/null && dpkg -s libopenmpi-dev > /dev/null 2>&1; then
        mpicc -O2 "$root/scripts/peers/mpi_allreduce.c" -o "$NH_TMP/mpi_allreduce"
        local hosts=() a
        for a in "${NH_ADDR[@]}"; do hosts+=("$a:1"); done
        echo "== Open MPI on $n hosts (TCP BTL)"
        mpirun --allow-run-as-root -np "$n" --host "$(IFS=,; echo "${hosts[*]}")" \
            --mca plm_rsh_agent "${NH_SSH[*]}" --mca btl self,tcp \
            --mca btl_tcp_if_include "$NH_NET.0/24" --mca oob_tcp_if_include "$NH_NET.0/24" \
            "$NH_TMP/mpi_allreduce" "$lo" "$hi" 20 | tee -a "$out" || echo "multihost-test: mpirun across the hosts failed" >&2
    else
        echo "multihost-test: no mpicc/libopenmpi-dev (apt-get install openmpi-bin libopenmpi-dev): MPI skipped" >&2
    fi
    local tpy=/usr/bin/python3 # Debian's python3-torch is for the system Python
    if [[ -x "$tpy" ]] && "$tpy" -c 'import torch' 2> /dev/null; then
        echo "== torch.distributed gloo on $n hosts"
        for ((r = 0; r < n; r++)); do
            ip netns exec "${NH_NS[r]}" env RANK="$r" WORLD_SIZE="$n" MASTER_ADDR="${NH_ADDR[0]}" MASTER_PORT="$port" \
                GLOO_SOCKET_IFNAME=eth0 "$tpy" "$root/scripts/peers/gloo_allreduce.py" "$lo" "$hi" 20 \
                > "$NH_TMP/gloo$r.txt" 2>&1 &
            pids+=($!)
        done
        for r in "${pids[@]}"; do wait "$r" || echo "multihost-test: a gloo rank failed" >&2; done
        tee -a "$out" < "$NH_TMP/gloo0.txt"
    else
        echo "multihost-test: $tpy has no torch (apt-get install python3-torch): gloo skipped" >&2
    fi
    echo "peers' busbw as a fraction of the link:"
    awk -v b="$bits" -v n="$n" -v r="$rate" '$1 ~ /^[0-9]+$/ && NF >= 6 {
            bw = $1 / ($5 * 1e-6) * 2 * (n - 1) / n
            printf "  %9s B %-9s busbw %8.1f MB/s = %.3f of %s\n", $1, $3, bw / 1e6, bw * 8 / b, r }' "$out"
}

bench_mode() {
    local bits out="$NH_TMP/bench.txt"
    bits=$(nh_rate_bits "$rate")
    nh_shape "$rate"
    link_check
    echo "== allreduce-bench on $n hosts (--launcher $launcher)"
    multi allreduce-bench --sizes "$sizes" | tee "$out"
    # busbw = size / time x 2(n-1)/n, from the time column (the busbw column has 2 decimals)
    echo "busbw as a fraction of the link ($rate each way; TCP's ceiling is 0.956):"
    sed -E 's/^\[[0-9]+\](<[a-z]+>)?: ?//' "$out" | awk -v b="$bits" -v n="$n" -v r="$rate" '
        $1 ~ /^[0-9]+$/ && NF >= 9 {
            bw = $1 / ($5 * 1e-6) * 2 * (n - 1) / n
            printf "  %9s B %-9s busbw %8.1f MB/s = %.3f of %s\n", $1, $3, bw / 1e6, bw * 8 / b, r; ok = 1 }
        END { if (!ok) { print "multihost-test: no result rows from allreduce-bench" > "/dev/stderr"; exit 1 } }'
    peers_bench "$bits"
    local i # drops at the rate limit mean TCP retransmissions (queue: 10 ms at the rate)
    for i in "${!NH_NS[@]}"; do
        echo "host $i tbf: out $(ip netns exec "${NH_NS[i]}" tc -s qdisc show dev eth0 | sed -n 's/^ *Sent \([0-9]*\) bytes.*dropped \([0-9]*\).*/\1 bytes, \2 dropped/p'); in $(tc -s qdisc show dev "hvd4j${NH_RUN}v$i" | sed -n 's/^ *Sent \([0-9]*\) bytes.*dropped \([0-9]*\).*/\1 bytes, \2 dropped/p')"
    done
}

shell_mode() {
    echo "hosts are up; Ctrl-C removes them. From this shell's namespace:"
    local i
    for i in "${!NH_NS[@]}"; do
        echo "  host $i: ssh -i $NH_KEY -o UserKnownHostsFile=$NH_KNOWN root@${NH_ADDR[i]}" \
            "   or   ip netns exec ${NH_NS[i]} bash"
    done
    echo "  hvdrun: scripts/hvdrun -np $n -H $(hostlist) ${hvdrun_ssh[*]} train ..."
    while :; do sleep 1; done
}

case "$mode" in
    test) test_mode ;;
    bench) bench_mode ;;
    shell) shell_mode ;;
esac
