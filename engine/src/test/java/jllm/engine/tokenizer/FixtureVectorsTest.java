package jllm.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** llama.cpp's test-tokenizer-0 vectors: every string must give exactly llama.cpp's ids. */
class FixtureVectorsTest {

    @ParameterizedTest(name = "{0} with {1} vectors")
    @CsvSource({
        "ggml-vocab-llama-spm.gguf, ggml-vocab-llama-spm.gguf",
        "ggml-vocab-phi-3.gguf, ggml-vocab-phi-3.gguf",
        "ggml-vocab-gpt-2.gguf, ggml-vocab-gpt-2.gguf",
        "llama3-vocab-rebuilt.gguf, ggml-vocab-llama-bpe.gguf",
    })
    void everyVectorMatchesLlamaCpp(String vocabFile, String vectors) throws IOException {
        Tokenizer t = Tokenizers.cached(vocabFile);
        List<SharedFiles.Vector> all = SharedFiles.vectors(vectors);
        assertThat(all).hasSize(46);
        List<String> wrong = new ArrayList<>();
        for (SharedFiles.Vector v : all) {
            int[] got = t.encode(v.text(), false, false);
            if (!Arrays.equals(got, v.ids())) {
                wrong.add(repr(v.text()) + "\n   expected " + Arrays.toString(v.ids()) + "\n   got      " + Arrays.toString(got));
            }
        }
        assertThat(wrong).as(vocabFile).isEmpty();
    }

    static String repr(String s) {
        return "\"" + s.replace("\n", "\\n").replace("\t", "\\t") + "\"";
    }
}
