/*
 * A fake NVIDIA driver (libcuda.so.1) for testing hvd4j's JavaCPP binding on machines without a GPU.
 *
 * "Device memory" is host memory, streams run every operation at once, and kernels are C loops for
 * the few kernels the tests launch. What it checks is what the binding must get right: handles it
 * made, a current context on the calling thread, copies inside allocations, JIT options and the
 * launch parameter array. Only the symbols that libjnicudart.so calls in the tests are defined (the
 * JVM loads libraries lazily; an undefined call would abort the test JVM, which the tests then see).
 *
 * Environment: FAKECUDA_DEVICES (default 1), FAKECUDA_DRIVER_VERSION (default 13000),
 * FAKECUDA_INIT_ERROR (cuInit's result), FAKECUDA_JIT_ERROR=1 (cuModuleLoadDataEx fails with a JIT
 * log), FAKECUDA_EVENT_POLLS (cuEventQuery answers CUDA_ERROR_NOT_READY that many times per record),
 * FAKECUDA_TOTAL_MEM (bytes, default 1 GiB), FAKECUDA_LOG (a file the fake appends a line to per
 * lifecycle call).
 *
 * Self-contained (no cuda.h): the types are the ABI's, the names those cuda.h maps the API to.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;

#define CUDA_SUCCESS 0
#define CUDA_ERROR_INVALID_VALUE 1
#define CUDA_ERROR_OUT_OF_MEMORY 2
#define CUDA_ERROR_NOT_INITIALIZED 3
#define CUDA_ERROR_NO_DEVICE 100
#define CUDA_ERROR_INVALID_DEVICE 101
#define CUDA_ERROR_INVALID_CONTEXT 201
#define CUDA_ERROR_INVALID_PTX 218
#define CUDA_ERROR_INVALID_HANDLE 400
#define CUDA_ERROR_NOT_FOUND 500
#define CUDA_ERROR_NOT_READY 600

#define MAGIC_CTX 0x43545831
#define MAGIC_STREAM 0x53545231
#define MAGIC_EVENT 0x45564e31
#define MAGIC_MODULE 0x4d4f4431
#define MAGIC_FUNC 0x46554e31

typedef struct { int magic; int device; int retained; } Ctx;
typedef struct { int magic; unsigned flags; } Stream;
typedef struct { int magic; unsigned flags; int pending; } Event;
typedef struct { int magic; char* ptx; } Module;
typedef struct { int magic; char name[128]; } Func;

typedef struct { uintptr_t base; size_t size; } Alloc;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int initialised;
static Ctx contexts[8];
static __thread Ctx* current;
static Alloc device_allocs[65536];
static int n_device_allocs;
static size_t device_bytes;
static void* host_allocs[4096];
static int n_host_allocs;
static int live_streams, live_events, live_modules;

static int env_int(const char* name, int dflt) {
    const char* v = getenv(name);
    return v && *v ? atoi(v) : dflt;
}

static size_t total_mem(void) {
    const char* v = getenv("FAKECUDA_TOTAL_MEM");
    return v && *v ? (size_t) strtoull(v, NULL, 10) : (size_t) 1 << 30;
}

static void logf_(const char* fmt, ...) {
    const char* path = getenv("FAKECUDA_LOG");
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

/* Exported for the fake cuBLAS and NCCL: whether a context is current on this thread. */
int fakecuda_context_current(void) {
    return current != NULL && current->magic == MAGIC_CTX && current->retained > 0;
}

