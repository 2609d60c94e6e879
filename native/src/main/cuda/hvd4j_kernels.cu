// Unity translation unit: all hvd4j kernels in one PTX module (scripts/build-ptx.sh compiles this file
// into src/main/resources/org/hvd4j/cuda/hvd4j_kernels.ptx). Each included file also compiles alone.
#include "elementwise.cu"
#include "activation.cu"
#include "softmax.cu"
#include "reduce.cu"
#include "conv.cu"
#include "pool.cu"
#include "norm.cu"
#include "random.cu"
#include "index.cu"
#include "optim.cu"
#include "cast.cu"
#include "fusion.cu"
