package jllm.formats;

import java.util.Objects;

/**
 * An immutable list of strings that need not all exist as Java strings: a GGUF file's string
 * arrays (a 128k vocabulary with its merges is ~400k strings) stay UTF-8 bytes, and each string is
 * decoded when first asked for. {@link #hash} gives a string's {@link String#hashCode} straight
 * from its bytes, so that a hash table over all of them can be built without decoding any
 * (decoding them all took ~0.1 s of every model's start; a prompt reads a few hundred).
 */
public abstract sealed class TextTable permits TextTable.Strings, StringTable {
    TextTable() {}

    /** A table over strings already made. */
    public static TextTable of(String... strings) {
        return new Strings(strings);
    }

    /** Number of strings. */
    public abstract int size();

    /** String {@code i}. */
    public abstract String get(int i);

    /** {@code get(i).hashCode()}, without decoding string i where it can. */
    public abstract int hash(int i);

    /**
     * Whether string i holds the ASCII character c at a position after its first character (as
     * {@code get(i).indexOf(c, 1) > 0}), without decoding it where it can.
     */
    public abstract boolean hasAsciiAfterFirst(int i, char c);

    /** All strings (the same array on every call: callers must not modify it). */
    public abstract String[] toArray();

    static final class Strings extends TextTable {
        private final String[] strings;

        Strings(String[] strings) {
            this.strings = Objects.requireNonNull(strings, "strings");
        }

        @Override
        public int size() {
            return strings.length;
        }

        @Override
        public String get(int i) {
            return strings[i];
        }

        @Override
        public int hash(int i) {
            return strings[i].hashCode();
        }

        @Override
        public boolean hasAsciiAfterFirst(int i, char c) {
            return strings[i].indexOf(c, 1) > 0;
        }

        @Override
        public String[] toArray() {
            return strings;
        }
    }
}
