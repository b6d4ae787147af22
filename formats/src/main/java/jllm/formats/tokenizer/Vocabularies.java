package jllm.formats.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import jllm.formats.FormatException;
import jllm.formats.GgufFile;

/** Reads a vocabulary from whichever file holds one, telling the formats apart by content. */
public final class Vocabularies {
    private Vocabularies() {}

    /**
     * Reads a GGUF file's tokenizer, a Hugging Face {@code tokenizer.json} (or a folder holding one),
     * or a llama2.c {@code tokenizer.bin}.
     *
     * @throws FormatException when the file holds no tokenizer jllm can read
     * @throws IOException     when it cannot be read
     */
    public static Vocabulary read(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            Path tj = path.resolve("tokenizer.json");
            if (!Files.isRegularFile(tj)) {
                throw new FormatException(path, "tokenizer.json", -1, "the folder holds no tokenizer.json");
            }
            return HfTokenizerJson.read(tj);
        }
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString());
        }
        byte[] head = new byte[4];
        int got;
        try (InputStream in = Files.newInputStream(path)) {
            got = in.readNBytes(head, 0, 4);
        }
        if (got == 4 && head[0] == 'G' && head[1] == 'G' && head[2] == 'U' && head[3] == 'F') {
            try (GgufFile g = GgufFile.open(path)) {
                if (!GgufVocabulary.present(g.metadata())) {
                    throw new FormatException(path, GgufVocabulary.MODEL, -1, "the GGUF file has no tokenizer");
                }
                return GgufVocabulary.read(g.metadata(), path.toString());
            }
        }
        if (got >= 1 && (head[0] == '{' || path.getFileName().toString().endsWith(".json"))) {
            return HfTokenizerJson.read(path);
        }
        return Llama2cTokenizerFile.read(path);
    }
}
