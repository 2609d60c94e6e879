/*
 * A fake NCCL (libnccl.so.2) for one process: a communicator of one rank copies, one of several
 * ranks never finishes joining (its peers do not exist), which is what the init timeout is tested
 * with. It checks the ncclConfig_t that hvd4j fills (NCCL_CONFIG_INITIALIZER with blocking = 0),
 * the unique id's bytes, and that collectives reach it with the right types and counts.
 *
 * Environment: FAKENCCL_VERSION (default 22903), FAKENCCL_INIT_POLLS (ncclInProgress answers of a
 * joining communicator, default 3), FAKENCCL_OP_POLLS (ncclInProgress answers after each collective,
 * default 0), FAKENCCL_ASYNC_ERROR_AFTER (collectives after which the communicator reports
 * ncclRemoteError, default never), FAKENCCL_LOG (a file the fake appends a line to per lifecycle call).
 */
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int ncclResult_t;
#define ncclSuccess 0
#define ncclInvalidArgument 4
#define ncclInvalidUsage 5
#define ncclRemoteError 6
#define ncclInProgress 7

typedef struct { char internal[128]; } ncclUniqueId;

/* NCCL 2.29's ncclConfig_t, the layout of the preset's header */
typedef struct {
    size_t size;
    unsigned int magic;
    unsigned int version;
    int blocking;
    int cgaClusterSize;
    int minCTAs;
    int maxCTAs;
    const char* netName;
    int splitShare;
    int trafficClass;
    const char* commName;
    int collnetEnable;
    int CTAPolicy;
    int shrinkShare;
    int nvlsCTAs;
    int nChannelsPerNetPeer;
    int nvlinkCentricSched;
    int graphUsageMode;
    int numRmaCtx;
} ncclConfig_t;

#define MAGIC_COMM 0x4e43434c

typedef struct {
    int magic;
    int nranks;
    int rank;
    int state;      /* ncclSuccess, ncclInProgress or an error */
    int polls_left; /* while state == ncclInProgress and the join can finish */
    int ops;
} Comm;

extern int fakecuda_context_current(void);
extern int fakecuda_device_range(uintptr_t p, size_t n);

static int env_int(const char* name, int dflt) {
    const char* v = getenv(name);
    return v && *v ? atoi(v) : dflt;
}

static void logf_(const char* fmt, ...) {
    const char* path = getenv("FAKENCCL_LOG");
    if (!path || !*path) {
        return;
    }
    FILE* f = fopen(path, "a");
    if (!f) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fclose(f);
}

static char last_error[256] = "";

ncclResult_t ncclGetVersion(int* v) {
    *v = env_int("FAKENCCL_VERSION", 22903);
    return ncclSuccess;
}

const char* ncclGetErrorString(ncclResult_t r) {
    switch (r) {
        case 0: return "no error";
        case 4: return "invalid argument";
        case 5: return "invalid usage";
        case 6: return "remote process exited or there was a network error";
        case 7: return "NCCL operation in progress";
        default: return "unknown result code";
    }
}

const char* ncclGetLastError(void* comm) {
    (void) comm;
    return last_error;
}

ncclResult_t ncclGetUniqueId(ncclUniqueId* id) {
    static int counter;
    memset(id->internal, 0, sizeof id->internal);
    snprintf(id->internal, sizeof id->internal, "FAKENCCL-%d", ++counter);
    for (int i = 64; i < 128; i++) {
        id->internal[i] = (char) (i * 7); /* bytes past the text, some negative in Java */
    }
    return ncclSuccess;
}

static int valid_id(const ncclUniqueId* id) {
    if (strncmp(id->internal, "FAKENCCL-", 9) != 0) {
        return 0;
    }
    for (int i = 64; i < 128; i++) {
        if (id->internal[i] != (char) (i * 7)) {
            return 0;
        }
    }
    return 1;
}

