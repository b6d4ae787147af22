package jllm.engine.sampling;

/** {@link IntSequence} over a prefix of an int array. */
record ArrayIntSequence(int[] tokens, int length) implements IntSequence {

    static final IntSequence EMPTY = new ArrayIntSequence(new int[0], 0);

    @Override
    public int get(int index) {
        if (index < 0 || index >= length) {
            throw new IndexOutOfBoundsException("index " + index + " out of [0, " + length + ")");
        }
        return tokens[index];
    }
}
