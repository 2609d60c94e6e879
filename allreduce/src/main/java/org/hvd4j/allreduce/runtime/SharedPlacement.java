package org.hvd4j.allreduce.runtime;

import java.nio.ByteBuffer;
import java.util.List;
import org.hvd4j.allreduce.comm.Pieces;
import org.hvd4j.allreduce.comm.SharedBuffer;
import org.hvd4j.tensor.Tensor;

/**
 * Tensors of a caller that may move, once, into a buffer the other ranks read where it lies
 * ({@link org.hvd4j.allreduce.comm.Communicator#share}), so that {@link InlineExchange} reduces
 * them there instead of copying them through the transport's slots and back (PyTorch DDP's
 * {@code gradient_as_bucket_view}). The distributed optimizer keeps one for its gradients; the
 * exchange decides with every rank alike when to move them.
 */
public final class SharedPlacement {
    /** Moves the tensors of an exchange into a shared region. */
    public interface Mover {
        /**
         * Places the exchange's tensors, in its order and packed from byte 0, in {@code region},
         * keeping their values, and makes them live there from now on (for gradients: {@link
         * Tensor#setGradBuffer}). Returns the tensors that now hold them, in that order.
         */
        List<Tensor> moveInto(ByteBuffer region);
    }

    private final Mover mover;
    private SharedBuffer buffer;
    private List<Tensor> placed;
    private boolean unavailable;
    private long ownedHash;
    private int[][] owned;

    public SharedPlacement(Mover mover) {
        this.mover = mover;
    }

    /** Whether the tensors live in a shared buffer (they moved there). */
    public boolean placed() {
        return placed != null;
    }

    boolean movable() {
        return placed == null && !unavailable;
    }

    /** Whether {@code payloads} are exactly the placed tensors, in order. */
    boolean holds(List<Payload> payloads) {
        if (placed == null || payloads.size() != placed.size()) {
            return false;
        }
        for (int i = 0; i < payloads.size(); i++) {
            if (payloads.get(i).tensor() != placed.get(i)) {
                return false;
            }
        }
        return true;
    }

    /** Records that the transport has no shared buffer to give (for good: the answer was collective). */
    void markUnavailable() {
        unavailable = true;
    }

    void move(SharedBuffer into) {
        List<Tensor> moved = mover.moveInto(into.bytes());
        buffer = into;
        placed = List.copyOf(moved);
    }

    SharedBuffer buffer() {
        return buffer;
    }

    /**
     * The ranges each rank reduces: of every tensor (packed in order from element 0), the
     * elements of its piece {@code k} of {@link Pieces#balanced} go to rank {@code k}, as when the
     * engine reduces it alone or in a fusion buffer; so both give the same bits.
     */
    int[][] owned(long hash, int[] numels, int size) {
        if (owned == null || ownedHash != hash) {
            int[][] ranges = new int[size][2 * numels.length];
            int[] used = new int[size];
            int at = 0;
            for (int numel : numels) {
                int[] pieces = Pieces.balanced(numel, size);
                int start = at;
                for (int k = 0; k < size; k++) {
                    if (pieces[k] > 0) {
                        ranges[k][used[k]++] = start;
                        ranges[k][used[k]++] = pieces[k];
                    }
                    start += pieces[k];
                }
                at += numel;
            }
            for (int k = 0; k < size; k++) {
                ranges[k] = java.util.Arrays.copyOf(ranges[k], used[k]);
            }
            owned = ranges;
            ownedHash = hash;
        }
        return owned;
    }
}
