package org.hvd4j.tensor;

/** Elementwise binary operations of {@link Backend#binary}. */
public enum BinaryOp { ADD, SUB, MUL, DIV }