/* Whether [p, p+n) lies inside one device allocation (exported for the fake cuBLAS and NCCL). */
int fakecuda_device_range(uintptr_t p, size_t n) {
    int ok = 0;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < n_device_allocs; i++) {
        if (p >= device_allocs[i].base && p + n <= device_allocs[i].base + device_allocs[i].size) {
            ok = 1;
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    return ok;
}

#define NEED_CONTEXT() do { if (!fakecuda_context_current()) return CUDA_ERROR_INVALID_CONTEXT; } while (0)

/* ---- errors ------------------------------------------------------------------------------------ */

static const char* error_name(CUresult e) {
    switch (e) {
        case 0: return "CUDA_SUCCESS";
        case 1: return "CUDA_ERROR_INVALID_VALUE";
        case 2: return "CUDA_ERROR_OUT_OF_MEMORY";
        case 3: return "CUDA_ERROR_NOT_INITIALIZED";
        case 100: return "CUDA_ERROR_NO_DEVICE";
        case 101: return "CUDA_ERROR_INVALID_DEVICE";
        case 201: return "CUDA_ERROR_INVALID_CONTEXT";
        case 218: return "CUDA_ERROR_INVALID_PTX";
        case 400: return "CUDA_ERROR_INVALID_HANDLE";
        case 500: return "CUDA_ERROR_NOT_FOUND";
        case 600: return "CUDA_ERROR_NOT_READY";
        case 700: return "CUDA_ERROR_ILLEGAL_ADDRESS";
        case 999: return "CUDA_ERROR_UNKNOWN";
        default: return NULL;
    }
}

CUresult cuGetErrorName(CUresult e, const char** s) {
    const char* n = error_name(e);
    if (!s) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *s = n;
    return n ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

CUresult cuGetErrorString(CUresult e, const char** s) {
    const char* n = error_name(e);
    if (!s) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *s = n ? "fake driver error string" : NULL;
    return n ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

/* ---- init and devices ---------------------------------------------------------------------------- */

CUresult cuInit(unsigned flags) {
    int err = env_int("FAKECUDA_INIT_ERROR", 0);
    if (flags != 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (err) {
        return err;
    }
    if (env_int("FAKECUDA_DEVICES", 1) == 0) {
        return CUDA_ERROR_NO_DEVICE; /* what the real driver answers without a GPU */
    }
    initialised = 1;
    return CUDA_SUCCESS;
}

CUresult cuDriverGetVersion(int* v) {
    if (!v) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *v = env_int("FAKECUDA_DRIVER_VERSION", 13000);
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetCount(int* n) {
    if (!initialised) {
        return CUDA_ERROR_NOT_INITIALIZED;
    }
    *n = env_int("FAKECUDA_DEVICES", 1);
    return CUDA_SUCCESS;
}

CUresult cuDeviceGet(CUdevice* d, int ordinal) {
    if (!initialised) {
        return CUDA_ERROR_NOT_INITIALIZED;
    }
    if (ordinal < 0 || ordinal >= env_int("FAKECUDA_DEVICES", 1) || ordinal >= 8) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    *d = 100 + ordinal; /* not the ordinal: the binding must pass the CUdevice, not the ordinal */
    return CUDA_SUCCESS;
}

static int device_index(CUdevice d) {
    int i = d - 100;
    return i >= 0 && i < env_int("FAKECUDA_DEVICES", 1) && i < 8 ? i : -1;
}

CUresult cuDeviceGetName(char* name, int len, CUdevice d) {
    if (device_index(d) < 0) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    snprintf(name, (size_t) len, "Fake CUDA Device %d", device_index(d));
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetAttribute(int* v, int attribute, CUdevice d) {
    if (device_index(d) < 0) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    switch (attribute) {
        case 75: *v = 9; return CUDA_SUCCESS; /* compute capability major */
        case 76: *v = 0; return CUDA_SUCCESS; /* minor */
        default: return CUDA_ERROR_INVALID_VALUE;
    }
}

CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice d) {
    if (device_index(d) < 0) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    *bytes = total_mem();
    return CUDA_SUCCESS;
}

/* ---- contexts ------------------------------------------------------------------------------------ */

CUresult cuDevicePrimaryCtxRetain(Ctx** pctx, CUdevice d) {
    int i = device_index(d);
    if (i < 0) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    pthread_mutex_lock(&lock);
    contexts[i].magic = MAGIC_CTX;
    contexts[i].device = d;
    contexts[i].retained++;
    pthread_mutex_unlock(&lock);
    *pctx = &contexts[i];
    logf_("retain device=%d count=%d", i, contexts[i].retained);
    return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRelease_v2(CUdevice d) {
    int i = device_index(d);
    if (i < 0) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    pthread_mutex_lock(&lock);
    if (contexts[i].retained <= 0) {
        pthread_mutex_unlock(&lock);
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    int left = --contexts[i].retained;
    pthread_mutex_unlock(&lock);
    logf_("release device=%d count=%d device_allocs=%d host_allocs=%d streams=%d events=%d modules=%d", i, left,
          n_device_allocs, n_host_allocs, live_streams, live_events, live_modules);
    return CUDA_SUCCESS;
}

CUresult cuCtxSetCurrent(Ctx* ctx) {
    if (ctx && ctx->magic != MAGIC_CTX) {
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    current = ctx;
    return CUDA_SUCCESS;
}

/* ---- memory -------------------------------------------------------------------------------------- */

CUresult cuMemAlloc_v2(CUdeviceptr* p, size_t bytes) {
    NEED_CONTEXT();
    if (bytes == 0 || !p) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    pthread_mutex_lock(&lock);
    if (device_bytes + bytes > total_mem() || n_device_allocs == (int) (sizeof device_allocs / sizeof *device_allocs)) {
        pthread_mutex_unlock(&lock);
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    void* m = NULL;
    if (posix_memalign(&m, 256, bytes) != 0) {
        pthread_mutex_unlock(&lock);
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    memset(m, 0xA5, bytes); /* garbage, like fresh device memory */
    device_allocs[n_device_allocs].base = (uintptr_t) m;
    device_allocs[n_device_allocs].size = bytes;
    n_device_allocs++;
    device_bytes += bytes;
    pthread_mutex_unlock(&lock);
    *p = (CUdeviceptr) (uintptr_t) m;
    return CUDA_SUCCESS;
}

CUresult cuMemFree_v2(CUdeviceptr p) {
    NEED_CONTEXT();
    pthread_mutex_lock(&lock);
    for (int i = 0; i < n_device_allocs; i++) {
        if (device_allocs[i].base == (uintptr_t) p) {
            device_bytes -= device_allocs[i].size;
            free((void*) device_allocs[i].base);
            device_allocs[i] = device_allocs[--n_device_allocs];
            pthread_mutex_unlock(&lock);
            return CUDA_SUCCESS;
        }
    }
    pthread_mutex_unlock(&lock);
    return CUDA_ERROR_INVALID_VALUE;
}

CUresult cuMemGetInfo_v2(size_t* free_, size_t* total) {
    NEED_CONTEXT();
    pthread_mutex_lock(&lock);
    *total = total_mem();
    *free_ = total_mem() - device_bytes;
    pthread_mutex_unlock(&lock);
    return CUDA_SUCCESS;
}

CUresult cuMemHostAlloc(void** pp, size_t bytes, unsigned flags) {
    NEED_CONTEXT();
    if (!pp || bytes == 0 || (flags & ~0x7u)) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    void* m = NULL;
    if (posix_memalign(&m, 4096, bytes) != 0) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    pthread_mutex_lock(&lock);
    host_allocs[n_host_allocs++] = m;
    pthread_mutex_unlock(&lock);
    *pp = m;
    return CUDA_SUCCESS;
}

CUresult cuMemFreeHost(void* p) {
    NEED_CONTEXT();
    pthread_mutex_lock(&lock);
    for (int i = 0; i < n_host_allocs; i++) {
        if (host_allocs[i] == p) {
            host_allocs[i] = host_allocs[--n_host_allocs];
            pthread_mutex_unlock(&lock);
            free(p);
            return CUDA_SUCCESS;
        }
    }
    pthread_mutex_unlock(&lock);
    return CUDA_ERROR_INVALID_VALUE;
}

/* ---- streams and events -------------------------------------------------------------------------- */

static int valid_stream(Stream* s) {
    return s != NULL && s->magic == MAGIC_STREAM; /* hvd4j never uses the legacy default stream */
}

CUresult cuStreamCreate(Stream** ps, unsigned flags) {
    NEED_CONTEXT();
    if (flags != 1) { /* CU_STREAM_NON_BLOCKING is what hvd4j asks for */
        return CUDA_ERROR_INVALID_VALUE;
    }
    Stream* s = calloc(1, sizeof *s);
    s->magic = MAGIC_STREAM;
    s->flags = flags;
    __sync_fetch_and_add(&live_streams, 1);
    *ps = s;
    return CUDA_SUCCESS;
}

CUresult cuStreamSynchronize(Stream* s) {
    NEED_CONTEXT();
    return valid_stream(s) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

CUresult cuStreamDestroy_v2(Stream* s) {
    NEED_CONTEXT();
    if (!valid_stream(s)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    s->magic = 0;
    free(s);
    __sync_fetch_and_sub(&live_streams, 1);
    return CUDA_SUCCESS;
}

CUresult cuEventCreate(Event** pe, unsigned flags) {
    NEED_CONTEXT();
    if (flags != 2) { /* CU_EVENT_DISABLE_TIMING */
        return CUDA_ERROR_INVALID_VALUE;
    }
    Event* e = calloc(1, sizeof *e);
    e->magic = MAGIC_EVENT;
    e->flags = flags;
    __sync_fetch_and_add(&live_events, 1);
    *pe = e;
    return CUDA_SUCCESS;
}

CUresult cuEventRecord(Event* e, Stream* s) {
    NEED_CONTEXT();
    if (!e || e->magic != MAGIC_EVENT || !valid_stream(s)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    e->pending = env_int("FAKECUDA_EVENT_POLLS", 0);
    return CUDA_SUCCESS;
}

CUresult cuEventQuery(Event* e) {
    if (!e || e->magic != MAGIC_EVENT) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    if (e->pending > 0) {
        e->pending--;
        return CUDA_ERROR_NOT_READY;
    }
    return CUDA_SUCCESS;
}

CUresult cuEventSynchronize(Event* e) {
    NEED_CONTEXT();
    if (!e || e->magic != MAGIC_EVENT) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    e->pending = 0;
    return CUDA_SUCCESS;
}

CUresult cuStreamWaitEvent(Stream* s, Event* e, unsigned flags) {
    NEED_CONTEXT();
    if (!valid_stream(s) || !e || e->magic != MAGIC_EVENT || flags != 0) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    return CUDA_SUCCESS;
}

CUresult cuEventDestroy_v2(Event* e) {
    NEED_CONTEXT();
    if (!e || e->magic != MAGIC_EVENT) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    e->magic = 0;
    free(e);
    __sync_fetch_and_sub(&live_events, 1);
    return CUDA_SUCCESS;
}

/* ---- copies -------------------------------------------------------------------------------------- */

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void* src, size_t n, Stream* s) {
    NEED_CONTEXT();
    if (!valid_stream(s)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    if (!fakecuda_device_range((uintptr_t) dst, n) || !src) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    memcpy((void*) (uintptr_t) dst, src, n);
    return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoHAsync_v2(void* dst, CUdeviceptr src, size_t n, Stream* s) {
    NEED_CONTEXT();
    if (!valid_stream(s)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    if (!fakecuda_device_range((uintptr_t) src, n) || !dst) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    memcpy(dst, (void*) (uintptr_t) src, n);
    return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t n, Stream* s) {
    NEED_CONTEXT();
    if (!valid_stream(s)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    if (!fakecuda_device_range((uintptr_t) src, n) || !fakecuda_device_range((uintptr_t) dst, n)) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    memmove((void*) (uintptr_t) dst, (void*) (uintptr_t) src, n);
    return CUDA_SUCCESS;
}

CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char v, size_t n, Stream* s) {
    NEED_CONTEXT();
    if (!valid_stream(s)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    if (!fakecuda_device_range((uintptr_t) dst, n)) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    memset((void*) (uintptr_t) dst, v, n);
    return CUDA_SUCCESS;
}

/* ---- modules and launches ------------------------------------------------------------------------ */

CUresult cuModuleLoadDataEx(Module** pm, const void* image, unsigned n, int* options, void** values) {
    NEED_CONTEXT();
    char* err_buf = NULL;
    size_t err_size = 0;
    char* info_buf = NULL;
    size_t info_size = 0;
    for (unsigned i = 0; i < n; i++) {
        switch (options[i]) {
            case 5: err_buf = values[i]; break;                         /* CU_JIT_ERROR_LOG_BUFFER */
            case 6: err_size = (size_t) (uintptr_t) values[i]; break;   /* ..._SIZE_BYTES: the value itself */
            case 3: info_buf = values[i]; break;                        /* CU_JIT_INFO_LOG_BUFFER */
            case 4: info_size = (size_t) (uintptr_t) values[i]; break;
            default: return CUDA_ERROR_INVALID_VALUE;
        }
    }
    const char* ptx = image;
    if (!ptx || !strstr(ptx, ".version")) {
        return CUDA_ERROR_INVALID_PTX;
    }
    if (info_buf && info_size > 0) {
        snprintf(info_buf, info_size, "fake JIT: %zu bytes of PTX", strlen(ptx));
    }
    if (env_int("FAKECUDA_JIT_ERROR", 0)) {
        if (err_buf && err_size > 0) {
            snprintf(err_buf, err_size, "ptxas fatal   : fake JIT failure for the test (log buffer %zu bytes)",
                     err_size);
        }
        return CUDA_ERROR_INVALID_PTX;
    }
    Module* m = calloc(1, sizeof *m);
    m->magic = MAGIC_MODULE;
    m->ptx = strdup(ptx);
    __sync_fetch_and_add(&live_modules, 1);
    *pm = m;
    logf_("module-load bytes=%zu", strlen(ptx));
    return CUDA_SUCCESS;
}

CUresult cuModuleGetFunction(Func** pf, Module* m, const char* name) {
    NEED_CONTEXT();
    if (!m || m->magic != MAGIC_MODULE) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    char entry[160];
    snprintf(entry, sizeof entry, ".entry %s(", name);
    if (!strstr(m->ptx, entry)) {
        return CUDA_ERROR_NOT_FOUND;
    }
    Func* f = calloc(1, sizeof *f);
    f->magic = MAGIC_FUNC;
    snprintf(f->name, sizeof f->name, "%s", name);
    *pf = f;
    return CUDA_SUCCESS;
}

CUresult cuModuleUnload(Module* m) {
    NEED_CONTEXT();
    if (!m || m->magic != MAGIC_MODULE) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    m->magic = 0;
    free(m->ptx);
    free(m);
    __sync_fetch_and_sub(&live_modules, 1);
    return CUDA_SUCCESS;
}

/* parameter i of a launch, read as the kernel would */
#define PARAM(T, i) (*(T*) params[i])

CUresult cuLaunchKernel(Func* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared, Stream* s, void** params, void** extra) {
    NEED_CONTEXT();
    if (!f || f->magic != MAGIC_FUNC || !valid_stream(s)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    if (gx == 0 || gy == 0 || gz != 1 || bx == 0 || bx > 1024 || by != 1 || bz != 1 || shared != 0 || extra != NULL
            || params == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (strcmp(f->name, "hvd_scale_f32") == 0) { /* (const float* x, float s, float* out, int n) */
        const float* x = PARAM(const float*, 0);
        float k = PARAM(float, 1);
        float* out = PARAM(float*, 2);
        int n = PARAM(int, 3);
        if (n < 0 || !fakecuda_device_range((uintptr_t) x, (size_t) n * 4)
                || !fakecuda_device_range((uintptr_t) out, (size_t) n * 4)) {
            return 700; /* CUDA_ERROR_ILLEGAL_ADDRESS, as a real kernel would fault */
        }
        for (int i = 0; i < n; i++) {
            out[i] = x[i] * k;
        }
    } else if (strcmp(f->name, "hvd_fill_f32") == 0) { /* (float* out, float value, int n) */
        float* out = PARAM(float*, 0);
        float v = PARAM(float, 1);
        int n = PARAM(int, 2);
        if (n < 0 || !fakecuda_device_range((uintptr_t) out, (size_t) n * 4)) {
            return 700;
        }
        for (int i = 0; i < n; i++) {
            out[i] = v;
        }
    } else if (strcmp(f->name, "hvd_dropout_mask_f32") == 0) {
        /* (float* mask, unsigned long long seed, float p, int n): the fake writes its raw arguments so that a
           test sees each one arrive whole: mask[0..1] = seed's low and high words, mask[2] = p, mask[3] = n */
        unsigned int* mask = PARAM(unsigned int*, 0);
        unsigned long long seed = PARAM(unsigned long long, 1);
        float p = PARAM(float, 2);
        int n = PARAM(int, 3);
        if (n < 4 || !fakecuda_device_range((uintptr_t) mask, (size_t) n * 4)) {
            return 700;
        }
        mask[0] = (unsigned int) seed;
        mask[1] = (unsigned int) (seed >> 32);
        memcpy(&mask[2], &p, 4);
        mask[3] = (unsigned int) n;
    } else if (strcmp(f->name, "hvd_pack_f32") == 0 || strcmp(f->name, "hvd_unpack_f32") == 0) {
        /* pack (srcs, offsets, count, dst, scale): dst[offsets[t] + i] = srcs[t][i] * scale; unpack (src, dsts,
           offsets, count, scale): dsts[t][i] = src[offsets[t] + i] * scale; as fusion.cu, with every address checked */
        int pack = f->name[4] == 'p';
        const unsigned long long* addrs = PARAM(const unsigned long long*, pack ? 0 : 1);
        const long long* offsets = PARAM(const long long*, pack ? 1 : 2);
        int count = PARAM(int, pack ? 2 : 3);
        float* fused = PARAM(float*, pack ? 3 : 0);
        float k = PARAM(float, 4);
        if (count < 0 || !fakecuda_device_range((uintptr_t) addrs, (size_t) count * 8)
                || !fakecuda_device_range((uintptr_t) offsets, (size_t) (count + 1) * 8)) {
            return 700;
        }
        for (int t = 0; t < count; t++) {
            long long off = offsets[t];
            long long len = offsets[t + 1] - off;
            float* one = (float*) (uintptr_t) addrs[t];
            if (off < 0 || len < 0 || (len > 0 && (!fakecuda_device_range((uintptr_t) one, (size_t) len * 4)
                    || !fakecuda_device_range((uintptr_t) (fused + off), (size_t) len * 4)))) {
                return 700;
            }
            for (long long i = 0; i < len; i++) {
                if (pack) {
                    fused[off + i] = one[i] * k;
                } else {
                    one[i] = fused[off + i] * k;
                }
            }
        }
    } else {
        return CUDA_ERROR_NOT_FOUND;
    }
    return CUDA_SUCCESS;
}
