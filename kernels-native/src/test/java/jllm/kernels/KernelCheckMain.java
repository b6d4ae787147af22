package jllm.kernels;

import java.util.List;

/**
 * Runs {@link KernelChecks#all} in this JVM and exits 0 when all pass. Started by
 * {@link MatMulTest} in a child JVM with {@code -Djllm.vector.bits=N}, since the species is fixed
 * when the kernel classes initialize.
 */
public final class KernelCheckMain {
    private KernelCheckMain() {}

    /** The batched paths (row by row; Q4_0's eight-row kernel, padded at 6) give exactly the matVec results at this species too. */
    static void matMulEqualsMatVec(Parallel p, List<String> failures) {
        int rows = 37, cols = 512;
        for (int batch : new int[] {6, 8})
        for (jllm.formats.GgmlType t : KernelChecks.TYPES) {
            Matrix m = KernelChecks.randomMatrix(t, rows, cols, 31);
            float[] x = new float[batch * cols];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(KernelChecks.randomActivation(cols, 40 + b, b == 2), 0, x, b * cols, cols);
            }
            float[] y = new float[batch * rows];
            new MatMul(p, MatMul.Backend.VECTOR).matMul(m, x, batch, y);
            float[] yv = new float[rows];
            MatMul one = new MatMul(p, MatMul.Backend.VECTOR);
            for (int b = 0; b < batch; b++) {
                one.matVec(m, x, b * cols, yv, 0);
                for (int r = 0; r < rows; r++) {
                    if (Float.compare(yv[r], y[b * rows + r]) != 0) {
                        failures.add(t + " matMul row " + r + " batch row " + b + " of " + batch + ": " + y[b * rows + r] + " != matVec " + yv[r]);
                        break;
                    }
                }
            }
        }
    }

    public static void main(String[] args) {
        System.out.println("backend=" + MatMul.backend() + " bits=" + Simd.BITS + " kquant16=" + RowKernels.K_SHORT
                + " missing=" + MatMul.missingJvmFlags());
        List<String> failures;
        try (Parallel p = new Parallel(2)) {
            failures = new java.util.ArrayList<>(KernelChecks.all(new MatMul(p)));
            matMulEqualsMatVec(p, failures);
        }
        failures.forEach(System.out::println);
        System.out.println(failures.isEmpty() ? "ALL PASSED" : failures.size() + " FAILURES");
        System.exit(failures.isEmpty() ? 0 : 1);
    }
}
