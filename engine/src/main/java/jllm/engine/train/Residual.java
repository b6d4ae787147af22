package jllm.engine.train;

/** The residual connection {@code out = a + b}; its backward hands dOut to both inputs. */
final class Residual {
    private Residual() {}

    static void forward(float[] out, float[] a, float[] b, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = a[i] + b[i];
        }
    }

    /** {@code da += dOut}, {@code db += dOut}; either may be null. */
    static void backward(float[] da, float[] db, float[] dOut, int n) {
        for (int i = 0; i < n; i++) {
            if (da != null) {
                da[i] += dOut[i];
            }
            if (db != null) {
                db[i] += dOut[i];
            }
        }
    }
}
