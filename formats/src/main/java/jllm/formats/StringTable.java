package jllm.formats;

import java.nio.charset.StandardCharsets;

/**
 * A GGUF string array kept as its raw bytes (each string: a u64 length, then UTF-8), decoded
 * string by string when first asked for. Decoding the ~400k strings of a 128k vocabulary while
 * the file opened delayed everything after it by about 0.2 s. The lengths are checked when the
 * table is made ({@code offsets} then holds where each string's bytes start), so decoding cannot
 * fail later.
 */
final class StringTable extends TextTable {
    private final byte[] raw;
    private final int[] offsets;   // n + 1: string i is raw[offsets[i], offsets[i + 1] - 8)
    private final String[] decoded;
    private volatile boolean complete;

    /** {@code raw}: length-prefixed strings; {@code offsets[i]}: where string i's bytes begin, plus the end of the last + 8. */
    StringTable(byte[] raw, int[] offsets) {
        this.raw = raw;
        this.offsets = offsets;
        this.decoded = new String[offsets.length - 1];
    }

    @Override
    public int size() {
        return decoded.length;
    }

    @Override
    public String get(int i) {
        String s = decoded[i];
        if (s == null) {   // racing threads decode equal strings; either may stay
            s = new String(raw, offsets[i], length(i), StandardCharsets.UTF_8);
            decoded[i] = s;
        }
        return s;
    }

    private int length(int i) {
        return offsets[i + 1] - 8 - offsets[i];
    }

    /**
     * String.hashCode over the UTF-16 units the bytes decode to. Only well-formed UTF-8 is
     * hashed here; anything the decoder would replace (overlong forms, surrogates, truncated
     * sequences) goes through the decoded string, so the two always agree.
     */
    @Override
    public int hash(int i) {
        String s = decoded[i];
        if (s != null) {
            return s.hashCode();
        }
        int p = offsets[i], end = p + length(i), h = 0;
        while (p < end) {
            int b0 = raw[p] & 0xFF;
            if (b0 < 0x80) {
                h = 31 * h + b0;
                p++;
                continue;
            }
            int cp, n;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                n = 2;
                cp = b0 & 0x1F;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                n = 3;
                cp = b0 & 0x0F;
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                n = 4;
                cp = b0 & 0x07;
            } else {
                return get(i).hashCode();
            }
            if (p + n > end) {
                return get(i).hashCode();
            }
            for (int k = 1; k < n; k++) {
                int b = raw[p + k] & 0xFF;
                if ((b & 0xC0) != 0x80) {
                    return get(i).hashCode();
                }
                cp = cp << 6 | (b & 0x3F);
            }
            if (n == 3 && (cp < 0x800 || cp >= 0xD800 && cp <= 0xDFFF) || n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) {
                return get(i).hashCode();
            }
            if (cp < 0x10000) {
                h = 31 * h + cp;
            } else {
                h = 31 * h + Character.highSurrogate(cp);
                h = 31 * h + Character.lowSurrogate(cp);
            }
            p += n;
        }
        return h;
    }

    /** An ASCII byte is never part of a longer UTF-8 sequence, and byte 1 on lies past the first character. */
    @Override
    public boolean hasAsciiAfterFirst(int i, char c) {
        if (c >= 0x80) {
            return get(i).indexOf(c, 1) > 0;
        }
        int from = offsets[i], end = from + length(i);
        for (int p = from + 1; p < end; p++) {
            if (raw[p] == c) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String[] toArray() {
        if (!complete) {
            for (int i = 0; i < decoded.length; i++) {
                get(i);
            }
            complete = true;
        }
        return decoded;
    }
}
