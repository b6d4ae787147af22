package jllm.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jllm.formats.tokenizer.GgufVocabulary;
import jllm.formats.tokenizer.TokenType;
import jllm.formats.tokenizer.Vocabulary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {
    @TempDir
    Path tmp;

    @Test
    void tinyShakespeareVocab512RoundTripsCompressesAndReloads() throws IOException {
        String text = Files.readString(SharedFiles.file("data/pretrain/tinyshakespeare.txt"), StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        Vocabulary v = BpeTrainer.train(text, BpeTrainer.Options.of(512));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(seconds).as("training time").isLessThan(20);
        assertThat(v.size()).isEqualTo(512);
        assertThat(v.merges()).hasSize(512 - 256 - 1);
        assertThat(v.tokenType(511)).isEqualTo(TokenType.CONTROL);
        assertThat(v.token(511)).isEqualTo("<|endoftext|>");

        Tokenizer t = Tokenizer.of(v);
        int[] ids = t.encode(text, false, false);
        // About 1.9 bytes per token with 255 merges.
        assertThat(ids.length).isLessThan(text.getBytes(StandardCharsets.UTF_8).length * 6 / 10);
        assertThat(t.decode(ids)).isEqualTo(text);

        Path out = tmp.resolve("tok.gguf");
        GgufVocabulary.writeVocabularyFile(v, "tinyshakespeare-bpe-512", out);
        Tokenizer back = Tokenizer.load(out);
        assertThat(back.vocabulary().tokens()).containsExactly(v.tokens());
        assertThat(back.vocabulary().merges()).containsExactly(v.merges());
        assertThat(back.encode(text, false, false)).isEqualTo(ids);
        assertThat(back.encode("<|endoftext|>x", false, true)).startsWith(511);
    }

    @Test
    void mergesTheMostFrequentPairFirst() {
        Vocabulary v = BpeTrainer.train("ab ab ab cd cd", new BpeTrainer.Options(258, List.of(), 1));
        // (a, b) occurs 3 times; then (Ġ, ab), (Ġ, c) and (c, d) twice each: the smallest ids win.
        assertThat(v.merges()).containsExactly("a b", "Ġ c");
        assertThat(Tokenizer.of(v).encode("ab ab cd", false, false)).containsExactly(256, ' ', 256, 257, 'd');
    }

    @Test
    void stopsWhenNoPairIsFrequentEnough() {
        Vocabulary v = BpeTrainer.train("xyz", new BpeTrainer.Options(1000, List.of("<s>"), 2));
        assertThat(v.size()).isEqualTo(257);
        assertThat(v.special().bos()).isEqualTo(256);
    }

    @Test
    void rejectsBadOptions() {
        assertThatThrownBy(() -> new BpeTrainer.Options(100, List.of(), 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vocab size 100");
        assertThatThrownBy(() -> new BpeTrainer.Options(300, List.of("a", "a"), 1)).hasMessageContaining("repeat");
    }
}
