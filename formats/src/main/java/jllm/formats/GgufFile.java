package jllm.formats;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3, little-endian), opened as one read-only memory mapping. The header,
 * metadata and tensor infos are parsed on open; tensor data stays in the mapping and each
 * {@link TensorData} is a slice of it, so opening costs time and heap in proportion to the header,
 * not the file. Close the file to unmap it; its tensors cannot be read after that.
 *
 * <p>Everything read from the file is checked before use: a corrupt or truncated file fails with a
 * {@link FormatException} naming the field and offset, never with a JVM crash or a huge allocation.
 */
public final class GgufFile implements ModelFile {
    /** "GGUF" read as a little-endian int. */
    static final int MAGIC = 0x46554747;
    /** ggml's default when {@code general.alignment} is absent. */
    public static final int DEFAULT_ALIGNMENT = 32;
    public static final String ALIGNMENT_KEY = "general.alignment";
    static final int MAX_DIMS = 4;
    static final int MAX_NESTING = 8;
    static final int MAX_KEY_BYTES = 65535;
    static final int MAX_TENSOR_NAME_BYTES = 1024;

    private final Path path;
    private final Arena arena;
    private final int version;
    private final GgufMetadata metadata;
    private final Map<String, TensorData> tensors;
    private final int alignment;
    private final long dataOffset;
    private final long fileBytes;

    private GgufFile(Path path, Arena arena, int version, GgufMetadata metadata,
                     Map<String, TensorData> tensors, int alignment, long dataOffset, long fileBytes) {
        this.path = path;
        this.arena = arena;
        this.version = version;
        this.metadata = metadata;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.alignment = alignment;
        this.dataOffset = dataOffset;
        this.fileBytes = fileBytes;
    }

