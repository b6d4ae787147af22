package jllm.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** The stories260K prompts tokenize to llama.cpp's prompt ids, from the GGUF and from tok512.bin. */
class StoriesPromptTest {
    static final String DIR = "fixtures/stories260K/";

    @Test
    void ggufAndLlama2cVocabulariesReproduceThePromptIds() throws IOException {
        JsonNode expected = new ObjectMapper().readTree(SharedFiles.file(DIR + "expected.json").toFile());
        Tokenizer gguf = Tokenizer.load(SharedFiles.file(DIR + "stories260K-f32.gguf"));
        Tokenizer bin = Tokenizer.load(SharedFiles.file(DIR + "tok512.bin"));
        assertThat(bin.vocabulary().tokens()).containsExactly(gguf.vocabulary().tokens());
        assertThat(bin.vocabulary().scores()).containsExactly(gguf.vocabulary().scores());
        assertThat(bin.vocabulary().types()).containsExactly(gguf.vocabulary().types());
        int checked = 0;
        for (JsonNode variant : expected.path("variants")) {
            for (JsonNode run : variant.path("runs")) {
                String prompt = run.path("prompt").asText();
                int[] ids = StreamSupport.stream(run.path("prompt_ids").spliterator(), false)
                        .mapToInt(JsonNode::asInt).toArray();
                assertThat(gguf.encode(prompt)).as(prompt).containsExactly(ids);
                assertThat(bin.encode(prompt)).as(prompt).containsExactly(ids);
                assertThat(gguf.decode(ids)).isEqualTo(prompt);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(9);
    }
}
