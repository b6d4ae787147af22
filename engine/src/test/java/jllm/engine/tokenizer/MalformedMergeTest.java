package jllm.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import jllm.formats.FormatException;
import jllm.formats.tokenizer.SpecialTokenIds;
import jllm.formats.tokenizer.TokenType;
import jllm.formats.tokenizer.Vocabulary;
import jllm.formats.tokenizer.VocabularyType;
import org.junit.jupiter.api.Test;

/** A BPE merge must be two texts with a space between them; the tokenizer names the one that is not. */
class MalformedMergeTest {
    @Test
    void aMergeWithoutASpaceIsReportedWithItsIndex() {
        String[] tokens = {"a", "b", "ab", "c"};
        TokenType[] types = new TokenType[tokens.length];
        Arrays.fill(types, TokenType.NORMAL);
        Vocabulary v = new Vocabulary("test.gguf", VocabularyType.BPE, Vocabulary.DEFAULT_PRE, tokens,
                new float[tokens.length], types, new String[] {"a b", "abc"}, SpecialTokenIds.EMPTY, false, false,
                false, "");
        assertThatThrownBy(() -> Tokenizer.of(v)).isInstanceOf(FormatException.class)
                .hasMessageContaining("test.gguf").hasMessageContaining("tokenizer.ggml.merges[1]")
                .hasMessageContaining("'abc'");
    }
}
