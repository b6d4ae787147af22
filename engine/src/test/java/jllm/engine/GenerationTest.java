package jllm.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jllm.engine.model.ContextOverflowException;
import jllm.engine.sampling.SamplingOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GenerationTest {
    static Path dir;
    static LanguageModel model;
    static JsonNode expected;

    static Path shared(String relative) {
        String p = System.getProperty("jllm.shared");
        Path f = (p != null ? Path.of(p) : Path.of("..", "shared")).resolve(relative).toAbsolutePath().normalize();
        assumeTrue(Files.exists(f), "skipped: " + f + " is absent (../shared is not beside this checkout)");
        return f;
    }

    @BeforeAll
    static void open() throws IOException {
        dir = shared("fixtures/stories260K");
        model = LanguageModel.open(dir.resolve("stories260K-f32.gguf"),
                LanguageModel.Options.defaults().withThreads(2).withContextSize(128));
        expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    static int[] ids(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    @Test
    void textPromptsGiveLlamaCppsGreedyTokens() throws IOException {
        for (JsonNode run : expected.get("variants").get("f32").get("runs")) {
            StringBuilder streamed = new StringBuilder();
            Generation g = model.generate(run.get("prompt").asText(), GenerateOptions.greedy(64).withIgnoreEos(true),
                    (id, text) -> streamed.append(text));
            assertThat(g.promptTokens()).containsExactly(ids(run.get("prompt_ids")));
            assertThat(g.tokens()).containsExactly(ids(run.get("generated_ids")));
            assertThat(g.stopReason()).isEqualTo(StopReason.MAX_TOKENS);
            assertThat(streamed.toString()).isEqualTo(g.text());
            assertThat(g.text()).isEqualTo(model.tokenizer().decode(g.tokens()));
        }
        // The llama2.c checkpoint with its tokenizer.bin gives the same.
        try (LanguageModel bin = LanguageModel.open(dir.resolve("stories260K.bin"),
                LanguageModel.Options.defaults().withTokenizer(dir.resolve("tok512.bin")).withThreads(1))) {
            JsonNode run = expected.get("variants").get("f32").get("runs").get(0);
            Generation g = bin.generate(run.get("prompt").asText(), GenerateOptions.greedy(64).withIgnoreEos(true),
                    TokenListener.NONE);
            assertThat(g.tokens()).containsExactly(ids(run.get("generated_ids")));
        }
    }

    @Test
    void sameSeedSameTextOtherSeedOtherText() {
        GenerateOptions o = GenerateOptions.greedy(40).withIgnoreEos(true)
                .withSampling(SamplingOptions.defaults().withTemperature(1.5f).withTopK(0).withTopP(1f).withMinP(0f)
                        .withSeed(7));
        Generation a = model.generate("Lily", o, TokenListener.NONE);
        Generation b = model.generate("Lily", o, TokenListener.NONE);
        Generation c = model.generate("Lily", o.withSampling(o.sampling().withSeed(8)), TokenListener.NONE);
        assertThat(a.tokens()).containsExactly(b.tokens());
        assertThat(c.tokens()).isNotEqualTo(a.tokens());
    }

    @Test
    void stopStringsEndTheTextBeforeThem() {
        Generation full = model.generate("Once upon a time", GenerateOptions.greedy(30).withIgnoreEos(true), TokenListener.NONE);
        String stop = full.text().substring(5, 8);
        int at = full.text().indexOf(stop);
        StringBuilder streamed = new StringBuilder();
        Generation cut = model.generate("Once upon a time",
                GenerateOptions.greedy(30).withIgnoreEos(true).withStop(List.of("never-there", stop)),
                (id, t) -> streamed.append(t));
        assertThat(cut.stopReason()).isEqualTo(StopReason.STOP_STRING);
        assertThat(cut.text()).isEqualTo(full.text().substring(0, at));
        assertThat(streamed.toString()).isEqualTo(cut.text());
    }

    @Test
    void promptsLongerThanTheContextFailClearly() {
        int[] prompt = new int[200];
        prompt[0] = 1;
        java.util.Arrays.fill(prompt, 1, prompt.length, 300);
        assertThatThrownBy(() -> model.generate(prompt, GenerateOptions.greedy(4), TokenListener.NONE))
                .isInstanceOf(ContextOverflowException.class).hasMessageContaining("200 tokens")
                .hasMessageContaining("context of 128");
        int[] hundred = java.util.Arrays.copyOf(prompt, 100);
        assertThatThrownBy(() -> model.generate(hundred, GenerateOptions.greedy(64), TokenListener.NONE))
                .isInstanceOf(ContextOverflowException.class).hasMessageContaining("--context-shift");
        Generation shifted = model.generate(hundred, GenerateOptions.greedy(64).withIgnoreEos(true).withContextShift(true),
                TokenListener.NONE);
        assertThat(shifted.tokens()).hasSize(64);
        Generation untilFull = model.generate(hundred, GenerateOptions.greedy(-1).withIgnoreEos(true), TokenListener.NONE);
        assertThat(untilFull.stopReason()).isEqualTo(StopReason.CONTEXT_FULL);
        assertThat(untilFull.tokens()).hasSize(29); // 100 + 28 fill the context; the 29th is sampled from the last logits
    }

    @Test
    void topLogprobsListTheChosenTokenFirst() {
        Generation g = model.generate("Lily", GenerateOptions.greedy(5).withIgnoreEos(true).withTopLogprobs(3), TokenListener.NONE);
        assertThat(g.topLogprobs()).hasSize(5);
        for (int i = 0; i < 5; i++) {
            var step = g.topLogprobs().get(i);
            assertThat(step).hasSize(3);
            assertThat(step.get(0).id()).isEqualTo(g.tokens()[i]);
            assertThat(step.get(0).logprob()).isLessThanOrEqualTo(0f).isGreaterThanOrEqualTo(step.get(1).logprob());
        }
    }

    @Test
    void chatKeepsTheCacheBetweenTurns() throws IOException {
        // This vocabulary spells ChatML's markers letter by letter, so turns are long: use a larger context.
        try (LanguageModel big = LanguageModel.open(dir.resolve("stories260K-f32.gguf"),
                LanguageModel.Options.defaults().withThreads(2).withContextSize(512))) {
            chatTwice(big.chat("You are a storyteller.", "chatml"));
        }
    }

    private void chatTwice(ChatSession chat) {
        GenerateOptions o = GenerateOptions.greedy(8).withIgnoreEos(true);
        Generation first = chat.send("Tell me a story.", o, TokenListener.NONE);
        int afterFirst = chat.cachedTokens();
        Generation second = chat.send("Another one.", o, TokenListener.NONE);
        assertThat(afterFirst).isGreaterThan(first.promptTokens().length);
        // Only the new turn (plus the template's glue after the last answer) is processed again.
        assertThat(second.promptTokens().length).isLessThan(afterFirst);
        assertThat(chat.cachedTokens()).isGreaterThan(afterFirst);
        assertThat(chat.messages()).hasSize(5);
        chat.reset();
        assertThat(chat.cachedTokens()).isZero();
        assertThat(chat.messages()).hasSize(1);
    }
}
