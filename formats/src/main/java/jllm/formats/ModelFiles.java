package jllm.formats;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Opens a model file of any supported format, telling the format from the file's first bytes. */
public final class ModelFiles {
    private ModelFiles() {}

    /**
     * Opens {@code path} as GGUF, safetensors (a file, an index, or a folder of them) or a
     * llama2.c checkpoint.
     *
     * @throws FormatException when the format cannot be told or the file is invalid
     * @throws IOException     when it cannot be read
     */
    public static ModelFile open(Path path) throws IOException {
        return switch (detect(path)) {
            case GGUF -> GgufFile.open(path);
            case SAFETENSORS -> SafetensorsModel.open(path);
            case LLAMA2C -> Llama2cCheckpoint.open(path);
        };
    }

    /** Tells the format of {@code path} without parsing it fully. */
    public static ModelFile.Format detect(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such file or folder");
        }
        if (Files.isDirectory(path)) {
            return ModelFile.Format.SAFETENSORS;
        }
        String name = path.getFileName().toString();
        if (name.endsWith(".safetensors") || name.endsWith(".safetensors.index.json")) {
            return ModelFile.Format.SAFETENSORS;
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            long n = Math.min(ch.size(), 64);
            MemorySegment head = ch.map(FileChannel.MapMode.READ_ONLY, 0, n, arena);
            if (n >= 4 && head.get(ByteReader.I32, 0) == GgufFile.MAGIC) {
                return ModelFile.Format.GGUF;
            }
            if (n >= 9 && head.get(ByteReader.U8, 8) == '{') {
                return ModelFile.Format.SAFETENSORS;
            }
            if (Llama2cCheckpoint.looksLike(head)) {
                return ModelFile.Format.LLAMA2C;
            }
        }
        throw new FormatException(path, "magic", 0,
                "not a GGUF, safetensors or llama2.c file (unrecognized first bytes)");
    }
}
