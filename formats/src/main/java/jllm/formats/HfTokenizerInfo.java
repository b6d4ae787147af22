package jllm.formats;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The few facts about a Hugging Face {@code tokenizer.json} (and {@code tokenizer_config.json})
 * that {@code jllm info} shows: the kind in llama.cpp's terms, the number of tokens, and whether a
 * chat template is present. Reading the tokenizer itself is the tokenizer package's job.
 */
record HfTokenizerInfo(String kind, int size, boolean hasChatTemplate) {

    static Optional<HfTokenizerInfo> read(Path dir) throws IOException {
        Path tj = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tj)) {
            return Optional.empty();
        }
        JsonNode root;
        try {
            root = SafetensorsFile.JSON.readTree(tj.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new FormatException(tj, "tokenizer.json", -1, "malformed JSON: " + e.getOriginalMessage());
        }
        JsonNode model = root == null ? null : root.get("model");
        if (model == null || !model.isObject()) {
            throw new FormatException(tj, "model", -1, "missing or not an object");
        }
        String type = model.path("type").asText("BPE");
        boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        String kind = switch (type) {
            case "BPE" -> byteFallback ? "llama" : "gpt2";
            case "Unigram" -> "t5";
            case "WordPiece" -> "bert";
            default -> type.toLowerCase(java.util.Locale.ROOT);
        };
        Set<Integer> ids = new HashSet<>();
        model.path("vocab").properties().forEach(e -> ids.add(e.getValue().asInt()));
        if (model.path("vocab").isArray()) { // Unigram: [[piece, score], ...]
            for (int i = 0; i < model.path("vocab").size(); i++) {
                ids.add(i);
            }
        }
        root.path("added_tokens").forEach(t -> ids.add(t.path("id").asInt()));
        boolean template = false;
        Path cfg = dir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(cfg)) {
            try {
                template = SafetensorsFile.JSON.readTree(cfg.toFile()).has("chat_template");
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new FormatException(cfg, "tokenizer_config.json", -1, "malformed JSON: " + e.getOriginalMessage());
            }
        }
        return Optional.of(new HfTokenizerInfo(kind, ids.size(), template));
    }
}
