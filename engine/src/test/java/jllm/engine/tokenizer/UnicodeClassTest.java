package jllm.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UnicodeClassTest {
    @Test
    void classesAreTheSameOnFirstAndLaterLookups() {
        int[][] cases = {
            {'a', UnicodeClass.LETTER}, {'Z', UnicodeClass.LETTER}, {0x00E9, UnicodeClass.LETTER},
            {'7', UnicodeClass.NUMBER}, {0x0663, UnicodeClass.NUMBER}, {0x2167, UnicodeClass.NUMBER},
            {' ', UnicodeClass.WHITESPACE}, {'\n', UnicodeClass.WHITESPACE}, {0x3000, UnicodeClass.WHITESPACE},
            {0x00A0, UnicodeClass.WHITESPACE}, {0x1680, UnicodeClass.WHITESPACE},
            {'.', UnicodeClass.PUNCTUATION}, {0x00BF, UnicodeClass.PUNCTUATION},
            {'+', 0}, {0x0000, 0}, {0xFFFF, 0},
            {0x1D400, UnicodeClass.LETTER}, {0x1F600, 0},
        };
        for (int pass = 0; pass < 2; pass++) {
            for (int[] c : cases) {
                assertThat(UnicodeClass.of(c[0])).as("U+%04X, pass %d", c[0], pass).isEqualTo(c[1]);
            }
        }
    }

    @Test
    void everyBmpCodePointAgreesWithCharacterTypes() {
        java.util.List<String> wrong = new java.util.ArrayList<>();
        for (int cp = 0; cp < 0x10000; cp++) {
            int bits = UnicodeClass.of(cp);
            boolean number = switch (Character.getType(cp)) {
                case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> true;
                default -> false;
            };
            if (((bits & UnicodeClass.LETTER) != 0) != Character.isLetter(cp)
                    || ((bits & UnicodeClass.NUMBER) != 0) != number || UnicodeClass.of(cp) != bits) {
                wrong.add(String.format("U+%04X", cp));
            }
        }
        assertThat(wrong).isEmpty();
    }
}
