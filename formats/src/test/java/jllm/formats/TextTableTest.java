package jllm.formats;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A file's string table hashes and searches its UTF-8 bytes exactly as the decoded strings would. */
class TextTableTest {
    /** Length-prefixed strings as a GGUF string array stores them, with their offsets. */
    static StringTable raw(List<byte[]> strings) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int[] offsets = new int[strings.size() + 1];
        for (int i = 0; i < strings.size(); i++) {
            byte[] s = strings.get(i);
            for (int k = 0; k < 8; k++) {
                out.write(k < 4 ? (s.length >>> (8 * k)) & 0xFF : 0);
            }
            offsets[i] = out.size();
            out.writeBytes(s);
        }
        offsets[strings.size()] = out.size() + 8;
        return new StringTable(out.toByteArray(), offsets);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    private final List<byte[]> cases = List.of(utf8(""), utf8("abc"), utf8("Ġthe"), utf8("é b"), utf8("€ x"),
            utf8("😀 😀"), utf8("a b"), utf8(" x"), utf8("  x"), utf8("ab"), utf8("日本 語"),
            bytes(0xC0, 0x80), bytes(0xED, 0xA0, 0x80), bytes(0xE2, 0x82), bytes(0xFF, 0x20, 0x41),
            bytes(0xF4, 0x90, 0x80, 0x80), bytes(0x80), bytes(0x61, 0xE0, 0x80, 0x80), bytes(0xF0, 0x9F, 0x98));

    @Test
    void hashesAgreeWithTheDecodedStrings() {
        StringTable t = raw(cases);
        assertThat(t.size()).isEqualTo(cases.size());
        for (int i = 0; i < cases.size(); i++) {
            String decoded = new String(cases.get(i), StandardCharsets.UTF_8);
            assertThat(t.hash(i)).as("string %d", i).isEqualTo(decoded.hashCode());
            assertThat(t.get(i)).isEqualTo(decoded);
            assertThat(t.hash(i)).as("string %d, decoded", i).isEqualTo(decoded.hashCode());
        }
        assertThat(t.toArray()).hasSize(cases.size()).doesNotContainNull();
    }

    @Test
    void findsAnAsciiCharacterAfterTheFirstAsTheStringsDo() {
        StringTable t = raw(cases);
        String[] decoded = cases.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toArray(String[]::new);
        TextTable plain = TextTable.of(decoded);
        for (int i = 0; i < cases.size(); i++) {
            for (char c : new char[] {' ', 'A', 'x'}) {
                boolean expected = decoded[i].indexOf(c, 1) > 0;
                assertThat(t.hasAsciiAfterFirst(i, c)).as("'%s' in string %d", c, i).isEqualTo(expected);
                assertThat(plain.hasAsciiAfterFirst(i, c)).isEqualTo(expected);
            }
        }
    }
}