ncclResult_t ncclCommInitRankConfig(Comm** comm, int nranks, ncclUniqueId id, int rank, ncclConfig_t* c) {
    *comm = NULL;
    if (!fakecuda_context_current()) {
        snprintf(last_error, sizeof last_error, "no current CUDA context");
        return 1; /* ncclUnhandledCudaError */
    }
    /* a preset built with an older nccl.h has fewer fields (the CUDA 12.9 one ends at nvlsCTAs) */
    size_t min_size = offsetof(ncclConfig_t, nvlsCTAs) + sizeof(int);
    if (!c || c->magic != 0xcafebeefu || c->version < 21400u || c->version >= 30000u || c->size < min_size
            || c->size > sizeof(ncclConfig_t) || (c->size != sizeof(ncclConfig_t) && c->size != min_size)) {
        snprintf(last_error, sizeof last_error, "bad config: magic %x version %u size %zu (want %zu or %zu)",
                 c ? c->magic : 0, c ? c->version : 0, c ? c->size : 0, min_size, sizeof(ncclConfig_t));
        return ncclInvalidArgument;
    }
    size_t offsets[] = {offsetof(ncclConfig_t, cgaClusterSize), offsetof(ncclConfig_t, minCTAs),
                        offsetof(ncclConfig_t, maxCTAs), offsetof(ncclConfig_t, splitShare),
                        offsetof(ncclConfig_t, trafficClass), offsetof(ncclConfig_t, collnetEnable),
                        offsetof(ncclConfig_t, CTAPolicy), offsetof(ncclConfig_t, shrinkShare),
                        offsetof(ncclConfig_t, nvlsCTAs), offsetof(ncclConfig_t, nChannelsPerNetPeer),
                        offsetof(ncclConfig_t, nvlinkCentricSched), offsetof(ncclConfig_t, graphUsageMode),
                        offsetof(ncclConfig_t, numRmaCtx)};
    for (unsigned i = 0; i < sizeof offsets / sizeof *offsets; i++) {
        int v;
        if (offsets[i] + sizeof v > c->size) {
            break; /* not in this header's struct */
        }
        memcpy(&v, (const char*) c + offsets[i], sizeof v);
        if (v != INT_MIN) {
            snprintf(last_error, sizeof last_error, "config int field at offset %zu is %d, not NCCL_CONFIG_UNDEF_INT",
                     offsets[i], v);
            return ncclInvalidArgument;
        }
    }
    if (c->blocking != 0 || c->netName != NULL || c->commName != NULL) {
        snprintf(last_error, sizeof last_error, "config blocking=%d netName=%p commName=%p", c->blocking,
                 (void*) c->netName, (void*) c->commName);
        return ncclInvalidArgument;
    }
    if (!valid_id(&id) || nranks < 1 || rank < 0 || rank >= nranks) {
        snprintf(last_error, sizeof last_error, "bad unique id or rank %d of %d", rank, nranks);
        return ncclInvalidArgument;
    }
    Comm* x = calloc(1, sizeof *x);
    x->magic = MAGIC_COMM;
    x->nranks = nranks;
    x->rank = rank;
    x->state = ncclInProgress;
    x->polls_left = nranks == 1 ? env_int("FAKENCCL_INIT_POLLS", 3) : INT_MAX; /* peers never come */
    *comm = x;
    logf_("init rank=%d nranks=%d", rank, nranks);
    return ncclInProgress;
}

ncclResult_t ncclCommInitRank(Comm** comm, int nranks, ncclUniqueId id, int rank) {
    (void) comm; (void) nranks; (void) id; (void) rank;
    snprintf(last_error, sizeof last_error, "the fake only supports ncclCommInitRankConfig");
    return ncclInvalidUsage;
}

ncclResult_t ncclCommGetAsyncError(Comm* c, ncclResult_t* state) {
    if (!c || c->magic != MAGIC_COMM) {
        return ncclInvalidArgument;
    }
    if (c->state == ncclInProgress && c->polls_left != INT_MAX && --c->polls_left <= 0) {
        c->state = ncclSuccess;
    }
    *state = c->state;
    return ncclSuccess;
}

