/*
 * A fake cuBLAS (libcublas.so.N) over the fake driver's host-memory "device" buffers: naive
 * column-major GEMMs with cuBLAS's argument checks, so that hvd4j's binding is tested for what it
 * passes (operations, sizes, leading dimensions, strides, host-side alpha/beta, stream, data types).
 * In CUBLAS_TF32_TENSOR_OP_MATH mode the inputs are rounded to TF32 (10 mantissa bits) first, so a
 * test can see which math mode is set. Built with a version script naming the node libcublas.so.N,
 * as libjnicublas.so's symbol references require.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int cublasStatus_t;
#define ST_SUCCESS 0
#define ST_NOT_INITIALIZED 1
#define ST_INVALID_VALUE 7
#define ST_NOT_SUPPORTED 15

#define MAGIC_HANDLE 0x424c4153

typedef struct { int magic; void* stream; int pointer_mode; int math_mode; } Handle;

extern int fakecuda_context_current(void);
extern int fakecuda_device_range(uintptr_t p, size_t n);

cublasStatus_t cublasCreate_v2(Handle** h) {
    if (!fakecuda_context_current()) {
        return ST_NOT_INITIALIZED; /* the real one needs a current context / device too */
    }
    Handle* x = calloc(1, sizeof *x);
    x->magic = MAGIC_HANDLE;
    *h = x;
    return ST_SUCCESS;
}

cublasStatus_t cublasDestroy_v2(Handle* h) {
    if (!h || h->magic != MAGIC_HANDLE) {
        return ST_NOT_INITIALIZED;
    }
    h->magic = 0;
    free(h);
    return ST_SUCCESS;
}

cublasStatus_t cublasSetStream_v2(Handle* h, void* s) {
    if (!h || h->magic != MAGIC_HANDLE) {
        return ST_NOT_INITIALIZED;
    }
    h->stream = s;
    return ST_SUCCESS;
}

cublasStatus_t cublasSetPointerMode_v2(Handle* h, int mode) {
    if (!h || h->magic != MAGIC_HANDLE) {
        return ST_NOT_INITIALIZED;
    }
    if (mode != 0 && mode != 1) {
        return ST_INVALID_VALUE;
    }
    h->pointer_mode = mode;
    return ST_SUCCESS;
}

cublasStatus_t cublasSetMathMode(Handle* h, int mode) {
    if (!h || h->magic != MAGIC_HANDLE) {
        return ST_NOT_INITIALIZED;
    }
    if (mode != 0 && mode != 1 && mode != 2 && mode != 3) {
        return ST_INVALID_VALUE;
    }
    h->math_mode = mode;
    return ST_SUCCESS;
}

const char* cublasGetStatusName(cublasStatus_t s) {
    switch (s) {
        case 0: return "CUBLAS_STATUS_SUCCESS";
        case 1: return "CUBLAS_STATUS_NOT_INITIALIZED";
        case 7: return "CUBLAS_STATUS_INVALID_VALUE";
        case 15: return "CUBLAS_STATUS_NOT_SUPPORTED";
        default: return "CUBLAS_STATUS_UNKNOWN";
    }
}

const char* cublasGetStatusString(cublasStatus_t s) {
    return s == 0 ? "success" : "fake cuBLAS error string";
}

static float tf32(float x) {
    uint32_t b;
    memcpy(&b, &x, 4);
    b = (b + 0x1000u) & ~0x1fffu; /* round to 10 mantissa bits (ties away; enough for the test) */
    memcpy(&x, &b, 4);
    return x;
}

static float bf16_to_f32(uint16_t h) {
    uint32_t b = (uint32_t) h << 16;
    float f;
    memcpy(&f, &b, 4);
    return f;
}

