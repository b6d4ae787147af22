package jllm.engine.sampling;

import java.util.Objects;

/**
 * A read-only sequence of token ids, such as the tokens generated so far. Lets callers hand their
 * own growing buffer to {@link Sampler#sample(float[], IntSequence)} without copying.
 */
public interface IntSequence {

    /** Number of ids in the sequence. */
    int length();

    /** The id at {@code index}, {@code 0 <= index < length()}. */
    int get(int index);

    /** The empty sequence. */
    static IntSequence empty() {
        return ArrayIntSequence.EMPTY;
    }

    /**
     * A view of the first {@code count} ids of {@code tokens}; later writes to the array show
     * through.
     */
    static IntSequence of(int[] tokens, int count) {
        Objects.requireNonNull(tokens, "tokens");
        Objects.checkFromToIndex(0, count, tokens.length);
        return new ArrayIntSequence(tokens, count);
    }

    /** A view of the whole array. */
    static IntSequence of(int... tokens) {
        return of(tokens, tokens.length);
    }
}
