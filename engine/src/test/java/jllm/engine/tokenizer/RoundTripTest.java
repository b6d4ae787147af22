package jllm.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** decode(encode(s)) == s on the fixture strings and on seeded random Unicode. */
class RoundTripTest {

    @ParameterizedTest
    @ValueSource(strings = {"ggml-vocab-gpt-2.gguf", "llama3-vocab-rebuilt.gguf", "ggml-vocab-llama-spm.gguf",
        "ggml-vocab-phi-3.gguf"})
    void fixtureStringsComeBack(String vocab) throws IOException {
        Tokenizer t = Tokenizers.cached(vocab);
        for (SharedFiles.Vector v : SharedFiles.vectors(vocab.startsWith("llama3") ? "ggml-vocab-llama-bpe.gguf" : vocab)) {
            assertThat(t.decode(t.encode(v.text(), true, false))).as(FixtureVectorsTest.repr(v.text())).isEqualTo(v.text());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ggml-vocab-gpt-2.gguf", "llama3-vocab-rebuilt.gguf", "ggml-vocab-llama-spm.gguf"})
    void randomUnicodeComesBack(String vocab) {
        Tokenizer t = Tokenizers.cached(vocab);
        Random rnd = new Random(20240601L ^ vocab.hashCode());
        for (int i = 0; i < 400; i++) {
            String s = randomText(rnd, 1 + rnd.nextInt(40));
            int[] ids = t.encode(s, false, false);
            assertThat(t.decode(ids)).as("case %d: %s", i, codePoints(s)).isEqualTo(s);
            // Streaming, one token at a time, gives the same text.
            StreamingDecoder d = t.newDecoder(false);
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                sb.append(d.accept(id));
            }
            assertThat(sb.append(d.finish()).toString()).isEqualTo(s);
        }
    }

    /** Mixes ASCII, whitespace, Latin, CJK, emoji, combining marks and rare planes. */
    static String randomText(Random rnd, int length) {
        StringBuilder sb = new StringBuilder();
        int[][] ranges = {{0x20, 0x7E}, {0x09, 0x0D}, {0xA0, 0x24F}, {0x370, 0x3FF}, {0x400, 0x4FF}, {0x600, 0x6FF},
            {0x900, 0x97F}, {0x1780, 0x17FF}, {0x2000, 0x206F}, {0x3000, 0x30FF}, {0x4E00, 0x9FFF},
            {0xAC00, 0xD7A3}, {0x1F300, 0x1FAFF}, {0x10000, 0x10FFFF}, {0x300, 0x36F}};
        while (sb.length() < length) {
            int[] r = ranges[rnd.nextInt(ranges.length)];
            int cp = r[0] + rnd.nextInt(r[1] - r[0] + 1);
            if (Character.getType(cp) == Character.SURROGATE) {
                continue;
            }
            sb.appendCodePoint(cp);
            if (rnd.nextInt(4) == 0) {
                sb.append(' ');
            }
        }
        return sb.toString();
    }

    private static List<String> codePoints(String s) {
        List<String> out = new ArrayList<>();
        s.codePoints().forEach(c -> out.add(Integer.toHexString(c)));
        return out;
    }
}
