package jllm.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StreamingDecoderTest {
    static int byteToken(int b) {
        return 3 + b;  // <0x00> is id 3 in the Llama 2 vocabulary
    }

    @Test
    void holdsBackABrokenCharacterUntilItIsComplete() {
        Tokenizer t = Tokenizers.cached("ggml-vocab-llama-spm.gguf");
        StreamingDecoder d = t.newDecoder(false);
        assertThat(d.accept(byteToken(0xF0))).isEmpty();
        assertThat(d.accept(byteToken(0x9F))).isEmpty();
        assertThat(d.accept(byteToken(0xA6))).isEmpty();
        assertThat(d.hasPending()).isTrue();
        assertThat(d.accept(byteToken(0x99))).isEqualTo("🦙");
        assertThat(d.hasPending()).isFalse();
        assertThat(d.finish()).isEmpty();
    }

    @Test
    void bytesThatCanNeverFormACharacterBecomeReplacementCharacters() {
        Tokenizer t = Tokenizers.cached("ggml-vocab-llama-spm.gguf");
        StreamingDecoder d = t.newDecoder(false);
        assertThat(d.accept(byteToken(0xFF))).isEqualTo("\uFFFD");
        assertThat(d.accept(byteToken(0xE2))).isEmpty();
        // "▁a" keeps its space: only the very first piece of the stream drops it.
        assertThat(d.accept(t.encode("a", false, false)[0])).isEqualTo("\uFFFD a");
        assertThat(d.accept(byteToken(0xE2))).isEmpty();
        assertThat(d.finish()).isEqualTo("\uFFFD");
    }

    @Test
    void byteLevelPiecesSplitInsideACharacter() {
        Tokenizer t = Tokenizers.cached("ggml-vocab-gpt-2.gguf");
        int[] ids = t.encode("😶‍🌫️ ok", false, false);
        StreamingDecoder d = t.newDecoder(false);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String s = d.accept(id);
            assertThat(s).doesNotContain("\uFFFD");
            sb.append(s);
        }
        assertThat(sb.append(d.finish()).toString()).isEqualTo("😶‍🌫️ ok");
    }

    @Test
    void completePrefixStopsBeforeAnOpenSequence() {
        assertThat(StreamingDecoder.completePrefix(new byte[] {'a', (byte) 0xE2, (byte) 0x82})).isEqualTo(1);
        assertThat(StreamingDecoder.completePrefix(new byte[] {'a', (byte) 0xE2, (byte) 0x82, (byte) 0xAC})).isEqualTo(4);
        assertThat(StreamingDecoder.completePrefix(new byte[] {(byte) 0xC0})).isEqualTo(1);  // overlong lead: never valid
        assertThat(StreamingDecoder.completePrefix(new byte[] {(byte) 0xED, (byte) 0xA0})).isEqualTo(2);  // surrogate
        assertThat(StreamingDecoder.completePrefix(new byte[0])).isZero();
    }
}
