package jllm.kernels;

import java.util.List;

/**
 * Runs {@link KernelChecks#all} in this JVM and exits 0 when all pass. Started by
 * {@link MatMulTest} in a child JVM with {@code -Djllm.vector.bits=N}, since the species is fixed
 * when the kernel classes initialize.
 */
public final class KernelCheckMain {
    private KernelCheckMain() {}

    public static void main(String[] args) {
        System.out.println("backend=" + MatMul.backend() + " bits=" + Simd.BITS);
        List<String> failures;
        try (Parallel p = new Parallel(2)) {
            failures = KernelChecks.all(new MatMul(p));
        }
        failures.forEach(System.out::println);
        System.out.println(failures.isEmpty() ? "ALL PASSED" : failures.size() + " FAILURES");
        System.exit(failures.isEmpty() ? 0 : 1);
    }
}
