package jllm.engine.model;

import jllm.kernels.Ops;

/**
 * Keys and values of every layer for every cached position, in float32 (exact, what llama.cpp's
 * fixtures use) or float16 (half the memory, llama.cpp's default). Rows are {@code kvDim} wide;
 * a head's slice starts at {@code head * headDim}.
 */
abstract sealed class KvCache permits KvCache.F32, KvCache.F16 {

    /** The element type of the cache. */
    public enum Type { F32, F16 }

    final int kvDim;

    KvCache(int kvDim) {
        this.kvDim = kvDim;
    }

    static KvCache create(Type type, int layers, int positions, int kvDim) {
        int n = Math.multiplyExact(positions, kvDim);
        return type == Type.F32 ? new F32(layers, n, kvDim) : new F16(layers, n, kvDim);
    }

    /** Bytes per cached token (keys and values of all layers). */
    static long bytesPerToken(Type type, int layers, int kvDim) {
        return 2L * layers * kvDim * (type == Type.F32 ? 4 : 2);
    }

    /** Stores {@code rows} rows of keys and values for positions {@code pos..pos+rows}. */
    abstract void store(int layer, int pos, float[] k, float[] v, int rows);

    /** Dot product of {@code q[qOff..qOff+n)} with the key slice at (layer, pos, off). */
    abstract float dotKey(int layer, int pos, int off, float[] q, int qOff, int n);

    /** {@code out[outOff..] += weight * value slice at (layer, pos, off)}. */
    abstract void addValue(int layer, int pos, int off, float weight, float[] out, int outOff, int n);

    /** Copies {@code count} positions from {@code from} to {@code to} in every layer. */
    abstract void move(int from, int to, int count);

    /** Reads a key slice into {@code dst}. */
    abstract void readKey(int layer, int pos, int off, float[] dst, int n);

    /** Overwrites a key slice from {@code src}. */
    abstract void writeKey(int layer, int pos, int off, float[] src, int n);

    static final class F32 extends KvCache {
        private final float[][] keys, values;

        F32(int layers, int n, int kvDim) {
            super(kvDim);
            keys = new float[layers][n];
            values = new float[layers][n];
        }

        @Override
        void store(int layer, int pos, float[] k, float[] v, int rows) {
            System.arraycopy(k, 0, keys[layer], pos * kvDim, rows * kvDim);
            System.arraycopy(v, 0, values[layer], pos * kvDim, rows * kvDim);
        }

        @Override
        float dotKey(int layer, int pos, int off, float[] q, int qOff, int n) {
            return Ops.dot(q, qOff, keys[layer], pos * kvDim + off, n);
        }

        @Override
        void addValue(int layer, int pos, int off, float weight, float[] out, int outOff, int n) {
            Ops.axpy(weight, values[layer], pos * kvDim + off, out, outOff, n);
        }

        @Override
        void move(int from, int to, int count) {
            for (int l = 0; l < keys.length; l++) {
                System.arraycopy(keys[l], from * kvDim, keys[l], to * kvDim, count * kvDim);
                System.arraycopy(values[l], from * kvDim, values[l], to * kvDim, count * kvDim);
            }
        }

        @Override
        void readKey(int layer, int pos, int off, float[] dst, int n) {
            System.arraycopy(keys[layer], pos * kvDim + off, dst, 0, n);
        }

        @Override
        void writeKey(int layer, int pos, int off, float[] src, int n) {
            System.arraycopy(src, 0, keys[layer], pos * kvDim + off, n);
        }
    }

    static final class F16 extends KvCache {
        private final short[][] keys, values;

        F16(int layers, int n, int kvDim) {
            super(kvDim);
            keys = new short[layers][n];
            values = new short[layers][n];
        }

        @Override
        void store(int layer, int pos, float[] k, float[] v, int rows) {
            int base = pos * kvDim;
            for (int i = 0; i < rows * kvDim; i++) {
                keys[layer][base + i] = Float.floatToFloat16(k[i]);
                values[layer][base + i] = Float.floatToFloat16(v[i]);
            }
        }

        @Override
        float dotKey(int layer, int pos, int off, float[] q, int qOff, int n) {
            short[] k = keys[layer];
            int base = pos * kvDim + off;
            float s = 0;
            for (int i = 0; i < n; i++) {
                s += q[qOff + i] * Float.float16ToFloat(k[base + i]);
            }
            return s;
        }

        @Override
        void addValue(int layer, int pos, int off, float weight, float[] out, int outOff, int n) {
            short[] v = values[layer];
            int base = pos * kvDim + off;
            for (int i = 0; i < n; i++) {
                out[outOff + i] += weight * Float.float16ToFloat(v[base + i]);
            }
        }

        @Override
        void move(int from, int to, int count) {
            for (int l = 0; l < keys.length; l++) {
                System.arraycopy(keys[l], from * kvDim, keys[l], to * kvDim, count * kvDim);
                System.arraycopy(values[l], from * kvDim, values[l], to * kvDim, count * kvDim);
            }
        }

        @Override
        void readKey(int layer, int pos, int off, float[] dst, int n) {
            for (int i = 0; i < n; i++) {
                dst[i] = Float.float16ToFloat(keys[layer][pos * kvDim + off + i]);
            }
        }

        @Override
        void writeKey(int layer, int pos, int off, float[] src, int n) {
            for (int i = 0; i < n; i++) {
                keys[layer][pos * kvDim + off + i] = Float.floatToFloat16(src[i]);
            }
        }
    }
}
