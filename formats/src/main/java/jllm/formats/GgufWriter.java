package jllm.formats;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes a GGUF version 3 file: metadata, tensor infos, then the tensor data, each tensor aligned
 * to {@code general.alignment} (32 by default). The file is written atomically (see
 * {@link AtomicFiles}), so a crash never leaves a half-written model behind.
 *
 * <pre>{@code
 * GgufWriter w = new GgufWriter();
 * w.put("general.architecture", MetadataValue.ofString("llama"));
 * w.addTensor("token_embd.weight", GgmlType.F32, new long[] {dim, vocab}, segment);
 * w.write(path);
 * }</pre>
 */
public final class GgufWriter {
    private final Map<String, MetadataValue> metadata = new LinkedHashMap<>();
    private final List<Pending> tensors = new ArrayList<>();

    private record Pending(String name, GgmlType type, long[] shape, long bytes, Consumer<MemorySegment> fill) {}

    /** Sets (or replaces) a metadata entry; order of first insertion is kept. */
    public GgufWriter put(String key, MetadataValue value) {
        if (key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > GgufFile.MAX_KEY_BYTES) {
            throw new IllegalArgumentException("metadata key longer than " + GgufFile.MAX_KEY_BYTES + " bytes");
        }
        metadata.put(key, value);
        return this;
    }

    /** Copies all entries of another file's metadata. */
    public GgufWriter putAll(GgufMetadata other) {
        other.asMap().forEach(this::put);
        return this;
    }

    /** The metadata set so far, in insertion order (read-only view). */
    public Map<String, MetadataValue> metadata() {
        return java.util.Collections.unmodifiableMap(metadata);
    }

    /** Removes a metadata entry if present. */
    public GgufWriter remove(String key) {
        metadata.remove(key);
        return this;
    }

    /** Adds a tensor whose bytes are copied from {@code data}, which must hold exactly its size. */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, MemorySegment data) {
        long bytes = byteSize(name, type, shape);
        if (data.byteSize() != bytes) {
            throw new IllegalArgumentException("tensor " + name + ": " + type + " " + java.util.Arrays.toString(shape)
                    + " needs " + bytes + " bytes, got " + data.byteSize());
        }
        return add(new Pending(name, type, shape.clone(), bytes, dst -> MemorySegment.copy(data, 0, dst, 0, bytes)));
    }

    /** Adds a float32 tensor from a heap array. */
    public GgufWriter addTensor(String name, long[] shape, float[] values) {
        return addTensor(name, GgmlType.F32, shape, MemorySegment.ofArray(values));
    }

    /**
     * Adds a tensor whose bytes {@code fill} writes straight into the output file's mapping (its
     * argument is exactly the tensor's bytes, zero-filled), for tensors too large to stage.
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, Consumer<MemorySegment> fill) {
        return add(new Pending(name, type, shape.clone(), byteSize(name, type, shape), fill));
    }

    private GgufWriter add(Pending p) {
        for (Pending t : tensors) {
            if (t.name.equals(p.name)) {
                throw new IllegalArgumentException("tensor " + p.name + " added twice");
            }
        }
        tensors.add(p);
        return this;
    }

    private static long byteSize(String name, GgmlType type, long[] shape) {
        if (shape.length < 1 || shape.length > GgufFile.MAX_DIMS) {
            throw new IllegalArgumentException("tensor " + name + ": GGUF allows 1 to 4 dimensions");
        }
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor " + name + ": negative dimension");
            }
            n = Math.multiplyExact(n, d);
        }
        if (shape[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor " + name + ": row length " + shape[0]
                    + " is not a multiple of the " + type + " block size " + type.blockSize());
        }
        return type.rowBytes(n);
    }

    /** Writes the file atomically. */
    public void write(Path path) throws IOException {
        int alignment = GgufFile.DEFAULT_ALIGNMENT;
        MetadataValue a = metadata.get(GgufFile.ALIGNMENT_KEY);
        if (a != null) {
            if (a.type() != GgufValueType.UINT32 || Long.bitCount((Long) a.value()) != 1) {
                throw new IllegalArgumentException(GgufFile.ALIGNMENT_KEY + " must be a UINT32 power of two");
            }
            alignment = (int) (long) (Long) a.value();
        }

        LittleEndianBuffer h = new LittleEndianBuffer();
        h.i32(GgufFile.MAGIC).i32(3).i64(tensors.size()).i64(metadata.size());
        metadata.forEach((k, v) -> {
            h.string(k).i32(v.type().id());
            writeValue(h, v.type(), v.value());
        });
        long[] offsets = new long[tensors.size()];
        long dataBytes = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Pending t = tensors.get(i);
            offsets[i] = dataBytes;
            dataBytes = GgufFile.alignUp(dataBytes + t.bytes, alignment);
            h.string(t.name).i32(t.shape.length);
            for (long d : t.shape) {
                h.i64(d);
            }
            h.i32(t.type.id()).i64(offsets[i]);
        }
        long dataOffset = GgufFile.alignUp(h.size(), alignment);
        long total = dataOffset + dataBytes;
        int align = alignment;
        AtomicFiles.write(path, ch -> {
            ByteBuffer header = h.flipped();
            while (header.hasRemaining()) {
                ch.write(header);
            }
            if (tensors.isEmpty()) {
                ch.write(ByteBuffer.allocate((int) (dataOffset - h.size())));
                return;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = ch.map(FileChannel.MapMode.READ_WRITE, 0, total, arena);
                for (int i = 0; i < tensors.size(); i++) {
                    Pending t = tensors.get(i);
                    t.fill.accept(out.asSlice(dataOffset + offsets[i], t.bytes));
                }
                out.force();
            }
            assert total % align == 0;
        });
    }

    private static void writeValue(LittleEndianBuffer h, GgufValueType type, Object value) {
        switch (type) {
            case UINT8, INT8 -> h.u8((int) (long) (Long) value);
            case UINT16, INT16 -> h.i16((int) (long) (Long) value);
            case UINT32, INT32 -> h.i32((int) (long) (Long) value);
            case UINT64, INT64 -> h.i64((Long) value);
            case FLOAT32 -> h.f32((Float) value);
            case FLOAT64 -> h.f64((Double) value);
            case BOOL -> h.u8((Boolean) value ? 1 : 0);
            case STRING -> h.string((String) value);
            case ARRAY -> {
                MetadataValue.Array arr = (MetadataValue.Array) value;
                h.i32(arr.elementType().id()).i64(arr.length());
                switch (arr.values()) {
                    case long[] l -> {
                        for (long v : l) {
                            writeValue(h, arr.elementType(), v);
                        }
                    }
                    case float[] f -> {
                        for (float v : f) {
                            h.f32(v);
                        }
                    }
                    case double[] d -> {
                        for (double v : d) {
                            h.f64(v);
                        }
                    }
                    case boolean[] b -> {
                        for (boolean v : b) {
                            h.u8(v ? 1 : 0);
                        }
                    }
                    case String[] s -> {
                        for (String v : s) {
                            h.string(v);
                        }
                    }
                    case List<?> nested -> {
                        for (Object n : nested) {
                            writeValue(h, GgufValueType.ARRAY, n);
                        }
                    }
                    default -> throw new IllegalStateException();
                }
            }
        }
    }
}
