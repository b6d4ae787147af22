package jllm.kernels;

import java.util.zip.CRC32;
import jllm.formats.GgmlType;

/**
 * Prints one checksum of the bits of every float-summing operation's results on fixed inputs:
 * the vector operations over lengths with and without a tail, and matrix-vector and small-batch
 * products of the types whose float order is fixed to 16 lanes ({@link FixedMath#R}) or is exact
 * per block: every type with a vector kernel. Started by {@link MatMulTest} in child JVMs with {@code -Djllm.vector.bits=N}: the
 * checksums must agree.
 */
public final class WidthDigestMain {
    private WidthDigestMain() {}

    static final GgmlType[] TYPES = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
            GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K,
            GgmlType.Q6_K};

    public static void main(String[] args) {
        CRC32 crc = new CRC32();
        for (int n : new int[] {5, 8, 16, 37, 64, 100, 172, 2048, 2064}) {
            float[] a = KernelChecks.randomActivation(n, n), b = KernelChecks.randomActivation(n, n + 1);
            add(crc, Ops.dot(a, 0, b, 0, n));
            float[] out = new float[n];
            Ops.rmsNorm(out, 0, a, 0, b, n, 1e-5f);
            add(crc, out);
            float[] s = a.clone();
            Ops.softmax(s, 0, n);
            add(crc, s);
            float[] g = a.clone();
            Ops.siluMul(g, b, n);
            add(crc, g);
            float[] y = b.clone();
            Ops.axpy(0.37f, a, 0, y, 0, n);
            add(crc, y);
        }
        try (Parallel p = new Parallel(2)) {
            for (GgmlType t : TYPES) {
                for (int cols : t == GgmlType.F32 ? new int[] {172, 512} : t.blockSize() == 32 ? new int[] {96, 512} : new int[] {512}) {
                    int rows = 24;
                    Matrix m = KernelChecks.randomMatrix(t, rows, cols, 7);
                    for (int batch : new int[] {1, 5, 11, 12}) {   // matVec, row by row, tiled (tails 3 and 4)
                        float[] x = new float[batch * cols];
                        for (int k = 0; k < batch; k++) {
                            System.arraycopy(KernelChecks.randomActivation(cols, 50 + k), 0, x, k * cols, cols);
                        }
                        float[] y = new float[batch * rows];
                        new MatMul(p, MatMul.Backend.VECTOR).matMul(m, x, batch, y);
                        add(crc, y);
                    }
                }
            }
        }
        System.out.println("bits=" + Simd.BITS + " digest=" + Long.toHexString(crc.getValue()));
    }

    private static void add(CRC32 crc, float v) {
        int b = Float.floatToRawIntBits(v);
        crc.update(new byte[] {(byte) b, (byte) (b >> 8), (byte) (b >> 16), (byte) (b >> 24)});
    }

    private static void add(CRC32 crc, float[] v) {
        for (float f : v) {
            add(crc, f);
        }
    }
}
