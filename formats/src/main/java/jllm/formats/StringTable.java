package jllm.formats;

import java.nio.charset.StandardCharsets;

/**
 * A GGUF string array kept as its raw bytes (each string: a u64 length, then UTF-8) and decoded into
 * Java strings when first asked for. A 128k-token vocabulary with its merges is ~400k strings;
 * decoding them while the file opens delayed everything after it (the kernel warm-up starts once
 * the weights are mapped) by about 0.2 s. The lengths are checked when the table is made, so
 * decoding cannot fail later.
 */
final class StringTable {
    private final byte[] raw;
    private final int count;
    private volatile String[] strings;

    /** {@code raw}: {@code count} length-prefixed strings whose lengths were checked to fit. */
    StringTable(byte[] raw, int count) {
        this.raw = raw;
        this.count = count;
    }

    int count() {
        return count;
    }

    /** The strings (the same array on every call: callers must not modify it). */
    String[] strings() {
        String[] s = strings;
        if (s == null) {
            synchronized (this) {
                s = strings;
                if (s == null) {
                    s = decode();
                    strings = s;
                }
            }
        }
        return s;
    }

    private String[] decode() {
        String[] out = new String[count];
        int p = 0;
        for (int i = 0; i < count; i++) {
            int len = (int) ((raw[p] & 0xFFL) | (raw[p + 1] & 0xFFL) << 8 | (raw[p + 2] & 0xFFL) << 16
                    | (raw[p + 3] & 0xFFL) << 24);   // checked: under 2^31, upper bytes zero
            out[i] = new String(raw, p + 8, len, StandardCharsets.UTF_8);
            p += 8 + len;
        }
        return out;
    }
}