    /**
     * Maps and parses a GGUF file.
     *
     * @throws FormatException when the file is not valid GGUF
     * @throws IOException     when it cannot be read
     */
    public static GgufFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return parse(all, path, arena);
        } catch (RuntimeException | IOException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Parses GGUF bytes already in memory (tests, embedded resources); {@code name} appears in errors. */
    public static GgufFile read(MemorySegment bytes, String name) {
        return parse(bytes, Path.of(name), null);
    }

    private static GgufFile parse(MemorySegment all, Path path, Arena arena) {
        ByteReader in = new ByteReader(all, path.toString());
        int magic = in.i32("magic");
        if (magic != MAGIC) {
            throw in.error("magic", 0, String.format("not a GGUF file (starts with %08x, expected \"GGUF\")", magic));
        }
        int version = in.i32("version");
        if (version != 2 && version != 3) {
            String why = Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3
                    ? "is a big-endian GGUF, which jllm does not read"
                    : version == 1 ? "is GGUF version 1, which jllm does not read (convert it again with a current llama.cpp)"
                    : "has version " + Integer.toUnsignedString(version) + "; jllm reads versions 2 and 3";
            throw in.error("version", 4, "file " + why);
        }
        long tensorCount = in.count("tensor_count", 24);
        long kvCount = in.count("metadata_kv_count", 13);

        Map<String, MetadataValue> kv = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = in.position();
            String key = in.utf8(keyLength(in, "metadata[" + i + "].key"), "metadata[" + i + "].key");
            String field = "metadata '" + key + "'";
            MetadataValue value = readValue(in, field, readType(in, field + ".type"), 0);
            if (kv.putIfAbsent(key, value) != null) {
                throw in.error(field, at, "key appears twice");
            }
        }
        GgufMetadata metadata = new GgufMetadata(path.toString(), kv);
        int alignment = DEFAULT_ALIGNMENT;
        if (kv.containsKey(ALIGNMENT_KEY)) {
            MetadataValue a = kv.get(ALIGNMENT_KEY);
            long v = a.type().isInteger() ? (Long) a.value() : -1;
            if (a.type() != GgufValueType.UINT32 || v <= 0 || Long.bitCount(v) != 1) {
                throw in.error(ALIGNMENT_KEY, -1, "must be a UINT32 power of two, found " + a.type() + " " + a.value());
            }
            alignment = (int) v;
        }

        record Info(String name, GgmlType type, long[] shape, long offset, long bytes, long at) {}
        List<Info> infos = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            String f = "tensor_infos[" + i + "]";
            long at = in.position();
            long nameLen = in.i64(f + ".name.length");
            if (nameLen < 0 || nameLen > MAX_TENSOR_NAME_BYTES) {
                throw in.error(f + ".name.length", at, "tensor name of " + Long.toUnsignedString(nameLen)
                        + " bytes (limit " + MAX_TENSOR_NAME_BYTES + ")");
            }
            String name = in.utf8(nameLen, f + ".name");
            f = "tensor '" + name + "'";
            long dimsAt = in.position();
            int nDims = in.i32(f + ".n_dims");
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw in.error(f + ".n_dims", dimsAt, "has " + Integer.toUnsignedString(nDims)
                        + " dimensions; GGUF allows 1 to " + MAX_DIMS);
            }
            long[] shape = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                long dAt = in.position();
                shape[d] = in.i64(f + ".dims[" + d + "]");
                if (shape[d] < 0 || (shape[d] > 0 && elements > Long.MAX_VALUE / 8 / shape[d])) {
                    throw in.error(f + ".dims[" + d + "]", dAt, "dimension " + Long.toUnsignedString(shape[d])
                            + " is negative or makes the tensor impossibly large");
                }
                elements *= shape[d];
            }
            long typeAt = in.position();
            int typeId = in.i32(f + ".type");
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) {
                throw in.error(f + ".type", typeAt, "unknown ggml tensor type id " + Integer.toUnsignedString(typeId));
            }
            if (type.isRemoved()) {
                throw in.error(f + ".type", typeAt, "has type " + type + ", which ggml removed; jllm cannot read it");
            }
            if (shape[0] % type.blockSize() != 0) {
                throw in.error(f + ".dims[0]", dimsAt + 4, "row length " + shape[0] + " is not a multiple of the "
                        + type + " block size " + type.blockSize());
            }
            long bytes = elements / type.blockSize() * type.bytesPerBlock();
            long offAt = in.position();
            long offset = in.i64(f + ".offset");
            if (offset < 0 || offset % alignment != 0) {
                throw in.error(f + ".offset", offAt, "data offset " + Long.toUnsignedString(offset)
                        + " is not a multiple of the alignment " + alignment);
            }
            infos.add(new Info(name, type, shape, offset, bytes, at));
        }

        long dataOffset = alignUp(in.position(), alignment);
        long fileBytes = all.byteSize();
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (Info t : infos) {
            String f = "tensor '" + t.name + "'";
            if (t.offset > fileBytes - dataOffset || t.bytes > fileBytes - dataOffset - t.offset) {
                throw in.error(f + ".offset", t.at, "data [" + t.offset + ", " + (t.offset + t.bytes)
                        + ") relative to the data section at " + dataOffset + " lies beyond the end of the "
                        + fileBytes + "-byte file (truncated?)");
            }
            MemorySegment data = all.asSlice(dataOffset + t.offset, t.bytes);
            if (tensors.putIfAbsent(t.name, new TensorData(t.name, t.type, t.shape, data)) != null) {
                throw in.error(f, t.at, "tensor name appears twice");
            }
        }
        return new GgufFile(path, arena, version, metadata, tensors, alignment, dataOffset, fileBytes);
    }

    private static long keyLength(ByteReader in, String field) {
        long at = in.position();
        long n = in.i64(field + ".length");
        if (n < 0 || n > MAX_KEY_BYTES) {
            throw in.error(field + ".length", at, "key of " + Long.toUnsignedString(n) + " bytes (limit "
                    + MAX_KEY_BYTES + ")");
        }
        return n;
    }

    private static GgufValueType readType(ByteReader in, String field) {
        long at = in.position();
        int id = in.i32(field);
        GgufValueType t = GgufValueType.byId(id);
        if (t == null) {
            throw in.error(field, at, "unknown metadata value type " + Integer.toUnsignedString(id));
        }
        return t;
    }

    private static MetadataValue readValue(ByteReader in, String field, GgufValueType type, int depth) {
        return switch (type) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 ->
                    new MetadataValue(type, readInteger(in, field, type));
            case FLOAT32 -> new MetadataValue(type, in.f32(field));
            case FLOAT64 -> new MetadataValue(type, in.f64(field));
            case BOOL -> {
                long at = in.position();
                byte b = in.u8(field);
                if (b != 0 && b != 1) {
                    throw in.error(field, at, "BOOL value " + (b & 0xFF) + " is neither 0 nor 1");
                }
                yield new MetadataValue(type, b == 1);
            }
            case STRING -> new MetadataValue(type, in.utf8(in.count(field + ".length", 1), field));
            case ARRAY -> new MetadataValue(type, readArray(in, field, depth));
        };
    }

    /** An integer of any width, widened to a long (unsigned types stay non-negative). */
    private static long readInteger(ByteReader in, String field, GgufValueType type) {
        return switch (type) {
            case UINT8 -> in.u8(field) & 0xFF;
            case INT8 -> in.u8(field);
            case UINT16 -> in.i16(field) & 0xFFFF;
            case INT16 -> in.i16(field);
            case UINT32 -> in.i32(field) & 0xFFFFFFFFL;
            case INT32 -> in.i32(field);
            case UINT64, INT64 -> in.i64(field);
            default -> throw new IllegalArgumentException(type + " is not an integer type");
        };
    }

    private static MetadataValue.Array readArray(ByteReader in, String field, int depth) {
        if (depth >= MAX_NESTING) {
            throw in.error(field, in.position(), "arrays nested more than " + MAX_NESTING + " deep");
        }
        GgufValueType et = readType(in, field + ".element_type");
        long lengthAt = in.position();
        long count = in.count(field + ".length", et.minBytes());
        if (count > Integer.MAX_VALUE - 8) {
            throw in.error(field + ".length", lengthAt, "array of " + count + " elements is too long");
        }
        int n = (int) count;
        Object values = switch (et) {
            case FLOAT32 -> in.f32s(n, field);
            case FLOAT64 -> {
                double[] a = new double[n];
                for (int i = 0; i < n; i++) {
                    a[i] = in.f64(field);
                }
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (Boolean) readValue(in, field + "[" + i + "]", et, depth).value();
                }
                yield a;
            }
            case STRING -> {
                // Checks every length now; the bytes are copied in one piece and decoded into
                // strings when first used (StringTable). No per-element field names either: they
                // are built only for an error message.
                long start = in.position();
                int[] offsets = in.stringOffsets(n, field);
                long bytes = in.position() - start;
                in.seek(start);
                yield new StringTable(in.bytes(bytes, field), offsets);
            }
            case ARRAY -> {
                List<MetadataValue.Array> a = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    a.add(readArray(in, field + "[" + i + "]", depth + 1));
                }
                yield a;
            }
            case INT32, UINT32 -> {   // a vocabulary's token types: one bulk read, then widened
                int[] raw = in.i32s(n, field);
                long[] a = new long[n];
                long mask = et == GgufValueType.UINT32 ? 0xFFFFFFFFL : -1L;
                for (int i = 0; i < n; i++) {
                    a[i] = raw[i] & mask;
                }
                yield a;
            }
            default -> {
                long[] a = new long[n];
                in.require((long) n * et.minBytes(), field);
                for (int i = 0; i < n; i++) {
                    a[i] = readInteger(in, field, et);
                }
                yield a;
            }
        };
        return new MetadataValue.Array(et, values);
    }

    static long alignUp(long offset, long alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    @Override
    public Format format() { return Format.GGUF; }

    @Override
    public Path path() { return path; }

    /** 2 or 3. */
    public int version() { return version; }

    public GgufMetadata metadata() { return metadata; }

    /** {@code general.architecture}, e.g. "llama". */
    public String architecture() { return metadata.getString("general.architecture"); }

    /** The alignment of tensor data, from {@code general.alignment} or 32. */
    public int alignment() { return alignment; }

    /** Byte offset of the tensor data section. */
    public long dataOffset() { return dataOffset; }

    @Override
    public long fileBytes() { return fileBytes; }

    @Override
    public List<TensorData> tensors() { return List.copyOf(tensors.values()); }

    @Override
    public Map<String, TensorData> tensorMap() { return tensors; }

    /** Unmaps the file. */
    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }
}
