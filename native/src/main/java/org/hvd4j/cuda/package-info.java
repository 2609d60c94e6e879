/**
 * CUDA binding: kernel sources, their PTX build and the thin layer over the CUDA driver, cuBLAS and NCCL (the CUDA issue fills it; empty on purpose until then).
 */
package org.hvd4j.cuda;
