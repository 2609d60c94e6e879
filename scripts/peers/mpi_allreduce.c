/*
 * The Open MPI side of scripts/compare-allreduce.sh: MPI_Allreduce (float, MPI_SUM, out of place,
 * malloc'd buffers) over the same sizes as hvd4j's allreduce-bench, printed in the same columns.
 * Time per call = mean over ITERS calls after WARMUP, the slowest rank's.
 *
 *   mpicc -O2 mpi_allreduce.c -o mpi_allreduce && mpirun -np 2 ./mpi_allreduce 4096 67108864 20
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    long lo = argc > 1 ? atol(argv[1]) : 4096, hi = argc > 2 ? atol(argv[2]) : 64L << 20;
    int iters = argc > 3 ? atoi(argv[3]) : 20, warmup = 5;
    if (rank == 0) {
        printf("# mpi: %d ranks, MPI_Allreduce float sum, %d warm-up + %d timed calls per size\n", size, warmup, iters);
    }
    for (long bytes = lo; bytes <= hi; bytes *= 4) {
        long n = bytes / 4;
        float *a = malloc(bytes), *b = malloc(bytes);
        for (long i = 0; i < n; i++) a[i] = (float) (rank + 1);
        for (int i = 0; i < warmup; i++) MPI_Allreduce(a, b, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        for (int i = 0; i < iters; i++) MPI_Allreduce(a, b, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        double t = (MPI_Wtime() - t0) / iters, tmax;
        MPI_Allreduce(&t, &tmax, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        long wrong = 0;
        for (long i = 0; i < n; i++) wrong += b[i] != size * (size + 1) / 2.0f;
        if (rank == 0) {
            double algbw = bytes / tmax / 1e9;
            printf("  %9ld %12ld %6s %6s %10.1f %8.2f %8.2f %7ld\n", bytes, n, "mpi", "sum", tmax * 1e6, algbw,
                   algbw * 2.0 * (size - 1) / size, wrong);
        }
        free(a);
        free(b);
    }
    MPI_Finalize();
    return 0;
}
