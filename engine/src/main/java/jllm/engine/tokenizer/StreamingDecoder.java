package jllm.engine.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns a stream of token ids into text as they arrive. A token may end in the middle of a UTF-8
 * character (byte-fallback tokens, byte-level pieces); those bytes are held back until the
 * character is complete, so no replacement character appears for valid text. Bytes that can never
 * form a character become U+FFFD. Not thread-safe: one decoder per stream.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final boolean special;
    private boolean stripLeadingSpace;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private byte[] pending = new byte[0];

    StreamingDecoder(Tokenizer tokenizer, boolean special, boolean stripLeadingSpace) {
        this.tokenizer = tokenizer;
        this.special = special;
        this.stripLeadingSpace = stripLeadingSpace;
    }

    /**
     * Adds one token and returns the text that is complete now (often the token's text, sometimes
     * empty, sometimes more when held-back bytes complete a character).
     *
     * @throws IllegalArgumentException when the id is outside the vocabulary
     */
    public String accept(int id) {
        byte[] piece = tokenizer.tokenBytes(id, special);
        int skip = 0;
        if (stripLeadingSpace && piece.length > 0) {
            // SentencePiece added a space before the text; the first piece of text drops it.
            stripLeadingSpace = false;
            if (piece[0] == ' ' && tokenizer.type(id) != jllm.formats.tokenizer.TokenType.CONTROL) {
                skip = 1;
            }
        }
        byte[] all = new byte[pending.length + piece.length - skip];
        System.arraycopy(pending, 0, all, 0, pending.length);
        System.arraycopy(piece, skip, all, pending.length, piece.length - skip);
        int complete = completePrefix(all);
        pending = java.util.Arrays.copyOfRange(all, complete, all.length);
        return decode(all, complete);
    }

    /** Ends the stream: returns the held-back bytes, with U+FFFD for an unfinished character. */
    public String finish() {
        String s = decode(pending, pending.length);
        pending = new byte[0];
        return s;
    }

    /** Whether bytes are held back waiting for the rest of a character. */
    public boolean hasPending() { return pending.length > 0; }

    private String decode(byte[] b, int n) {
        if (n == 0) {
            return "";
        }
        try {
            CharBuffer out = utf8.reset().decode(ByteBuffer.wrap(b, 0, n));
            return out.toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalStateException(e);  // cannot happen with REPLACE
        }
    }

    /**
     * The length of the longest prefix that does not end inside a character that later bytes could
     * still complete.
     */
    static int completePrefix(byte[] b) {
        int n = b.length;
        for (int back = 1; back <= Math.min(3, n); back++) {
            int lead = b[n - back] & 0xFF;
            if (lead < 0x80) {
                return n;  // ASCII: nothing open
            }
            if (lead >= 0xC0) {
                int need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
                if (lead > 0xF4 || back >= need) {
                    return n;  // complete, or an invalid lead byte that no later byte can fix
                }
                if (!validPrefix(b, n - back, back)) {
                    return n;
                }
                return n - back;
            }
            // continuation byte: look further back for its lead
        }
        return n;
    }

    /** Whether {@code len} bytes at {@code from}, a lead byte and continuations, can start a valid character. */
    private static boolean validPrefix(byte[] b, int from, int len) {
        int lead = b[from] & 0xFF;
        if (lead < 0xC2) {
            return false;  // overlong 2-byte lead
        }
        for (int i = 1; i < len; i++) {
            int c = b[from + i] & 0xFF;
            if ((c & 0xC0) != 0x80) {
                return false;
            }
            if (i == 1) {
                if ((lead == 0xE0 && c < 0xA0) || (lead == 0xED && c > 0x9F)
                        || (lead == 0xF0 && c < 0x90) || (lead == 0xF4 && c > 0x8F)) {
                    return false;
                }
            }
        }
        return true;
    }
}
