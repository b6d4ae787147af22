package jllm.formats;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A model's weights as read from one file or a set of files, whatever the format: named tensors
 * whose bytes stay memory-mapped. Close it to release the mappings.
 */
public interface ModelFile extends AutoCloseable {

    /** The file formats jllm reads. */
    enum Format {
        GGUF("gguf"), SAFETENSORS("safetensors"), LLAMA2C("llama2c");

        private final String label;

        Format(String label) { this.label = label; }

        /** Lower-case name used in `jllm info --json`. */
        public String label() { return label; }
    }

    Format format();

    /** The file (or folder, for sharded safetensors) the model was opened from. */
    Path path();

    /** Total size on disk of the files that hold the model. */
    long fileBytes();

    /** All tensors, in file order. */
    List<TensorData> tensors();

    /** Tensors by name. */
    Map<String, TensorData> tensorMap();

    /**
     * The named tensor.
     *
     * @throws FormatException when there is none of that name
     */
    default TensorData tensor(String name) {
        TensorData t = tensorMap().get(name);
        if (t == null) {
            throw new FormatException(path(), "tensor '" + name + "'", -1, "no tensor of that name in the file");
        }
        return t;
    }

    /** Releases the file mappings; tensor data cannot be read afterwards. */
    @Override
    void close();
}
