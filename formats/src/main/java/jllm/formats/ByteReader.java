package jllm.formats;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A bounds-checked little-endian cursor over a file's bytes. Every read that would pass the end
 * becomes a {@link FormatException} naming the file, the field being read and its offset, so a
 * truncated or corrupt header can never read outside the mapping or allocate without limit.
 */
final class ByteReader {
    static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment bytes;
    private final String file;
    private long position;

    ByteReader(MemorySegment bytes, String file) {
        this.bytes = bytes;
        this.file = file;
    }

    String file() { return file; }

    long position() { return position; }

    void seek(long position) { this.position = position; }

    long size() { return bytes.byteSize(); }

    long remaining() { return bytes.byteSize() - position; }

    FormatException error(String field, long offset, String problem) {
        return new FormatException(file, field, offset, problem);
    }

    /** Fails unless {@code n} more bytes can be read for {@code field}. */
    void require(long n, String field) {
        if (n < 0 || n > remaining()) {
            throw error(field, position, "needs " + n + " bytes but the file has only " + Math.max(0, remaining())
                    + " left (truncated or corrupt)");
        }
    }

    byte u8(String field) {
        require(1, field);
        return bytes.get(U8, position++);
    }

    short i16(String field) {
        require(2, field);
        short v = bytes.get(I16, position);
        position += 2;
        return v;
    }

    int i32(String field) {
        require(4, field);
        int v = bytes.get(I32, position);
        position += 4;
        return v;
    }

    long i64(String field) {
        require(8, field);
        long v = bytes.get(I64, position);
        position += 8;
        return v;
    }

    float f32(String field) {
        require(4, field);
        float v = bytes.get(F32, position);
        position += 4;
        return v;
    }

    double f64(String field) {
        require(8, field);
        double v = bytes.get(F64, position);
        position += 8;
        return v;
    }

    /**
     * {@code n} little-endian floats in one bulk copy. A 128k vocabulary's scores read one at a
     * time were 128k calls through the memory-segment accessors, mostly interpreted in a cold start.
     */
    float[] f32s(int n, String field) {
        require(4L * n, field);   // before allocating: n comes from the file
        return copyInto(new float[n], F32, n);
    }

    /** {@code n} little-endian 32-bit integers in one bulk copy (see {@link #f32s}). */
    int[] i32s(int n, String field) {
        require(4L * n, field);
        return copyInto(new int[n], I32, n);
    }

    /** Copies n elements of the layout from here into the array (bounds already checked) and moves past them. */
    private <A> A copyInto(A array, ValueLayout layout, int n) {
        MemorySegment.copy(bytes, layout, position, array, 0, n);
        position += layout.byteSize() * n;
        return array;
    }

    /**
     * Where each of {@code n} length-prefixed strings (u64 length, then the bytes) starting here
     * begins, relative to here, plus the end of the last + 8 at {@code [n]}; moves past them and
     * checks every length against the file. One loop over the lengths, for the ~400k strings of a
     * 128k vocabulary: calling {@link #count} per string made a cold GGUF read ~20 ms slower
     * (medians of 8, 91 vs 113 ms), its calls mostly interpreted.
     */
    int[] stringOffsets(int n, String field) {
        long start = position, end = bytes.byteSize(), p = position;
        int[] offsets = new int[n + 1];
        for (int i = 0; i < n; i++) {
            if (end - p < 8) {
                position = p;
                require(8, elementName(field, i));
            }
            long length = bytes.get(I64, p);
            if (length < 0 || length > end - p - 8) {
                throw countTooLarge(elementName(field, i), p, length, end - p - 8);
            }
            long at = p + 8 - start;
            if (at + length > Integer.MAX_VALUE - 16) {
                throw error(field, start, "string array of more than " + (Integer.MAX_VALUE - 16) + " bytes");
            }
            offsets[i] = (int) at;
            p += 8 + length;
        }
        offsets[n] = (int) (p - start) + 8;
        position = p;
        return offsets;
    }

    /** Reads a count (u64) that must be small enough that {@code count * minBytesEach} bytes can follow. */
    long count(String field, long minBytesEach) {
        return count(field, -1, minBytesEach);
    }

    /**
     * {@link #count} of element {@code index} of array {@code field} (its name, {@code
     * field[index].length}, is built only for an error: a vocabulary has ~400k such counts);
     * {@code index} -1: {@code field} itself.
     */
    long count(String field, int index, long minBytesEach) {
        long at = position;
        if (remaining() < 8) {
            require(8, elementName(field, index));
        }
        long n = bytes.get(I64, position);
        position += 8;
        if (n < 0 || (minBytesEach > 0 && n > remaining() / minBytesEach)) {
            throw countTooLarge(elementName(field, index), at, n, remaining());
        }
        return n;
    }

    private FormatException countTooLarge(String name, long at, long count, long remaining) {
        return error(name, at, "count " + Long.toUnsignedString(count) + " cannot fit in the " + remaining + " bytes that follow");
    }

    private static String elementName(String field, int index) {
        return index < 0 ? field : field + "[" + index + "].length";
    }

    /** Reads {@code length} bytes as UTF-8 (GGUF and safetensors strings are UTF-8 by spec). */
    String utf8(long length, String field) {
        return new String(bytes(length, field), StandardCharsets.UTF_8);
    }

    byte[] bytes(long length, String field) {
        require(length, field);
        if (length > Integer.MAX_VALUE - 16) {
            throw error(field, position, length + " bytes is too long");
        }
        byte[] raw = bytes.asSlice(position, length).toArray(U8);
        position += length;
        return raw;
    }
}
