package jllm.engine;

import java.util.Arrays;
import jllm.engine.sampling.IntSequence;

/** A growable list of token ids that the sampler can read without copying. */
final class TokenBuffer implements IntSequence {
    private int[] ids = new int[256];
    private int length;

    void add(int id) {
        if (length == ids.length) {
            ids = Arrays.copyOf(ids, length * 2);
        }
        ids[length++] = id;
    }

    void addAll(int[] more) {
        for (int id : more) {
            add(id);
        }
    }

    void truncate(int newLength) {
        length = newLength;
    }

    @Override
    public int length() { return length; }

    @Override
    public int get(int index) { return ids[index]; }

    int[] toArray() { return Arrays.copyOf(ids, length); }

    int[] toArray(int from) { return Arrays.copyOfRange(ids, from, length); }
}