static float f16_to_f32(uint16_t h) {
    int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
    float v = e == 0 ? ldexpf((float) m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexpf((float) (m | 1024), e - 25);
    return s ? -v : v;
}

typedef float (*Load)(const void* base, long index, int mode);

static float load_f32(const void* base, long i, int mode) {
    float x = ((const float*) base)[i];
    return mode == 3 ? tf32(x) : x;
}

static float load_bf16(const void* base, long i, int mode) {
    (void) mode;
    return bf16_to_f32(((const uint16_t*) base)[i]);
}

static float load_f16(const void* base, long i, int mode) {
    (void) mode;
    return f16_to_f32(((const uint16_t*) base)[i]);
}

/* bytes spanned by a column-major matrix of rows x cols with leading dimension ld */
static size_t span(int rows, int cols, int ld, size_t elem) {
    return rows == 0 || cols == 0 ? 0 : ((size_t) (cols - 1) * (size_t) ld + (size_t) rows) * elem;
}

static cublasStatus_t gemm(Handle* h, int ta, int tb, int m, int n, int k, const float* alpha, const void* A,
                           Load la, size_t ea, int lda, long long sa, const void* B, Load lb, size_t eb, int ldb,
                           long long sb, const float* beta, float* C, int ldc, long long sc, int batch) {
    if (!h || h->magic != MAGIC_HANDLE) {
        return ST_NOT_INITIALIZED;
    }
    if ((ta != 0 && ta != 1) || (tb != 0 && tb != 1) || m < 0 || n < 0 || k < 0 || batch < 0) {
        return ST_INVALID_VALUE;
    }
    int arows = ta ? k : m, acols = ta ? m : k;
    int brows = tb ? n : k, bcols = tb ? k : n;
    if (lda < (arows > 1 ? arows : 1) || ldb < (brows > 1 ? brows : 1) || ldc < (m > 1 ? m : 1)) {
        return ST_INVALID_VALUE;
    }
    if (h->pointer_mode != 0 || !alpha || !beta) {
        return ST_INVALID_VALUE; /* hvd4j passes host scalars */
    }
    if (h->stream == NULL) {
        return ST_INVALID_VALUE; /* hvd4j always sets its stream */
    }
    float al = *alpha, be = *beta;
    for (int p = 0; p < batch; p++) {
        const char* a = (const char*) A + (size_t) (p * sa) * ea;
        const char* b = (const char*) B + (size_t) (p * sb) * eb;
        float* c = C + p * sc;
        if ((k > 0 && m > 0 && !fakecuda_device_range((uintptr_t) a, span(arows, acols, lda, ea)))
                || (k > 0 && n > 0 && !fakecuda_device_range((uintptr_t) b, span(brows, bcols, ldb, eb)))
                || (m > 0 && n > 0 && !fakecuda_device_range((uintptr_t) c, span(m, n, ldc, 4)))) {
            return 13; /* CUBLAS_STATUS_EXECUTION_FAILED: the kernel would fault */
        }
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                double acc = 0;
                for (int l = 0; l < k; l++) {
                    float x = la(a, ta ? (long) i * lda + l : (long) l * lda + i, h->math_mode);
                    float y = lb(b, tb ? (long) l * ldb + j : (long) j * ldb + l, h->math_mode);
                    acc += (double) x * y;
                }
                float* out = &c[(long) j * ldc + i];
                *out = be == 0.0f ? (float) (al * acc) : (float) (al * acc + be * *out);
            }
        }
    }
    return ST_SUCCESS;
}

cublasStatus_t cublasSgemm_v2(Handle* h, int ta, int tb, int m, int n, int k, const float* alpha, const float* A,
                              int lda, const float* B, int ldb, const float* beta, float* C, int ldc) {
    return gemm(h, ta, tb, m, n, k, alpha, A, load_f32, 4, lda, 0, B, load_f32, 4, ldb, 0, beta, C, ldc, 0, 1);
}

cublasStatus_t cublasSgemmStridedBatched(Handle* h, int ta, int tb, int m, int n, int k, const float* alpha,
                                         const float* A, int lda, long long sa, const float* B, int ldb,
                                         long long sb, const float* beta, float* C, int ldc, long long sc,
                                         int batch) {
    return gemm(h, ta, tb, m, n, k, alpha, A, load_f32, 4, lda, sa, B, load_f32, 4, ldb, sb, beta, C, ldc, sc, batch);
}

cublasStatus_t cublasGemmEx(Handle* h, int ta, int tb, int m, int n, int k, const void* alpha, const void* A,
                            int atype, int lda, const void* B, int btype, int ldb, const void* beta, void* C,
                            int ctype, int ldc, int compute, int algo) {
    if (atype != btype || (atype != 14 && atype != 2) || ctype != 0 || compute != 68 || algo != -1) {
        return ST_NOT_SUPPORTED; /* only what hvd4j asks for: BF16/F16 in, F32 out, COMPUTE_32F, default algo */
    }
    Load l = atype == 14 ? load_bf16 : load_f16;
    return gemm(h, ta, tb, m, n, k, alpha, A, l, 2, lda, 0, B, l, 2, ldb, 0, beta, C, ldc, 0, 1);
}
