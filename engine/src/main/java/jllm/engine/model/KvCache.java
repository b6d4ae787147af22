package jllm.engine.model;

import jllm.kernels.Ops;

/**
 * Keys and values of every layer for every cached position, in float32 (exact, what llama.cpp's
 * fixtures use) or float16 (half the memory, llama.cpp's default). Rows are {@code kvDim} wide;
 * a head's slice starts at {@code head * headDim}.
 *
 * <p>Memory comes in blocks of {@link #BLOCK} positions, allocated when a position in them is first
 * stored: a 4096-token cache for a 1B model is 268 MB, and allocating it whole before the first
 * prompt cost about 0.2 s of zeroing and young-generation copying, and as much resident memory
 * however short the conversation.
 */
abstract sealed class KvCache permits KvCache.F32, KvCache.F16 {

    /** The element type of the cache. */
    public enum Type { F32, F16 }

    /** Positions per block (a power of two). */
    static final int BLOCK = 256;
    private static final int SHIFT = Integer.numberOfTrailingZeros(BLOCK);

    final int kvDim;

    KvCache(int kvDim) {
        this.kvDim = kvDim;
    }

    static KvCache create(Type type, int layers, int positions, int kvDim) {
        Math.multiplyExact(positions, kvDim);
        int blocks = (positions + BLOCK - 1) >> SHIFT;
        return type == Type.F32 ? new F32(layers, blocks, kvDim) : new F16(layers, blocks, kvDim);
    }

    /** The block holding a position. */
    static int block(int pos) {
        return pos >> SHIFT;
    }

    /** Where a position's row starts inside its block. */
    final int at(int pos) {
        return (pos & (BLOCK - 1)) * kvDim;
    }

    /** Values in one block. */
    final int blockLength() {
        return BLOCK * kvDim;
    }

    /** Blocks allocated so far in each of the keys and the values (for tests). */
    abstract int allocatedBlocks();

    /**
     * {@link #move} for either element type: {@code keys[layer][block]} and the values are float[]
     * or short[] blocks (null until first stored), {@code newBlock} makes an empty one.
     */
    final void moveRows(Object[][] keys, Object[][] values, java.util.function.Supplier<Object> newBlock,
                        int from, int to, int count) {
        for (int l = 0; l < keys.length; l++) {
            for (int i = 0; i < count; i++) {
                int s = from + i, d = to + i;   // to < from: front to back never overwrites a source
                if (keys[l][block(d)] == null) {
                    keys[l][block(d)] = newBlock.get();
                    values[l][block(d)] = newBlock.get();
                }
                System.arraycopy(keys[l][block(s)], at(s), keys[l][block(d)], at(d), kvDim);
                System.arraycopy(values[l][block(s)], at(s), values[l][block(d)], at(d), kvDim);
            }
        }
    }

    /** {@link #allocatedBlocks} for either element type. */
    static int countBlocks(Object[][] keys) {
        int c = 0;
        for (Object[] layer : keys) {
            for (Object b : layer) {
                c += b != null ? 1 : 0;
            }
        }
        return c;
    }

    /** Bytes per cached token (keys and values of all layers). */
    static long bytesPerToken(Type type, int layers, int kvDim) {
        return 2L * layers * kvDim * (type == Type.F32 ? 4 : 2);
    }

    /** Stores {@code rows} rows of keys and values for positions {@code pos..pos+rows}. */
    abstract void store(int layer, int pos, float[] k, float[] v, int rows);

    /**
     * Dot product of {@code q[qOff..qOff+n)} with the key slice at (layer, pos, off); scratch:
     * {@link Ops#DOT_SCRATCH} floats of the calling thread's.
     */
    abstract float dotKey(int layer, int pos, int off, float[] q, int qOff, int n, float[] scratch);

    /** {@code out[outOff..] += weight * value slice at (layer, pos, off)}. */
    abstract void addValue(int layer, int pos, int off, float weight, float[] out, int outOff, int n);

    /** Copies {@code count} positions from {@code from} to {@code to} in every layer. */
    abstract void move(int from, int to, int count);

    /** Reads a key slice into {@code dst}. */
    abstract void readKey(int layer, int pos, int off, float[] dst, int n);

    /** Overwrites a key slice from {@code src}. */
    abstract void writeKey(int layer, int pos, int off, float[] src, int n);

