package jllm.bench;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;

import jllm.formats.GgmlType;
import jllm.kernels.MatMul;
import jllm.kernels.Matrix;
import jllm.kernels.Parallel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Matrix-matrix product (prompt processing) of a 2048x2048 weight matrix with a batch of
 * activation rows. Score: milliseconds per product; 2*2048*2048*batch / score = FLOP/ms.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:CompileCommand=quiet", "-XX:MaxTrivialSize=1000", "-XX:-IncrementalInline", "-XX:CompileCommand=inline,jllm.kernels.RowKernels::*", "-XX:CompileCommand=inline,jllm.kernels.FixedMath::*", "-XX:CompileCommand=inline,jllm.kernels.VectorMath::*", "-XX:CompileCommand=dontinline,jllm.kernels.RowLoops::*", "-Xmx4g"})
@State(Scope.Benchmark)
public class MatMulBenchmark {
    @Param({"F32", "F16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    public String type;

    @Param({"32", "128", "512"})
    public int batch;

    @Param({"1", "2"})
    public int threads;

    @Param({"2048x2048"})
    public String shape;

    /** MatMul.Backend: vector, auto (OpenBLAS for F32 batches of 32+ when it loads) or blas. */
    @Param({"auto"})
    public String backend;

    private Arena arena;
    private Parallel pool;
    private MatMul mm;
    private Matrix w;
    private float[] x, y;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        pool = new Parallel(threads);
        mm = new MatMul(pool, MatMul.Backend.parse(backend));
        w = BenchData.matrix(arena, GgmlType.valueOf(type), BenchData.rows(shape), BenchData.cols(shape), 1);
        x = BenchData.gaussian(batch * w.cols(), 2);
        y = new float[batch * w.rows()];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public float[] matMul() {
        mm.matMul(w, x, batch, y);
        return y;
    }
}
