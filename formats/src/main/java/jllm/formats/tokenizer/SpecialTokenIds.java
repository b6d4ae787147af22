package jllm.formats.tokenizer;

/**
 * Ids of the tokens with a fixed role; {@link #NONE} where a vocabulary has no such token.
 *
 * @param bos beginning of sequence
 * @param eos end of sequence
 * @param eot end of turn (chat models)
 * @param unk unknown
 * @param sep separator
 * @param pad padding
 * @param mask mask
 */
public record SpecialTokenIds(int bos, int eos, int eot, int unk, int sep, int pad, int mask) {
    /** The id value meaning "no such token". */
    public static final int NONE = -1;

    /** No special tokens at all. */
    public static final SpecialTokenIds EMPTY = new SpecialTokenIds(NONE, NONE, NONE, NONE, NONE, NONE, NONE);

    public SpecialTokenIds withBos(int id) { return new SpecialTokenIds(id, eos, eot, unk, sep, pad, mask); }

    public SpecialTokenIds withEos(int id) { return new SpecialTokenIds(bos, id, eot, unk, sep, pad, mask); }

    public SpecialTokenIds withEot(int id) { return new SpecialTokenIds(bos, eos, id, unk, sep, pad, mask); }

    public SpecialTokenIds withUnk(int id) { return new SpecialTokenIds(bos, eos, eot, id, sep, pad, mask); }

    public SpecialTokenIds withPad(int id) { return new SpecialTokenIds(bos, eos, eot, unk, sep, id, mask); }

    /** Each id that is not {@link #NONE} must lie in {@code [0, size)}. */
    void check(String source, int size) {
        int[] ids = {bos, eos, eot, unk, sep, pad, mask};
        String[] names = {"bos", "eos", "eot", "unk", "sep", "pad", "mask"};
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] != NONE && (ids[i] < 0 || ids[i] >= size)) {
                throw new IllegalArgumentException(source + ": " + names[i] + " token id " + ids[i]
                        + " is outside the vocabulary of " + size + " tokens");
            }
        }
    }
}
