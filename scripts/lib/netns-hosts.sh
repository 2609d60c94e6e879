# shellcheck shell=bash
# Sourced by scripts/multihost-test.sh: simulated hosts on this machine, each a network namespace
# with its own sshd, joined by veth pairs to a bridge in the root namespace. Needs root.
#
#   nh_require                 root and ip, tc, ssh, ssh-keygen, /usr/sbin/sshd (apt-installs them)
#   nh_clean_stale             removes what runs that died (kill -9) left behind
#   nh_create N                N hosts: namespaces hvd4j-<pid>-h<i>, addresses NET.(i+2), bridge NET.1
#   nh_start_sshd              throwaway host and client keys, one sshd per host, known_hosts; waits
#   nh_ssh I COMMAND           runs COMMAND on host I as root through ssh
#   nh_shape RATE              tbf rate limit (tc syntax: 1gbit, 500mbit) on both ends of each link
#   nh_cleanup                 kills every process in the namespaces, deletes namespaces, veths,
#                              bridge, firewall rules, /etc/netns entries and the temp dir (keys)
#
# Each host also gets its own hostname (a UTS namespace; the namespace's name, resolvable through
# /etc/netns/<ns>/hosts, which `ip netns exec` mounts over /etc/hosts) and its own /dev/shm, so
# that hvd4j sees separate hosts and cannot use shared memory between them. Everything a run
# creates carries its pid ($$) in its name; nh_clean_stale removes the things whose pid is no
# longer a live run of $NH_SCRIPT (the sourcing script's name).

NH_SCRIPT=${NH_SCRIPT:-$(basename "$0")}
NH_RUN=$$
NH_BRIDGE="hvd4jbr$NH_RUN"         # interface names are limited to 15 characters
NH_NS=()                           # namespace of host i
NH_ADDR=()                         # address of host i
NH_NET=""                          # the /24's first three octets
NH_TMP=""                          # keys, sshd configs, pid files, logs
NH_KEY="" NH_KNOWN=""              # client key and known_hosts, set by nh_start_sshd
NH_SSH=()                          # ssh with the options that reach the hosts
NH_FW=()                           # iptables rules added (each a string of arguments)

nh_log() { echo "netns-hosts: $*" >&2; }

