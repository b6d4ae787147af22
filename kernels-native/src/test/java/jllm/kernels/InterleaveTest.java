package jllm.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import jllm.formats.GgmlType;

/** The interleaved copies ({@link Q4_0x8}, {@link Q4_Kx8}, {@link Q6_Kx8}) and their 8-row matVec kernels. */
class InterleaveTest {
    static Parallel one, two;

    @BeforeAll
    static void pools() {
        one = new Parallel(1);
        two = new Parallel(2);
    }

    @AfterAll
    static void close() {
        one.close();
        two.close();
    }

    private static byte[] bytes(Matrix m) {
        return m.data().asSlice(0, m.rows() * m.rowBytes()).toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void unpackingAGroupGivesBackEveryRow() {
        Matrix m = KernelChecks.randomMatrix(GgmlType.Q4_0, 16, 256, 3);
        byte[] rows = bytes(m);
        int rb = (int) m.rowBytes(), nb = 256 / 32;
        for (int g = 0; g < 2; g++) {
            byte[] in = java.util.Arrays.copyOfRange(rows, g * 8 * rb, (g + 1) * 8 * rb);
            byte[] packed = new byte[in.length];
            assertThat(Q4_0x8.packGroup(in, rb, nb, packed)).isTrue();
            assertThat(packed).isNotEqualTo(in);
            for (int r = 0; r < 8; r++) {
                byte[] row = new byte[rb];
                Q4_0x8.unpackRow(packed, 0, nb, r, row, 0);
                assertThat(row).as("group %d row %d", g, r).isEqualTo(java.util.Arrays.copyOfRange(in, r * rb, (r + 1) * rb));
            }
        }
    }

    @Test
    void halvesConvertExactlyForEveryFiniteValue() {
        assumeTrue(Q4_0x8.ENABLED, "needs 256-bit vectors");
        byte[] w = new byte[16];
        float[] got = new float[VecKernels.F.length()];
        for (int h0 = 0; h0 < 65536; h0 += 8) {
            for (int i = 0; i < 8; i++) {
                int h = h0 + i;
                w[2 * i] = (byte) h;
                w[2 * i + 1] = (byte) (h >>> 8);
            }
            RowKernels.halves8(MemorySegment.ofArray(w), 0).intoArray(got, 0);
            for (int i = 0; i < 8; i++) {
                short h = (short) (h0 + i);
                if ((h & 0x7C00) == 0x7C00) {
                    continue;   // infinities and NaNs are never interleaved
                }
                assertThat(Float.floatToRawIntBits(got[i])).as("half 0x%04x", h & 0xFFFF)
                        .isEqualTo(Float.floatToRawIntBits(Float.float16ToFloat(h)));
            }
        }
    }

    /** Every product of the matrix, row by row with the one-row kernel of the file's rows. */
    private static float[] reference(Matrix m, float[] x) {
        Activation a = new Activation();
        a.prepare(Activation.kindFor(GgmlType.Q4_0), x, 0, m.cols(), 0, 1);
        float[] y = new float[m.rows()];
        for (int r = 0; r < m.rows(); r++) {
            y[r] = MatMul.scalarDot(GgmlType.Q4_0, m.data(), r * m.rowBytes(), m.cols(), x, 0, a, 0);
        }
        return y;
    }

    @Test
    void interleavedMatVecEqualsTheRowKernelsBitForBit() {
        assumeTrue(Q4_0x8.ENABLED, "needs 256-bit vectors");
        int[][] shapes = {{8, 32}, {16, 64}, {40, 256}, {256, 2048}, {64, 8192}};
        for (Parallel pool : new Parallel[] {one, two}) {
            for (int[] s : shapes) {
                Matrix m = KernelChecks.randomMatrix(GgmlType.Q4_0, s[0], s[1], s[0] + s[1]);
                float[] x = KernelChecks.randomActivation(s[1], 5);
                float[] want = reference(m, x);
                float[] y = new float[s[0]];
                new MatMul(pool, MatMul.Backend.VECTOR).matVec(m, x, y);
                assertThat(m.interleavedIfMade()).as("%dx%d", s[0], s[1]).isNotNull();
                for (int r = 0; r < s[0]; r++) {
                    assertThat(Float.floatToRawIntBits(y[r])).as("%dx%d row %d (%d threads)", s[0], s[1], r, pool.threads())
                            .isEqualTo(Float.floatToRawIntBits(want[r]));
                }
            }
        }
    }

    @Test
    void theCopyLeavesTheFileRowsAsTheyWere() {
        assumeTrue(Q4_0x8.ENABLED, "needs 256-bit vectors");
        Matrix m = KernelChecks.randomMatrix(GgmlType.Q4_0, 32, 512, 9);
        byte[] before = bytes(m);
        new MatMul(one).matVec(m, KernelChecks.randomActivation(512, 1), new float[32]);
        assertThat(bytes(m)).isEqualTo(before);
        assertThat(m.interleavedIfMade().toArray(ValueLayout.JAVA_BYTE)).isNotEqualTo(before);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_K", "Q6_K"})
    void matMulGivesTheSameResultsBeforeAndAfterTheCopy(GgmlType t) {
        assumeTrue(Q4_0x8.ENABLED && Q4_Kx8.ENABLED && Q6_Kx8.ENABLED, "needs 256-bit vectors");
        // Batches below and above the BLAS threshold (the dequantizing BLAS path reads the copy too).
        for (MatMul.Backend backend : new MatMul.Backend[] {MatMul.Backend.VECTOR, MatMul.Backend.AUTO}) {
            for (int batch : new int[] {3, 70}) {
                Matrix m = KernelChecks.randomMatrix(t, 40, 512, batch);
                float[] x = new float[batch * 512];
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(KernelChecks.randomActivation(512, 20 + b), 0, x, b * 512, 512);
                }
                MatMul mm = new MatMul(two, backend);
                float[] rowsFirst = new float[batch * 40];
                mm.matMul(m, x, batch, rowsFirst);
                assertThat(m.interleavedIfMade()).isNull();
                mm.matVec(m, x, new float[40]);
                assertThat(m.interleavedIfMade()).isNotNull();
                float[] fromCopy = new float[batch * 40];
                mm.matMul(m, x, batch, fromCopy);
                assertThat(fromCopy).as("%s %s batch %d", t, backend, batch).isEqualTo(rowsFirst);
            }
        }
    }

    @Test
    void rowsThatAreNotAWholeGroupAndNonFiniteScalesKeepTheFileRows() {
        assumeTrue(Q4_0x8.ENABLED, "needs 256-bit vectors");
        Matrix odd = KernelChecks.randomMatrix(GgmlType.Q4_0, 12, 64, 2);
        assertThat(odd.interleaves()).isFalse();
        assertThat(KernelChecks.randomMatrix(GgmlType.Q4_0, 16, 64, 2).interleaves()).isTrue();
        assertThat(KernelChecks.randomMatrix(GgmlType.Q8_0, 16, 64, 2).interleaves()).isFalse();
        float[] x = KernelChecks.randomActivation(64, 3);
        float[] y = new float[12];
        new MatMul(one).matVec(odd, x, y);
        assertThat(odd.interleavedIfMade()).isNull();
        assertThat(y).isEqualTo(reference(odd, x));

        // An infinite scale in row 5: the interleaved kernel cannot carry it, the row kernels do.
        Matrix m = KernelChecks.randomMatrix(GgmlType.Q4_0, 8, 64, 4);
        MemorySegment data = Arena.ofAuto().allocate(m.data().byteSize());
        data.copyFrom(m.data());
        data.set(KernelChecks.LE_SHORT, 5 * m.rowBytes(), (short) 0x7C00);
        Matrix inf = new Matrix(GgmlType.Q4_0, 8, 64, data);
        float[] yi = new float[8];
        new MatMul(one).matVec(inf, x, yi);
        assertThat(inf.interleavedIfMade()).isNull();
        assertThat(yi).isEqualTo(reference(inf, x));
        assertThat(Float.isFinite(yi[5])).isFalse();
    }

    @Test
    void q4KUnpackingAGroupGivesBackEveryRowForAnyScaleBytes() {
        // Random bytes everywhere (all 8 bits of the 12 packed scale bytes in use), finite d/dmin.
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
        int cols = 512, rb = (int) GgmlType.Q4_K.rowBytes(cols), nsb = cols / 256;
        byte[] in = new byte[8 * rb];
        for (int i = 0; i < in.length; i++) {
            in[i] = (byte) rnd.nextInt(256);
        }
        for (int r = 0; r < 8; r++) {
            for (int i = 0; i < nsb; i++) {
                in[r * rb + 144 * i + 1] = 0x20;   // d, dmin: exponent below all ones
                in[r * rb + 144 * i + 3] = 0x18;
            }
        }
        byte[] packed = new byte[(int) Interleave.groupBytes(GgmlType.Q4_K, cols)];
        assertThat(Q4_Kx8.packGroup(in, rb, nsb, packed)).isTrue();
        for (int r = 0; r < 8; r++) {
            byte[] row = new byte[rb];
            Q4_Kx8.unpackRow(packed, 0, nsb, r, row, 0);
            assertThat(row).as("row %d", r).isEqualTo(java.util.Arrays.copyOfRange(in, r * rb, (r + 1) * rb));
        }
        in[3 * rb + 144 + 3] = 0x7C;   // an infinite dmin
        assertThat(Q4_Kx8.packGroup(in, rb, nsb, packed)).isFalse();
    }

    @Test
    void interleavedQ4KMatVecEqualsTheRowKernelsBitForBit() {
        assumeTrue(Q4_Kx8.ENABLED, "needs 256-bit vectors");
        int[][] shapes = {{8, 256}, {24, 512}, {64, 2048}, {16, 8192}};
        for (Parallel pool : new Parallel[] {one, two}) {
            for (int[] s : shapes) {
                Matrix m = KernelChecks.randomMatrix(GgmlType.Q4_K, s[0], s[1], s[0] * 7 + s[1]);
                float[] x = KernelChecks.randomActivation(s[1], 8);
                MatMul mm = new MatMul(pool, MatMul.Backend.VECTOR);
                float[] want = new float[s[0]];
                mm.matMul(m, x, 1, want);   // before any matVec: the row kernels
                assertThat(m.interleavedIfMade()).isNull();
                float[] y = new float[s[0]];
                mm.matVec(m, x, y);
                assertThat(m.interleavedIfMade()).as("%dx%d", s[0], s[1]).isNotNull();
                for (int r = 0; r < s[0]; r++) {
                    assertThat(Float.floatToRawIntBits(y[r])).as("%dx%d row %d (%d threads)", s[0], s[1], r, pool.threads())
                            .isEqualTo(Float.floatToRawIntBits(want[r]));
                }
                float[] again = new float[s[0]];
                mm.matMul(m, x, 1, again);   // the row path now reads the copy
                assertThat(again).isEqualTo(want);
            }
        }
    }

    @Test
    void aCancelledCopyKeepsNothingAndALaterCallStartsOver() {
        assumeTrue(Q6_Kx8.ENABLED, "needs 256-bit vectors");
        Matrix m = KernelChecks.randomMatrix(GgmlType.Q6_K, 64, 512, 5);
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        assertThat(m.interleave(two, () -> asked.incrementAndGet() > 3)).isFalse();   // after 3 of 8 groups
        assertThat(m.interleavedIfMade()).isNull();
        assertThat(asked.get()).isBetween(4, 8);
        assertThat(m.interleave(one, () -> false)).isTrue();
        assertThat(m.interleavedIfMade()).isNotNull();
        assertThat(m.interleave(one, () -> true)).as("already made").isTrue();
    }

    @Test
    void aCopyMadeInSlicesEqualsOneMadeAtOnce() {
        assumeTrue(Q6_Kx8.ENABLED, "needs 256-bit vectors");
        int rows = 8 * (2 * Matrix.SLICE_GROUPS + 3);   // two whole slices and a short third
        Matrix sliced = KernelChecks.randomMatrix(GgmlType.Q6_K, rows, 256, 9);
        Matrix whole = new Matrix(sliced.type(), rows, 256, sliced.data());
        float[] x = new float[256];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(4);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        MatMul mm = new MatMul(two, MatMul.Backend.VECTOR);
        mm.copyOnFirstProduct(false);
        float[] fileRows = new float[rows];
        mm.matVec(sliced, x, fileRows);
        assertThat(sliced.interleavedIfMade()).as("no copy on first product").isNull();
        assertThat(sliced.interleaveFor(two, 0)).as("first slice").isFalse();
        float[] during = new float[rows];
        mm.matVec(sliced, x, during);
        assertThat(during).as("the file's rows until the copy is whole").containsExactly(fileRows);
        assertThat(sliced.interleaveFor(two, 0)).as("second slice").isFalse();
        assertThat(sliced.interleaveFor(two, 0)).as("the short third").isTrue();
        assertThat(sliced.interleaveFor(two, 0)).as("already made").isTrue();
        assertThat(whole.interleave(one)).isTrue();
        assertThat(sliced.interleavedIfMade().toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(whole.interleavedIfMade().toArray(ValueLayout.JAVA_BYTE));
        float[] after = new float[rows];
        mm.matVec(sliced, x, after);
        assertThat(after).as("the 8-row kernel on the copy, bit for bit").containsExactly(fileRows);
    }

    @Test
    void aCopyBegunInSlicesIsFinishedByAFullCopy() {
        assumeTrue(Q4_0x8.ENABLED, "needs 256-bit vectors");
        int rows = 8 * (Matrix.SLICE_GROUPS + 1);
        Matrix m = KernelChecks.randomMatrix(GgmlType.Q4_0, rows, 64, 2);
        Matrix whole = new Matrix(m.type(), rows, 64, m.data());
        assertThat(m.interleaveFor(one, 0)).isFalse();
        assertThat(m.interleave(two)).isTrue();
        assertThat(whole.interleave(two)).isTrue();
        assertThat(m.interleavedIfMade().toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(whole.interleavedIfMade().toArray(ValueLayout.JAVA_BYTE));
    }

    /** Q6_K rows of random bytes (every code, every scale from -128 to 127) with finite d's. */
    private static byte[] randomQ6KRows(int rows, int cols, long seed) {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        byte[] b = new byte[rows * (int) GgmlType.Q6_K.rowBytes(cols)];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) rnd.nextInt(256);
        }
        for (int o = 0; o < b.length; o += 210) {
            b[o + 208] = (byte) rnd.nextInt(256);   // d: a small half of either sign
            b[o + 209] = (byte) (0x10 + rnd.nextInt(8) | (rnd.nextBoolean() ? 0x80 : 0));
        }
        return b;
    }

    @Test
    void q6KGroupsDequantizeAsTheFileRowsForAnyBytes() {
        int cols = 512, rb = (int) GgmlType.Q6_K.rowBytes(cols), nsb = cols / 256;
        byte[] in = randomQ6KRows(8, cols, 11);
        byte[] packed = new byte[(int) Interleave.groupBytes(GgmlType.Q6_K, cols)];
        assertThat(Q6_Kx8.packGroup(in, rb, nsb, packed)).isTrue();
        float[] want = new float[8 * cols];
        for (int r = 0; r < 8; r++) {
            jllm.formats.quant.QuantCodecs.dequantize(GgmlType.Q6_K, MemorySegment.ofArray(in), (long) r * rb, want, r * cols, cols);
        }
        for (int r0 = 0; r0 < 8; r0 += 3) {   // any run of rows in the group
            int r1 = Math.min(8, r0 + 3);
            float[] got = new float[(r1 - r0) * cols];
            Q6_Kx8.dequantizeRows(packed, 0, nsb, r0, r1, got, 0, cols);
            assertThat(got).as("rows %d..%d", r0, r1).isEqualTo(java.util.Arrays.copyOfRange(want, r0 * cols, r1 * cols));
        }
        in[5 * rb + 210 + 209] = 0x7C;   // an infinite d
        assertThat(Q6_Kx8.packGroup(in, rb, nsb, packed)).isFalse();
    }

    @Test
    void interleavedQ6KMatVecEqualsTheRowKernelsBitForBit() {
        assumeTrue(Q6_Kx8.ENABLED, "needs 256-bit vectors");
        int[][] shapes = {{8, 256}, {24, 512}, {64, 2048}, {16, 8192}};
        for (Parallel pool : new Parallel[] {one, two}) {
            for (int[] s : shapes) {
                for (boolean anyBytes : new boolean[] {false, true}) {
                    Matrix m = anyBytes
                            ? new Matrix(GgmlType.Q6_K, s[0], s[1], MemorySegment.ofArray(randomQ6KRows(s[0], s[1], s[0] + s[1])))
                            : KernelChecks.randomMatrix(GgmlType.Q6_K, s[0], s[1], s[0] * 7 + s[1]);
                    float[] x = KernelChecks.randomActivation(s[1], 8);
                    assertMatVecFromTheCopyEqualsTheRows(m, x, pool);
                }
            }
        }
    }

    @Test
    void q6KSixteenBitSumsHoldTheLargestProducts() {
        assumeTrue(Q6_Kx8.ENABLED, "needs 256-bit vectors");
        // Every code -32 (ql = qh = 0) and every activation code -127 (equal positive inputs):
        // 8 products of 4064 in each 16-bit lane, 32512, the most a lane can hold; scales of -128.
        int cols = 512, rb = (int) GgmlType.Q6_K.rowBytes(cols);
        byte[] b = new byte[16 * rb];
        for (int o = 0; o < b.length; o += 210) {
            java.util.Arrays.fill(b, o + 192, o + 208, (byte) -128);
            b[o + 209] = 0x14;
        }
        float[] x = new float[cols];
        java.util.Arrays.fill(x, 0.75f);
        Matrix m = new Matrix(GgmlType.Q6_K, 16, cols, MemorySegment.ofArray(b));
        float[] y = assertMatVecFromTheCopyEqualsTheRows(m, x, two);
        assertThat(y[0]).isNotZero().isEqualTo(y[15]);
    }

    /** matVec from the copy equals matMul of one row before the copy (the row kernels), bit for bit; returns it. */
    private static float[] assertMatVecFromTheCopyEqualsTheRows(Matrix m, float[] x, Parallel pool) {
        MatMul mm = new MatMul(pool, MatMul.Backend.VECTOR);
        float[] want = new float[m.rows()];
        mm.matMul(m, x, 1, want);
        assertThat(m.interleavedIfMade()).isNull();
        float[] y = new float[m.rows()];
        mm.matVec(m, x, y);
        assertThat(m.interleavedIfMade()).as("%s", m).isNotNull();
        for (int r = 0; r < m.rows(); r++) {
            assertThat(Float.floatToRawIntBits(y[r])).as("%s row %d (%d threads)", m, r, pool.threads())
                    .isEqualTo(Float.floatToRawIntBits(want[r]));
        }
        float[] again = new float[m.rows()];
        mm.matMul(m, x, 1, again);   // the row path now reads the copy
        assertThat(again).isEqualTo(want);
        return y;
    }
}
