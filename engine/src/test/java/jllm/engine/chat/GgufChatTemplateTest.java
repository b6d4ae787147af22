package jllm.engine.chat;

import static jllm.engine.chat.LlamaCppCases.CONVERSATION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import jllm.formats.GgufFile;
import jllm.formats.GgufMetadata;
import org.junit.jupiter.api.Test;

/** The chat templates stored in the shared tokenizer fixtures render. */
class GgufChatTemplateTest {

    private static Path tokenizers() {
        Path shared = Path.of(System.getProperty("jllm.shared", "../shared"));
        return shared.resolve("fixtures/tokenizers");
    }

    @Test
    void everyFixtureTemplateRendersAndTheDetectedFormatAgrees() throws IOException {
        Path dir = tokenizers();
        assumeTrue(Files.isDirectory(dir), "shared tokenizer fixtures absent: " + dir);
        List<Path> ggufs;
        try (Stream<Path> files = Files.list(dir)) {
            ggufs = files.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
        }
        int rendered = 0;
        for (Path path : ggufs) {
            try (GgufFile gguf = GgufFile.open(path)) {
                GgufMetadata meta = gguf.metadata();
                Optional<String> template = meta.findString("tokenizer.chat_template");
                if (template.isEmpty()) {
                    continue;
                }
                String[] tokens = meta.getStringArray("tokenizer.ggml.tokens");
                String bos = tokens[meta.getInt("tokenizer.ggml.bos_token_id")];
                String eos = tokens[meta.getInt("tokenizer.ggml.eos_token_id")];
                ChatTemplate chosen = ChatTemplate.choose(template.get(), bos, eos, "chatml");
                assertThat(chosen.name()).as(path.toString()).isEqualTo("jinja");
                List<ChatMessage> noSystem = CONVERSATION.subList(1, CONVERSATION.size());
                String out = chosen.render(noSystem, true);
                String detected = TemplateDetector.detect(template.get());
                assertThat(detected).as(path.toString()).isNotNull();
                // llama.cpp's built-ins never emit BOS; the template may
                String builtin = ChatTemplate.builtin(detected).render(noSystem, true);
                assertThat(out.startsWith(bos) ? out.substring(bos.length()) : out)
                        .as(path.toString()).isEqualTo(builtin);
                rendered++;
            }
        }
        assumeTrue(rendered > 0, "no fixture carries tokenizer.chat_template");
    }
}