nh_require() {
    if [[ "$(id -u)" != 0 ]]; then
        echo "$NH_SCRIPT needs root: it creates network namespaces, veth pairs, a bridge and tc" \
            "qdiscs and starts sshd in each namespace. Run it with sudo." >&2
        exit 2
    fi
    local t missing=()
    for t in ip tc ssh ssh-keygen unshare; do command -v "$t" > /dev/null || missing+=("$t"); done
    [[ -x /usr/sbin/sshd ]] || missing+=(/usr/sbin/sshd)
    ((${#missing[@]})) || return 0
    if command -v apt-get > /dev/null; then
        nh_log "missing ${missing[*]}: installing openssh-server iproute2"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server iproute2 > /dev/null
    else
        echo "$NH_SCRIPT: missing ${missing[*]} (packages openssh-server, openssh-client, iproute2)" >&2
        exit 2
    fi
}

# Is PID a live run of $NH_SCRIPT? (A pid reused by another program counts as dead.)
nh_alive() {
    [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' < "/proc/$1/cmdline" 2> /dev/null | grep -q -- "$NH_SCRIPT"
}

nh_kill_ns() { # namespace: TERM, then KILL, every process in it
    local ns="$1" pids i
    for i in 1 2 3 4 5 6 7 8 9 10 11; do
        pids=$(ip netns pids "$ns" 2> /dev/null | tr '\n' ' ')
        [[ -n "${pids// /}" ]] || return 0
        # shellcheck disable=SC2086
        if ((i < 11)); then kill -TERM $pids 2> /dev/null; else kill -KILL $pids 2> /dev/null; fi
        sleep 0.2
    done
}

nh_fw_del_run() { # pid: deletes the iptables rules tagged with that run
    command -v iptables > /dev/null || return 0
    local rule
    while read -r rule; do
        # shellcheck disable=SC2086
        [[ -n "$rule" ]] && iptables ${rule/#-A /-D }
    done < <(iptables -S 2> /dev/null | grep -- "--comment hvd4j-netns-$1\b" || true)
}

nh_clean_stale() {
    local ns pid link dir
    for ns in $(ip netns list 2> /dev/null | awk '{print $1}' | grep -E '^hvd4j-[0-9]+-h[0-9]+$' || true); do
        pid=${ns#hvd4j-}; pid=${pid%%-*}
        nh_alive "$pid" && continue
        nh_log "removing $ns, left by run $pid (gone)"
        nh_kill_ns "$ns"
        ip netns del "$ns" 2> /dev/null || true
        rm -rf "/etc/netns/$ns"
    done
    for link in $(ip -o link show 2> /dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^hvd4j(br)?[0-9]+' || true); do
        pid=$(sed -E 's/^hvd4j(br)?([0-9]+).*/\2/' <<< "$link")
        nh_alive "$pid" && continue
        nh_log "removing interface $link, left by run $pid (gone)"
        ip link del "$link" 2> /dev/null || true
    done
    for dir in "${TMPDIR:-/tmp}"/hvd4j-netns.*; do
        [[ -d "$dir" ]] || continue
        pid=${dir##*/hvd4j-netns.}; pid=${pid%%.*}
        nh_alive "$pid" || { nh_log "removing $dir, left by run $pid (gone)"; rm -rf "$dir"; }
    done
    if command -v iptables > /dev/null; then
        for pid in $(iptables -S 2> /dev/null | grep -o 'hvd4j-netns-[0-9]*' | sort -u | sed 's/.*-//'); do
            nh_alive "$pid" || { nh_log "removing iptables rules of run $pid (gone)"; nh_fw_del_run "$pid"; }
        done
    fi
}

nh_cleanup() {
    local i
    set +e
    trap '' INT TERM    # a second Ctrl-C or TERM must not cut the cleanup short
    for i in "${!NH_NS[@]}"; do
        nh_kill_ns "${NH_NS[$i]}"
        ip netns del "${NH_NS[$i]}" 2> /dev/null
        ip link del "hvd4j${NH_RUN}v$i" 2> /dev/null    # gone with the namespace, normally
        rm -rf "/etc/netns/${NH_NS[$i]}"
    done
    rmdir /etc/netns 2> /dev/null    # only when empty
    ip link del "$NH_BRIDGE" 2> /dev/null
    ((${#NH_FW[@]})) && nh_fw_del_run "$NH_RUN"
    [[ -n "$NH_TMP" ]] && rm -rf "$NH_TMP"
    NH_NS=() NH_FW=() NH_TMP=""
    return 0
}

# A /24 with no address and no route on this machine (the default route aside): 10.231.X.0/24,
# X starting from the pid so that concurrent runs try different ones first.
nh_pick_net() {
    local k x net
    for ((k = 0; k < 32; k++)); do
        x=$(( (NH_RUN + k) % 250 + 1 ))
        net=10.231.$x
        ip -4 addr show | grep -q "inet $net\." && continue
        [[ -n "$(ip -4 route show table all to root "$net.0/24")" ]] && continue
        ip -4 route show table all to match "$net.0/24" | grep -qv '^default' && continue
        NH_NET=$net
        return 0
    done
    nh_log "no free 10.231.X.0/24 found"
    return 1
}

nh_create() { # number of hosts
    local n="$1" i ns hosts
    NH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hvd4j-netns.$NH_RUN.XXXXXX")
    nh_pick_net
    ip link add "$NH_BRIDGE" type bridge
    ip addr add "$NH_NET.1/24" dev "$NH_BRIDGE"
    ip link set "$NH_BRIDGE" up
    hosts=$(printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n')
    for ((i = 0; i < n; i++)); do
        NH_NS[i]="hvd4j-$NH_RUN-h$i"
        NH_ADDR[i]="$NH_NET.$((i + 2))"
        hosts+=$'\n'"${NH_ADDR[i]} ${NH_NS[i]}"
    done
    for ((i = 0; i < n; i++)); do
        ns=${NH_NS[i]}
        ip netns add "$ns"
        mkdir -p "/etc/netns/$ns"
        echo "$hosts" > "/etc/netns/$ns/hosts"
        ip -n "$ns" link set lo up
        ip link add "hvd4j${NH_RUN}v$i" type veth peer name eth0 netns "$ns"
        ip link set "hvd4j${NH_RUN}v$i" master "$NH_BRIDGE" up
        ip -n "$ns" addr add "${NH_ADDR[i]}/24" dev eth0
        ip -n "$ns" link set eth0 up
    done
    # With br_netfilter loaded (bridge-nf-call-iptables=1), bridged packets pass iptables'
    # FORWARD chain, and the ranks reach the launcher's rendezvous through INPUT: accept this
    # bridge's traffic in both, tagged with the run's pid so that cleanup finds the rules.
    if command -v iptables > /dev/null && iptables -S > /dev/null 2>&1; then
        NH_FW=("FORWARD -i $NH_BRIDGE -o $NH_BRIDGE" "INPUT -i $NH_BRIDGE")
        for i in "${NH_FW[@]}"; do
            # shellcheck disable=SC2086
            iptables -I $i -m comment --comment "hvd4j-netns-$NH_RUN" -j ACCEPT
        done
    fi
    nh_log "$n hosts on $NH_NET.0/24 (bridge $NH_BRIDGE $NH_NET.1): ${NH_NS[*]} at ${NH_ADDR[*]}"
}

nh_start_sshd() {
    local i cfg hostkey="$NH_TMP/ssh_host_ed25519_key"
    NH_KEY="$NH_TMP/id_ed25519" NH_KNOWN="$NH_TMP/known_hosts"
    ssh-keygen -q -t ed25519 -N '' -C "hvd4j-netns host $NH_RUN" -f "$hostkey"
    ssh-keygen -q -t ed25519 -N '' -C "hvd4j-netns client $NH_RUN" -f "$NH_KEY"
    cp "$NH_KEY.pub" "$NH_TMP/authorized_keys"
    : > "$NH_KNOWN"
    mkdir -p /run/sshd    # sshd's privilege-separation directory
    for i in "${!NH_NS[@]}"; do
        cfg="$NH_TMP/sshd_config.h$i"
        cat > "$cfg" << EOF
ListenAddress ${NH_ADDR[i]}
Port 22
HostKey $hostkey
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
AuthorizedKeysFile $NH_TMP/authorized_keys
PidFile $NH_TMP/sshd.h$i.pid
UsePAM no
PrintMotd no
X11Forwarding no
EOF
        echo "${NH_ADDR[i]} $(cut -d' ' -f1,2 "$hostkey.pub")" >> "$NH_KNOWN"
        # own hostname (UTS namespace) and own /dev/shm (the mount namespace of ip netns exec)
        # shellcheck disable=SC2016  # $1..$3 are the inner shell's
        ip netns exec "${NH_NS[i]}" unshare --uts sh -c \
            'hostname "$1" && mount -t tmpfs -o mode=1777 tmpfs /dev/shm && exec /usr/sbin/sshd -f "$2" -E "$3"' \
            sh "${NH_NS[i]}" "$cfg" "$NH_TMP/sshd.h$i.log"
    done
    NH_SSH=(ssh -i "$NH_KEY" -o BatchMode=yes -o ConnectTimeout=5 -o "UserKnownHostsFile=$NH_KNOWN"
        -o StrictHostKeyChecking=yes -o LogLevel=ERROR)
    for i in "${!NH_NS[@]}"; do
        local t
        for ((t = 0; ; t++)); do
            "${NH_SSH[@]}" "root@${NH_ADDR[i]}" true 2> /dev/null && break
            if ((t == 50)); then
                nh_log "sshd on ${NH_ADDR[i]} does not accept the key after 10 s; its log:"
                cat "$NH_TMP/sshd.h$i.log" >&2
                return 1
            fi
            sleep 0.2
        done
    done
    nh_log "sshd up on ${NH_ADDR[*]} (key $NH_KEY, known hosts $NH_KNOWN)"
}

nh_ssh() { # host index, command (one string, run by the remote shell)
    local i="$1"; shift
    "${NH_SSH[@]}" "root@${NH_ADDR[i]}" "$@"
}

nh_rate_bits() { # tc rate (1gbit, 500mbit, 100kbit, 2.5gbit) -> bits per second
    awk -v r="$1" 'BEGIN {
        if (!match(r, /^[0-9.]+/)) exit 1
        v = substr(r, 1, RLENGTH); u = tolower(substr(r, RLENGTH + 1))
        m = (u == "bit" || u == "") ? 1 : (u == "kbit") ? 1e3 : (u == "mbit") ? 1e6 : (u == "gbit") ? 1e9 : -1
        if (m < 0) exit 1
        printf "%.0f\n", v * m }'
}

# tbf on both ends of every veth (the namespace's eth0: host -> bridge; the bridge port: bridge ->
# host), so each host's link carries RATE each way, like a full-duplex NIC. burst is 1 ms at the
# rate (at least 128 KiB, so that 64 KiB GSO packets pass whole and the token timer is not the
# bottleneck); latency 10 ms bounds the queue (rate x 10 ms + burst).
nh_shape() { # rate
    local rate="$1" bits burst i
    bits=$(nh_rate_bits "$rate") || { nh_log "bad rate '$rate' (use e.g. 1gbit, 500mbit)"; return 1; }
    burst=$(( bits / 8 / 1000 ))
    ((burst >= 131072)) || burst=131072
    for i in "${!NH_NS[@]}"; do
        tc qdisc replace dev "hvd4j${NH_RUN}v$i" root tbf rate "$rate" burst "$burst" latency 10ms
        ip netns exec "${NH_NS[i]}" tc qdisc replace dev eth0 root tbf rate "$rate" burst "$burst" latency 10ms
    done
    nh_log "tbf rate $rate burst $burst latency 10ms on both ends of every host's link"
}
