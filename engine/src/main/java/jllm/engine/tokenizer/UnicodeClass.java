package jllm.engine.tokenizer;

/**
 * The character classes the pre-tokenizer regexes use, on all of Unicode: {@code \p{L}} (letters),
 * {@code \p{N}} (numbers) and {@code \s} as the Unicode White_Space property, which is what both
 * Hugging Face's regex engine and llama.cpp's tables mean by them.
 */
final class UnicodeClass {
    static final int LETTER = 1;
    static final int NUMBER = 2;
    static final int WHITESPACE = 4;
    /** Punctuation, \p{P}. */
    static final int PUNCTUATION = 8;

    /** Set in a {@link #BMP} entry once computed; 0 = not computed yet. */
    private static final int KNOWN = 0x10;
    /**
     * The Basic Multilingual Plane's class bits, each filled in when first asked for: computing
     * all 65,536 when the class loads took 30-60 ms of a cold start's first prompt (interpreted
     * code), and a prompt meets a few dozen characters. Filling in an entry twice from two threads
     * writes the same value.
     */
    private static final byte[] BMP = new byte[0x10000];

    private UnicodeClass() {}

    /** The class bits of a code point. */
    static int of(int cp) {
        if (cp >= 0x10000) {
            return compute(cp);
        }
        int b = BMP[cp];
        if (b == 0) {
            b = compute(cp) | KNOWN;
            BMP[cp] = (byte) b;
        }
        return b & ~KNOWN;
    }

    static boolean isLetter(int cp) { return (of(cp) & LETTER) != 0; }

    static boolean isNumber(int cp) { return (of(cp) & NUMBER) != 0; }

    static boolean isWhitespace(int cp) { return (of(cp) & WHITESPACE) != 0; }

    private static int compute(int cp) {
        int bits = switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> PUNCTUATION;
            default -> 0;
        };
        if (isWhiteSpaceProperty(cp)) {
            bits |= WHITESPACE;
        }
        return bits;
    }

    /** Unicode's White_Space property (PropList.txt). */
    private static boolean isWhiteSpaceProperty(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }
}
