package jllm.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.IntStream;
import jllm.formats.tokenizer.TokenType;
import org.junit.jupiter.api.Test;

class SpecialTokensTest {

    static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
    }

    @Test
    void controlTokensAreMatchedOnlyWithParseSpecial() {
        Tokenizer t = Tokenizers.cached("llama3-vocab-rebuilt.gguf");
        String s = "<|begin_of_text|>Hi<|eot_id|>";
        assertThat(t.encode(s, false, true)).containsExactly(128000, 13347, 128009);
        assertThat(t.encode(s, false, false)).doesNotContain(128000, 128009);
        assertThat(t.encode(s, true, true)).containsExactly(128000, 128000, 13347, 128009);
        assertThat(t.decode(t.encode(s, false, true), true)).isEqualTo(s);
        assertThat(t.decode(t.encode(s, false, true), false)).isEqualTo("Hi");
    }

    @Test
    void endOfGenerationAndTypes() {
        Tokenizer t = Tokenizers.cached("llama3-vocab-rebuilt.gguf");
        assertThat(t.specialIds().bos()).isEqualTo(128000);
        assertThat(t.isEndOfGeneration(128001)).isTrue();
        assertThat(t.isEndOfGeneration(128009)).isTrue();
        assertThat(t.isEndOfGeneration(13347)).isFalse();
        assertThat(t.type(128009)).isEqualTo(TokenType.CONTROL);
        assertThat(t.type(13347)).isEqualTo(TokenType.NORMAL);
        assertThat(t.tokenText(13347)).isEqualTo("Hi");
        assertThatThrownBy(() -> t.type(200000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("200000");
    }

    @Test
    void phi3UserDefinedEndTokenIsAlwaysMatchedAndEatsTheSpaceAfterIt() {
        Tokenizer t = Tokenizers.cached("ggml-vocab-phi-3.gguf");
        assertThat(t.type(2)).isEqualTo(TokenType.USER_DEFINED);
        int[] a = t.encode("a", false, false);
        int[] b = t.encode("b", false, false);
        assertThat(t.encode("a</s>  b", false, false)).containsExactly(concat(a, new int[] {2}, b));
        assertThat(t.isEndOfGeneration(32007)).isTrue();  // <|end|>
        assertThat(t.encode("<|end|>", false, true)).containsExactly(32007);
    }

    @Test
    void spmPutsTheSpacePrefixOnlyAtTheStartAndAfterSpecialTokens() {
        Tokenizer t = Tokenizers.cached("ggml-vocab-llama-spm.gguf");
        assertThat(t.encode("Hello", true, false)).containsExactly(1, 15043);
        assertThat(t.encode("<s>Hello", false, true)).containsExactly(1, 15043);
        assertThat(t.encode("", true, false)).containsExactly(1);
        assertThat(t.encode("", false, false)).isEmpty();
        assertThat(t.tokenBytes(3 + 0xE2, false)).containsExactly((byte) 0xE2);
        assertThat(t.tokenBytes(1, false)).isEmpty();
        assertThat(new String(t.tokenBytes(1, true))).isEqualTo("<s>");
    }

    @Test
    void gpt2EndOfTextWithParseSpecial() {
        Tokenizer t = Tokenizers.cached("ggml-vocab-gpt-2.gguf");
        assertThat(t.encode("a<|endoftext|>", true, true)).endsWith(50256);
        assertThat(t.encode("x", true, false)).doesNotContain(50256);  // GPT-2 adds no BOS
    }
}