    static final class F32 extends KvCache {
        private final float[][][] keys, values;   // [layer][block][row in block * kvDim + i]

        F32(int layers, int blocks, int kvDim) {
            super(kvDim);
            keys = new float[layers][blocks][];
            values = new float[layers][blocks][];
        }

        @Override
        void store(int layer, int pos, float[] k, float[] v, int rows) {
            for (int r = 0; r < rows; r++) {
                int p = pos + r, b = block(p);
                if (keys[layer][b] == null) {
                    keys[layer][b] = new float[blockLength()];
                    values[layer][b] = new float[blockLength()];
                }
                System.arraycopy(k, r * kvDim, keys[layer][b], at(p), kvDim);
                System.arraycopy(v, r * kvDim, values[layer][b], at(p), kvDim);
            }
        }

        @Override
        float dotKey(int layer, int pos, int off, float[] q, int qOff, int n, float[] scratch) {
            return Ops.dot(q, qOff, keys[layer][block(pos)], at(pos) + off, n, scratch);
        }

        @Override
        void addValue(int layer, int pos, int off, float weight, float[] out, int outOff, int n) {
            Ops.axpy(weight, values[layer][block(pos)], at(pos) + off, out, outOff, n);
        }

        @Override
        void move(int from, int to, int count) {
            moveRows(keys, values, () -> new float[blockLength()], from, to, count);
        }

        @Override
        void readKey(int layer, int pos, int off, float[] dst, int n) {
            System.arraycopy(keys[layer][block(pos)], at(pos) + off, dst, 0, n);
        }

        @Override
        void writeKey(int layer, int pos, int off, float[] src, int n) {
            System.arraycopy(src, 0, keys[layer][block(pos)], at(pos) + off, n);
        }

        @Override
        int allocatedBlocks() {
            return countBlocks(keys);
        }
    }

    static final class F16 extends KvCache {
        private final short[][][] keys, values;   // [layer][block][row in block * kvDim + i]

        F16(int layers, int blocks, int kvDim) {
            super(kvDim);
            keys = new short[layers][blocks][];
            values = new short[layers][blocks][];
        }

        @Override
        void store(int layer, int pos, float[] k, float[] v, int rows) {
            for (int r = 0; r < rows; r++) {
                int p = pos + r, b = block(p);
                if (keys[layer][b] == null) {
                    keys[layer][b] = new short[blockLength()];
                    values[layer][b] = new short[blockLength()];
                }
                short[] kb = keys[layer][b], vb = values[layer][b];
                int base = at(p);
                for (int i = 0; i < kvDim; i++) {
                    kb[base + i] = Float.floatToFloat16(k[r * kvDim + i]);
                    vb[base + i] = Float.floatToFloat16(v[r * kvDim + i]);
                }
            }
        }

        @Override
        float dotKey(int layer, int pos, int off, float[] q, int qOff, int n, float[] scratch) {
            short[] k = keys[layer][block(pos)];
            int base = at(pos) + off;
            float s = 0;
            for (int i = 0; i < n; i++) {
                s += q[qOff + i] * Float.float16ToFloat(k[base + i]);
            }
            return s;
        }

        @Override
        void addValue(int layer, int pos, int off, float weight, float[] out, int outOff, int n) {
            short[] v = values[layer][block(pos)];
            int base = at(pos) + off;
            for (int i = 0; i < n; i++) {
                out[outOff + i] += weight * Float.float16ToFloat(v[base + i]);
            }
        }

        @Override
        void move(int from, int to, int count) {
            moveRows(keys, values, () -> new short[blockLength()], from, to, count);
        }

        @Override
        void readKey(int layer, int pos, int off, float[] dst, int n) {
            short[] k = keys[layer][block(pos)];
            int base = at(pos) + off;
            for (int i = 0; i < n; i++) {
                dst[i] = Float.float16ToFloat(k[base + i]);
            }
        }

        @Override
        void writeKey(int layer, int pos, int off, float[] src, int n) {
            short[] k = keys[layer][block(pos)];
            int base = at(pos) + off;
            for (int i = 0; i < n; i++) {
                k[base + i] = Float.floatToFloat16(src[i]);
            }
        }

        @Override
        int allocatedBlocks() {
            return countBlocks(keys);
        }
    }
}
