package jllm.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jllm.formats.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrefetchTest {
    static final LanguageModel.Options OPTIONS = LanguageModel.Options.defaults().withThreads(2).withContextSize(128);

    @Test
    void anOpenTakesThePrefetchedModelAndGeneratesTheSame() throws IOException {
        Path f = GenerationTest.shared("fixtures/stories260K/stories260K-q8_0.gguf");
        Generation plain;
        try (LanguageModel m = LanguageModel.open(f, OPTIONS)) {
            plain = m.generate("Once upon a time", GenerateOptions.greedy(16).withIgnoreEos(true), TokenListener.NONE);
        }
        LanguageModel.prefetch(f);
        assertThat(Prefetch.take(Path.of(f.toString()))).as("taken by this test").isNotNull()
                .satisfies(r -> r.prepared().close());   // a prefetch taken and released
        LanguageModel.prefetch(f.getParent().resolve("..").resolve(f.getParent().getFileName()).resolve(f.getFileName()));
        try (LanguageModel m = LanguageModel.open(f, OPTIONS)) {
            assertThat(Prefetch.take(f)).as("the open took it (same file, other spelling)").isNull();
            Generation g = m.generate("Once upon a time", GenerateOptions.greedy(16).withIgnoreEos(true), TokenListener.NONE);
            assertThat(g.tokens()).containsExactly(plain.tokens());
            assertThat(g.promptTokens()).containsExactly(plain.promptTokens());
        }
    }

    @Test
    void aFailedPrefetchLeavesTheErrorToTheOpen(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("truncated.gguf");
        Files.write(bad, new byte[] {'G', 'G', 'U', 'F', 3, 0});
        LanguageModel.prefetch(bad);
        assertThatThrownBy(() -> LanguageModel.open(bad, OPTIONS)).isInstanceOf(FormatException.class)
                .hasMessageContaining("truncated.gguf");
        assertThat(Prefetch.take(bad)).isNull();
    }
}
