package org.hvd4j.allreduce.runtime;

/** What a request asks for, and what a response tells every rank to do. */
public enum OpKind {
    ALLREDUCE, ALLGATHER, BROADCAST, REDUCESCATTER, ALLTOALL, BARRIER, JOIN,
    /** Every rank maps a new buffer that the others read where it lies (shape {@code [bytes]}). */
    SHARE,
    /** Response only: the named tensors failed negotiation; every rank raises {@code error}. */
    ERROR,
    /** Response only: a rank called shutdown; every rank stops after the responses before it. */
    SHUTDOWN,
    /** Response only: the job cannot go on (a rank died, a stall exceeded the shutdown time). */
    ABORT;

    /** Lower-case name for messages ("allreduce"). */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
