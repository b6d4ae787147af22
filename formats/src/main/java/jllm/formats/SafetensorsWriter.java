package jllm.formats;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes one {@code .safetensors} file atomically. Shapes are given in ggml order (innermost
 * first, as {@link TensorData} has them) and stored row-major as safetensors expects.
 */
public final class SafetensorsWriter {
    private record Pending(String name, GgmlType type, long[] shape, MemorySegment data) {}

    private final List<Pending> tensors = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds a free-form {@code __metadata__} entry. */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds a tensor (F32, F16, BF16, F64 or an integer type) whose bytes are {@code data}. */
    public SafetensorsWriter add(String name, GgmlType type, long[] shape, MemorySegment data) {
        SafetensorsFile.dtypeOf(type);
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        if (n * type.bytesPerBlock() != data.byteSize()) {
            throw new IllegalArgumentException("tensor " + name + " needs " + n * type.bytesPerBlock()
                    + " bytes, got " + data.byteSize());
        }
        if (name.equals("__metadata__") || tensors.stream().anyMatch(t -> t.name.equals(name))) {
            throw new IllegalArgumentException("tensor name " + name + " is reserved or used twice");
        }
        tensors.add(new Pending(name, type, shape.clone(), data));
        return this;
    }

    /** Adds a float32 tensor from a heap array. */
    public SafetensorsWriter add(String name, long[] shape, float[] values) {
        return add(name, GgmlType.F32, shape, MemorySegment.ofArray(values));
    }

    public void write(Path path) throws IOException {
        ObjectNode header = SafetensorsFile.JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Pending t : tensors) {
            ObjectNode o = header.putObject(t.name);
            o.put("dtype", SafetensorsFile.dtypeOf(t.type));
            ArrayNode shape = o.putArray("shape");
            for (int i = t.shape.length - 1; i >= 0; i--) {
                shape.add(t.shape[i]);
            }
            o.putArray("data_offsets").add(offset).add(offset + t.data.byteSize());
            offset += t.data.byteSize();
        }
        byte[] json = SafetensorsFile.JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // keeps the data 8-byte aligned, as the reference writer does
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        long dataBytes = offset;
        long total = 8 + padded + dataBytes;
        AtomicFiles.write(path, ch -> {
            while (head.hasRemaining()) {
                ch.write(head);
            }
            if (dataBytes == 0) {
                return;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = ch.map(FileChannel.MapMode.READ_WRITE, 0, total, arena);
                long at = 8 + padded;
                for (Pending t : tensors) {
                    MemorySegment.copy(t.data, 0, out, at, t.data.byteSize());
                    at += t.data.byteSize();
                }
                out.force();
            }
        });
    }
}
