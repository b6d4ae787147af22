package jllm.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** One huge word (no pre-tokenizer split, one SentencePiece piece) must not take quadratic time. */
class LinearTimeTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama3-vocab-rebuilt.gguf", "ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf"})
    void aMillionRepeatedCharactersEncodeInSeconds(String vocab) {
        Tokenizer t = Tokenizers.cached(vocab);
        for (String unit : new String[] {"a", " ", "🦙"}) {
            String s = unit.repeat(1_000_000 / unit.length());
            long t0 = System.nanoTime();
            int[] ids = t.encode(s, false, false);
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertThat(seconds).as("%s: 1M x %s", vocab, unit).isLessThan(10);
            assertThat(ids.length).isLessThan(s.length() * 4);
            if (!unit.equals(" ")) {
                assertThat(t.decode(ids)).isEqualTo(s);
            }
        }
    }
}