static ncclResult_t op(Comm* c, const char* name, const void* send, void* recv, size_t bytes_in, size_t bytes_out,
                       int type, int redop) {
    if (!c || c->magic != MAGIC_COMM) {
        return ncclInvalidArgument;
    }
    if (c->state != ncclSuccess) {
        snprintf(last_error, sizeof last_error, "%s on a communicator in state %d", name, c->state);
        return ncclInvalidUsage;
    }
    if (!fakecuda_context_current()) {
        return 1;
    }
    if (type < 0 || type > 9 || redop < -1 || redop > 4) {
        return ncclInvalidArgument;
    }
    if (c->nranks != 1) {
        return ncclInvalidUsage;
    }
    if (!fakecuda_device_range((uintptr_t) send, bytes_in) || !fakecuda_device_range((uintptr_t) recv, bytes_out)) {
        snprintf(last_error, sizeof last_error, "%s: buffer outside a device allocation", name);
        return ncclInvalidArgument;
    }
    if (send != recv) {
        memcpy(recv, send, bytes_out);
    }
    c->ops++;
    logf_("%s bytes=%zu type=%d op=%d", name, bytes_out, type, redop);
    int fail_after = env_int("FAKENCCL_ASYNC_ERROR_AFTER", 0);
    if (fail_after > 0 && c->ops >= fail_after) {
        c->state = ncclRemoteError;
        snprintf(last_error, sizeof last_error, "fake peer died after %d collectives", c->ops);
        return ncclSuccess; /* enqueued; the failure shows asynchronously */
    }
    int polls = env_int("FAKENCCL_OP_POLLS", 0);
    if (polls > 0) {
        c->state = ncclInProgress;
        c->polls_left = polls;
        return ncclInProgress;
    }
    return ncclSuccess;
}

static size_t type_bytes(int t) {
    switch (t) {
        case 0: case 1: return 1;
        case 2: case 3: return 4;
        case 4: case 5: return 8;
        case 6: case 9: return 2;
        case 7: return 4;
        case 8: return 8;
        default: return 0;
    }
}

ncclResult_t ncclAllReduce(const void* s, void* r, size_t count, int type, int redop, Comm* c, void* stream) {
    if (!stream) {
        return ncclInvalidArgument; /* hvd4j passes its own stream */
    }
    return op(c, "allreduce", s, r, count * type_bytes(type), count * type_bytes(type), type, redop);
}

ncclResult_t ncclAllGather(const void* s, void* r, size_t count, int type, Comm* c, void* stream) {
    if (!stream) {
        return ncclInvalidArgument;
    }
    return op(c, "allgather", s, r, count * type_bytes(type), count * type_bytes(type) * (size_t) c->nranks, type, -1);
}

ncclResult_t ncclBroadcast(const void* s, void* r, size_t count, int type, int root, Comm* c, void* stream) {
    if (!stream || root != 0) {
        return ncclInvalidArgument;
    }
    return op(c, "broadcast", s, r, count * type_bytes(type), count * type_bytes(type), type, -1);
}

ncclResult_t ncclReduceScatter(const void* s, void* r, size_t count, int type, int redop, Comm* c, void* stream) {
    if (!stream) {
        return ncclInvalidArgument;
    }
    return op(c, "reducescatter", s, r, count * type_bytes(type) * (size_t) c->nranks, count * type_bytes(type),
              type, redop);
}

ncclResult_t ncclGroupStart(void) {
    return ncclSuccess;
}

ncclResult_t ncclGroupEnd(void) {
    return ncclSuccess;
}

ncclResult_t ncclCommFinalize(Comm* c) {
    if (!c || c->magic != MAGIC_COMM || c->state != ncclSuccess) {
        return ncclInvalidUsage;
    }
    c->state = ncclInProgress;
    c->polls_left = 2;
    logf_("finalize");
    return ncclInProgress;
}

ncclResult_t ncclCommDestroy(Comm* c) {
    if (!c || c->magic != MAGIC_COMM) {
        return ncclInvalidArgument;
    }
    logf_("destroy state=%d", c->state);
    c->magic = 0;
    free(c);
    return ncclSuccess;
}

ncclResult_t ncclCommAbort(Comm* c) {
    if (!c || c->magic != MAGIC_COMM) {
        return ncclInvalidArgument;
    }
    logf_("abort");
    c->magic = 0;
    free(c);
    return ncclSuccess;
}
