package jllm.formats;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Hugging Face model folder: one {@code model.safetensors}, or shards listed in
 * {@code model.safetensors.index.json}, with the {@code config.json} beside them when present.
 * All shards are mapped; their tensors appear as one set.
 */
public final class SafetensorsModel implements ModelFile {
    public static final String INDEX = "model.safetensors.index.json";

    private final Path path;
    private final List<SafetensorsFile> shards;
    private final Map<String, TensorData> tensors;
    private final HfConfig config;

    private SafetensorsModel(Path path, List<SafetensorsFile> shards, Map<String, TensorData> tensors, HfConfig config) {
        this.path = path;
        this.shards = List.copyOf(shards);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.config = config;
    }

    /**
     * Opens a folder (with {@code model.safetensors} or the index), an index file, or a single
     * {@code .safetensors} file.
     */
    public static SafetensorsModel open(Path path) throws IOException {
        Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(path)) {
            if (Files.isRegularFile(path.resolve(INDEX))) {
                files.addAll(shardsOf(path.resolve(INDEX)));
            } else if (Files.isRegularFile(path.resolve("model.safetensors"))) {
                files.add(path.resolve("model.safetensors"));
            } else {
                throw new FormatException(path, "folder", -1, "holds neither model.safetensors nor " + INDEX);
            }
        } else if (path.getFileName().toString().endsWith(".index.json")) {
            files.addAll(shardsOf(path));
        } else {
            files.add(path);
        }
        List<SafetensorsFile> shards = new ArrayList<>();
        try {
            Map<String, TensorData> all = new LinkedHashMap<>();
            for (Path f : files) {
                SafetensorsFile s = SafetensorsFile.open(f);
                shards.add(s);
                for (TensorData t : s.tensors()) {
                    if (all.putIfAbsent(t.name(), t) != null) {
                        throw new FormatException(f, "tensor '" + t.name() + "'", -1, "appears in more than one shard");
                    }
                }
            }
            Path cfg = dir.resolve("config.json");
            HfConfig config = Files.isRegularFile(cfg) ? HfConfig.read(cfg) : null;
            return new SafetensorsModel(path, shards, all, config);
        } catch (RuntimeException | IOException e) {
            shards.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    private static List<Path> shardsOf(Path index) throws IOException {
        JsonNode root;
        try {
            root = SafetensorsFile.JSON.readTree(Files.readString(index));
        } catch (JsonProcessingException e) {
            throw new FormatException(index, "index", -1, "malformed JSON: " + e.getOriginalMessage());
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new FormatException(index, "weight_map", -1, "missing or not an object");
        }
        Set<String> names = new LinkedHashSet<>();
        map.properties().forEach(e -> names.add(e.getValue().asText()));
        List<Path> out = new ArrayList<>();
        for (String n : names) {
            Path p = index.toAbsolutePath().getParent().resolve(n).normalize();
            if (!p.getParent().equals(index.toAbsolutePath().getParent().normalize()) || !Files.isRegularFile(p)) {
                throw new FormatException(index, "weight_map", -1, "shard '" + n + "' is missing or outside the folder");
            }
            out.add(p);
        }
        return out;
    }

    /** The config.json beside the weights, if there is one. */
    public Optional<HfConfig> config() { return Optional.ofNullable(config); }

    /** The mapped shard files. */
    public List<SafetensorsFile> shards() { return shards; }

    @Override
    public Format format() { return Format.SAFETENSORS; }

    @Override
    public Path path() { return path; }

    @Override
    public long fileBytes() {
        return shards.stream().mapToLong(SafetensorsFile::fileBytes).sum();
    }

    @Override
    public List<TensorData> tensors() { return List.copyOf(tensors.values()); }

    @Override
    public Map<String, TensorData> tensorMap() { return tensors; }

    @Override
    public void close() {
        shards.forEach(SafetensorsFile::close);
    }
}
