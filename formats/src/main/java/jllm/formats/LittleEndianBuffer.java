package jllm.formats;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** A growable little-endian byte buffer for building file headers. */
final class LittleEndianBuffer {
    private ByteBuffer buf = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);

    private ByteBuffer room(int n) {
        if (buf.remaining() < n) {
            int cap = Math.max(buf.capacity() * 2, buf.position() + n);
            ByteBuffer bigger = ByteBuffer.allocate(cap).order(ByteOrder.LITTLE_ENDIAN);
            buf.flip();
            bigger.put(buf);
            buf = bigger;
        }
        return buf;
    }

    LittleEndianBuffer u8(int v) { room(1).put((byte) v); return this; }

    LittleEndianBuffer i16(int v) { room(2).putShort((short) v); return this; }

    LittleEndianBuffer i32(int v) { room(4).putInt(v); return this; }

    LittleEndianBuffer i64(long v) { room(8).putLong(v); return this; }

    LittleEndianBuffer f32(float v) { room(4).putFloat(v); return this; }

    LittleEndianBuffer f64(double v) { room(8).putDouble(v); return this; }

    LittleEndianBuffer bytes(byte[] b) { room(b.length).put(b); return this; }

    /** A GGUF string: u64 byte length, then UTF-8 bytes. */
    LittleEndianBuffer string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return i64(b.length).bytes(b);
    }

    LittleEndianBuffer zeros(int n) { room(n).put(new byte[n]); return this; }

    int size() { return buf.position(); }

    ByteBuffer flipped() {
        return buf.duplicate().flip();
    }
}
