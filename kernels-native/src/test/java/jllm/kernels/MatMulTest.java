package jllm.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import jllm.formats.GgmlType;
import jllm.formats.TensorData;

class MatMulTest {
    static Parallel one, two, three;

    @BeforeAll
    static void pools() {
        one = new Parallel(1);
        two = new Parallel(2);
        three = new Parallel(3);
    }

    @AfterAll
    static void close() {
        one.close();
        two.close();
        three.close();
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void matVecMatchesReferenceAtPreferredSpecies(GgmlType t) {
        List<String> failures = new ArrayList<>();
        long seed = 100 + t.ordinal() * 10L;
        for (int[] s : KernelChecks.SHAPES) {
            KernelChecks.check(new MatMul(two), t, s[0], s[1], seed++, failures);
        }
        assertThat(failures).as(MatMul.backend()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void scalarKernelsMatchVectorKernels(GgmlType t) {
        // The scalar fallback on its own, through the same activation preparation.
        Matrix m = KernelChecks.randomMatrix(t, 20, 512, 7 + t.ordinal());
        float[] x = KernelChecks.randomActivation(512, 9);
        Activation a = new Activation();
        a.prepare(Activation.kindFor(t), x, 0, 512, 0, 1);
        for (int r = 0; r < m.rows(); r++) {
            float s = MatMul.scalarDot(t, m.data(), r * m.rowBytes(), 512, x, 0, a, 0);
            float v = MatMul.dot(t, m.data(), r * m.rowBytes(), 512, x, 0, a, 0);
            assertThat((double) v).as("row " + r).isCloseTo(s, org.assertj.core.data.Offset.offset(1e-5 * (1 + Math.abs(s))));
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void threadsGiveIdenticalResults(GgmlType t) {
        for (int[] s : new int[][] {{100, 512}, {301, 768}}) {
            Matrix m = KernelChecks.randomMatrix(t, s[0], s[1], 5);
            float[] x = KernelChecks.randomActivation(s[1], 6);
            float[] y1 = new float[s[0]], y2 = new float[s[0]], y3 = new float[s[0]];
            new MatMul(one).matVec(m, x, y1);
            new MatMul(two).matVec(m, x, y2);
            new MatMul(three).matVec(m, x, y3);
            assertThat(y2).containsExactly(y1);
            assertThat(y3).containsExactly(y1);
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void matMulEqualsMatVecPerRow(GgmlType t) {
        int rows = 70, cols = 512;
        Matrix m = KernelChecks.randomMatrix(t, rows, cols, 11);
        // Row by row up to ROW_BY_ROW_BATCH rows; above it (and below BLAS) the tiled kernel, tail 3.
        for (int batch : new int[] {5, MatMul.ROW_BY_ROW_BATCH + 3}) {
            float[] x = new float[batch * cols];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(KernelChecks.randomActivation(cols, 20 + b), 0, x, b * cols, cols);
            }
            float[] y = new float[batch * rows];
            MatMul mm = new MatMul(three);
            mm.matMul(m, x, batch, y);
            float[] yv = new float[rows];
            for (int b = 0; b < batch; b++) {
                new MatMul(one).matVec(m, x, b * cols, yv, 0);
                assertThat(java.util.Arrays.copyOfRange(y, b * rows, (b + 1) * rows)).as("batch %d row %d", batch, b)
                        .containsExactly(yv);
            }
        }
    }

    /**
     * A short prompt's batch runs the matVec kernels block by block of weight rows (each block
     * meeting every activation row while it is in cache): several blocks per thread, an odd last
     * row (Q4_0's two-row kernel), and the interleaved copies' groups, against one matVec per row.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void smallBatchInBlocksEqualsMatVecPerRow(GgmlType t) {
        int cols = 2048, batch = 7;
        float[] x = new float[batch * cols];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(KernelChecks.randomActivation(cols, 40 + b), 0, x, b * cols, cols);
        }
        for (int rows : new int[] {1201, 1200}) {
            Matrix m = KernelChecks.randomMatrix(t, rows, cols, 17);
            boolean copy = rows % 8 == 0 && m.interleave(one);
            float[] y = new float[batch * rows], yv = new float[rows];
            new MatMul(two).matMul(m, x, batch, y);
            MatMul single = new MatMul(one);
            for (int b = 0; b < batch; b++) {
                single.matVec(m, x, b * cols, yv, 0);
                assertThat(java.util.Arrays.copyOfRange(y, b * rows, (b + 1) * rows))
                        .as("%d rows%s, activation row %d", rows, copy ? " (interleaved)" : "", b).containsExactly(yv);
            }
        }
    }

    /**
     * The eight-row kernels (from 5 activation rows; Q4_0 with 256- and 512-bit vectors, Q4_K
     * with 256-bit ones; the matVec kernels row by row below and elsewhere) at every small batch,
     * and larger ones in groups of eight (13: a padded last group; 12 and 11: a last group of 4
     * and 3 row by row): the padded rows must not leak into the real ones, a row count that is no
     * multiple of the 16-row copies, a short row (three Q4_0 blocks, one Q4_K super-block), an
     * activation row with zero blocks and an outlier, and products with fewer rows reusing the
     * same buffers.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_K"})
    void eightRowKernelBatchesEqualMatVecPerRow(GgmlType t) {
        for (int cols : new int[] {t == GgmlType.Q4_0 ? 96 : 256, 2048}) {
            int rows = 37;
            Matrix m = KernelChecks.randomMatrix(t, rows, cols, 23);
            MatMul mm = new MatMul(two);
            MatMul single = new MatMul(one);
            for (int batch : new int[] {8, 5, 7, 1, 2, 3, 4, 6, 13, 12, 11}) {   // below BLAS's batches (Q4_K: 16)
                float[] x = new float[batch * cols];
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(KernelChecks.randomActivation(cols, 60 + 10 * batch + b, b == 1), 0, x, b * cols, cols);
                }
                float[] y = new float[batch * rows], yv = new float[rows];
                mm.matMul(m, x, batch, y);
                for (int b = 0; b < batch; b++) {
                    single.matVec(m, x, b * cols, yv, 0);
                    assertThat(java.util.Arrays.copyOfRange(y, b * rows, (b + 1) * rows))
                            .as("%d columns, batch %d, activation row %d", cols, batch, b).containsExactly(yv);
                }
            }
        }
    }

    /**
     * A one-row matMul after a matVec of another vector: the 16-bit matVec kernels (Q4_0, Q4_K,
     * Q6_K where enabled) read the activation codes as shorts, which each product must refresh.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void oneRowMatMulAfterMatVecOfAnotherVector(GgmlType t) {
        int rows = 40, cols = 512;
        Matrix m = KernelChecks.randomMatrix(t, rows, cols, 13);
        float[] x1 = KernelChecks.randomActivation(cols, 31), x2 = KernelChecks.randomActivation(cols, 32);
        float[] expected = new float[rows], y = new float[rows], ignored = new float[rows];
        new MatMul(one).matVec(m, x2, expected);
        MatMul mm = new MatMul(two);
        mm.matVec(m, x1, ignored);
        mm.matMul(m, x2, 1, y);
        assertThat(y).containsExactly(expected);
    }

    @Test
    void reusedInstanceWithShrinkingAndGrowingShapes() {
        MatMul mm = new MatMul(two);
        List<String> failures = new ArrayList<>();
        KernelChecks.check(mm, GgmlType.Q4_K, 40, 1024, 1, failures);
        KernelChecks.check(mm, GgmlType.Q8_0, 40, 256, 2, failures);
        KernelChecks.check(mm, GgmlType.Q4_1, 300, 2048, 3, failures);
        KernelChecks.check(mm, GgmlType.F16, 10, 40, 4, failures);   // not a multiple of the vector length
        KernelChecks.check(mm, GgmlType.F32, 10, 13, 5, failures);
        assertThat(failures).isEmpty();
    }

    @Test
    void matrixOfChecksTypeAndShape() {
        var seg = java.lang.foreign.MemorySegment.ofArray(new byte[8 * 66]);
        TensorData iq = new TensorData("blk.0.ffn_up.weight", GgmlType.IQ2_XXS, new long[] {256, 8}, seg);
        assertThatThrownBy(() -> Matrix.of(iq)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tensor blk.0.ffn_up.weight has type IQ2_XXS, which jllm does not support yet");
        var q8 = java.lang.foreign.MemorySegment.ofArray(new byte[3 * 34 * 2]);
        Matrix m = Matrix.of(new TensorData("w", GgmlType.Q8_0, new long[] {64, 3}, q8));
        assertThat(m.rows()).isEqualTo(3);
        assertThat(m.cols()).isEqualTo(64);
        Matrix v = Matrix.of(new TensorData("b", GgmlType.F32, new long[] {5}, java.lang.foreign.MemorySegment.ofArray(new byte[20])));
        assertThat(v.rows()).isEqualTo(1);
        assertThatThrownBy(() -> Matrix.of(new TensorData("w", GgmlType.Q8_0, new long[] {64, 2}, q8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bytes");
        assertThatThrownBy(() -> Matrix.of(new TensorData("w", GgmlType.F32, new long[] {2, 2, 2}, q8)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void testJvmHasEveryFlagTheKernelsNeed() {
        // The pom passes the launcher's kernel flags to the tests.
        assertThat(MatMul.missingJvmFlags()).isEmpty();
    }

    /**
     * The same bits at every vector width: the float sums keep the 16-lane order on narrower
     * machines (FixedMath.R), so an AVX2 machine gives what an AVX-512 one does (and a 128-bit
     * one too). Child JVMs at 128 and 256 bits and at this machine's own width.
     */
    @Test
    void resultsDoNotDependOnTheVectorWidth() throws IOException, InterruptedException {
        String native_ = digest(-1), d256 = digest(256), d128 = digest(128);
        assertThat(d256).isEqualTo(native_);
        assertThat(d128).isEqualTo(native_);
    }

    private static String digest(int bits) throws IOException, InterruptedException {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(javaBin, "--add-modules", "jdk.incubator.vector", "-XX:MaxTrivialSize=1000"));
        if (bits > 0) {
            cmd.add("-Djllm.vector.bits=" + bits);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), WidthDigestMain.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("digest=(\\w+)").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return m.group(1);
    }

    /** The same checks in a child JVM with the vector size forced (0 = the scalar fallback). */
    @ParameterizedTest
    @ValueSource(ints = {256, 128, 0})
    void allTypesWithForcedSpecies(int bits) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector",
                "-Djllm.vector.bits=" + bits, "-XX:TieredStopAtLevel=1", "-XX:MaxTrivialSize=1000", "-cp", System.getProperty("java.class.path"),
                KernelCheckMain.class.getName());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("bits=" + bits).contains("kquant16=" + (bits >= 256)).contains("ALL PASSED")
                .contains("missing=[-XX:-IncrementalInline]");   // started with MaxTrivialSize only
        assertThat(p.exitValue()).as(out).isZero();
    }
}
