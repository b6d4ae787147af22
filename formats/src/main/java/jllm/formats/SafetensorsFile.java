package jllm.formats;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code .safetensors} file, memory-mapped: an 8-byte little-endian header length, a JSON
 * header naming each tensor's dtype, shape and byte range, then the raw data. Shapes are turned
 * into ggml order (innermost first) so they match GGUF tensors.
 */
public final class SafetensorsFile implements ModelFile {
    /** The safetensors format's own limit on the JSON header. */
    static final long MAX_HEADER_BYTES = 100L << 20;
    static final ObjectMapper JSON = new ObjectMapper();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    private final Path path;
    private final Arena arena;
    private final Map<String, TensorData> tensors;
    private final Map<String, String> metadata;
    private final long fileBytes;

    private SafetensorsFile(Path path, Arena arena, Map<String, TensorData> tensors, Map<String, String> metadata,
                            long fileBytes) {
        this.path = path;
        this.arena = arena;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
        this.fileBytes = fileBytes;
    }

    /** Maps and parses one safetensors file. */
    public static SafetensorsFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return parse(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena), path, arena);
        } catch (RuntimeException | IOException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Parses safetensors bytes already in memory; {@code name} appears in errors. */
    public static SafetensorsFile read(MemorySegment bytes, String name) {
        return parse(bytes, Path.of(name), null);
    }

    /** The dtype names of safetensors and the ggml types jllm reads them as; others are refused. */
    static GgmlType typeOf(String dtype) {
        return switch (dtype) {
            case "F32" -> GgmlType.F32;
            case "F16" -> GgmlType.F16;
            case "BF16" -> GgmlType.BF16;
            case "F64" -> GgmlType.F64;
            case "I8" -> GgmlType.I8;
            case "I16" -> GgmlType.I16;
            case "I32" -> GgmlType.I32;
            case "I64" -> GgmlType.I64;
            default -> null;
        };
    }

    static String dtypeOf(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, F64, I8, I16, I32, I64 -> type.name();
            default -> throw new IllegalArgumentException("safetensors cannot hold " + type + " tensors");
        };
    }

    private static SafetensorsFile parse(MemorySegment all, Path path, Arena arena) {
        ByteReader in = new ByteReader(all, path.toString());
        long headerBytes = in.i64("header_size");
        if (headerBytes < 2 || headerBytes > MAX_HEADER_BYTES || headerBytes > in.remaining()) {
            throw in.error("header_size", 0, "JSON header of " + Long.toUnsignedString(headerBytes)
                    + " bytes does not fit the " + all.byteSize() + "-byte file (limit " + MAX_HEADER_BYTES
                    + "); not a safetensors file, or truncated");
        }
        byte[] json = in.bytes(headerBytes, "header");
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw in.error("header", 8, "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw in.error("header", 8, "unreadable JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw in.error("header", 8, "JSON header is not an object");
        }
        long dataStart = 8 + headerBytes;
        long dataBytes = all.byteSize() - dataStart;
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) {
                    throw in.error("__metadata__", 8, "must be an object of strings");
                }
                v.properties().forEach(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            String f = "tensor '" + name + "'";
            if (!v.isObject()) {
                throw in.error(f, 8, "header entry is not an object");
            }
            JsonNode dt = v.get("dtype");
            if (dt == null || !dt.isTextual()) {
                throw in.error(f + ".dtype", 8, "missing or not a string");
            }
            GgmlType type = typeOf(dt.asText());
            if (type == null) {
                throw in.error(f + ".dtype", 8, "has dtype " + dt.asText() + ", which jllm does not support yet");
            }
            JsonNode sh = v.get("shape");
            if (sh == null || !sh.isArray() || sh.size() > 8) {
                throw in.error(f + ".shape", 8, "missing, not an array, or more than 8 dimensions");
            }
            long[] shape = new long[Math.max(1, sh.size())];
            shape[0] = 1;
            long elements = 1;
            for (int i = 0; i < sh.size(); i++) {
                JsonNode d = sh.get(i);
                if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0
                        || (d.asLong() > 0 && elements > Long.MAX_VALUE / 8 / d.asLong())) {
                    throw in.error(f + ".shape[" + i + "]", 8, "dimension " + d + " is not a sane non-negative integer");
                }
                shape[sh.size() - 1 - i] = d.asLong(); // row-major -> innermost first
                elements *= d.asLong();
            }
            JsonNode off = v.get("data_offsets");
            if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).canConvertToLong()
                    || !off.get(1).canConvertToLong() || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()) {
                throw in.error(f + ".data_offsets", 8, "must be [begin, end]");
            }
            long begin = off.get(0).asLong();
            long end = off.get(1).asLong();
            long want = elements * type.bytesPerBlock();
            if (begin < 0 || end < begin || end > dataBytes) {
                throw in.error(f + ".data_offsets", 8, "byte range [" + begin + ", " + end + ") lies outside the "
                        + dataBytes + " data bytes (truncated?)");
            }
            if (end - begin != want) {
                throw in.error(f + ".data_offsets", 8, "range of " + (end - begin) + " bytes does not match "
                        + dt.asText() + " " + sh + " (" + want + " bytes)");
            }
            tensors.put(name, new TensorData(name, type, shape, all.asSlice(dataStart + begin, want)));
        }
        return new SafetensorsFile(path, arena, tensors, metadata, all.byteSize());
    }

    /** The free-form {@code __metadata__} strings. */
    public Map<String, String> metadata() { return metadata; }

    @Override
    public Format format() { return Format.SAFETENSORS; }

    @Override
    public Path path() { return path; }

    @Override
    public long fileBytes() { return fileBytes; }

    @Override
    public List<TensorData> tensors() { return List.copyOf(tensors.values()); }

    @Override
    public Map<String, TensorData> tensorMap() { return tensors; }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }
}
