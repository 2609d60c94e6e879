# Sourced by the benchmark scripts: launch_local N COMMAND... starts N copies of COMMAND on this
# host with torchrun's variables (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR,
# MASTER_PORT), so that hvd4j's rank 0 hosts the rendezvous itself and no launcher is needed.
# Rank 0's output goes to stdout, the others' to $LAUNCH_LOGS/rankN.log; waits for all of them
# and fails if any failed.
LAUNCH_PORT=${LAUNCH_PORT:-$(( 29600 + RANDOM % 1000 ))}
# one secret for every job started from this shell, passed in the environment only
export HVD4J_SECRET="${HVD4J_SECRET:-$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')}"
LAUNCH_LOGS=${LAUNCH_LOGS:-$(mktemp -d)}

launch_local() {
    local n="$1"; shift
    local pids=() r status=0
    for ((r = 1; r < n; r++)); do
        RANK=$r WORLD_SIZE=$n LOCAL_RANK=$r LOCAL_WORLD_SIZE=$n MASTER_ADDR=127.0.0.1 MASTER_PORT=$LAUNCH_PORT \
            "$@" > "$LAUNCH_LOGS/rank$r.log" 2>&1 &
        pids+=($!)
    done
    RANK=0 WORLD_SIZE=$n LOCAL_RANK=0 LOCAL_WORLD_SIZE=$n MASTER_ADDR=127.0.0.1 MASTER_PORT=$LAUNCH_PORT "$@" || status=$?
    for r in "${pids[@]}"; do wait "$r" || status=$?; done
    LAUNCH_PORT=$(( LAUNCH_PORT + 1 ))
    return $status
}
