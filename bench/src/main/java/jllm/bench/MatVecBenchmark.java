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
 * Matrix-vector product (one decoded token) per weight type, at the 1B model's attention shape
 * (2048x2048) and FFN down/up shapes (rows x cols). Score: microseconds per product; divide the
 * matrix bytes by it for the achieved weight bandwidth.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:CompileCommand=quiet", "-XX:MaxTrivialSize=1000", "-XX:-IncrementalInline", "-XX:CompileCommand=inline,jllm.kernels.RowKernels::*", "-XX:CompileCommand=inline,jllm.kernels.FixedMath::*", "-XX:CompileCommand=inline,jllm.kernels.VectorMath::*", "-XX:CompileCommand=dontinline,jllm.kernels.RowLoops::*", "-Xmx4g"})
@State(Scope.Benchmark)
public class MatVecBenchmark {
    @Param({"F16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    public String type;

    @Param({"2048x2048", "8192x2048", "2048x8192"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private Parallel pool;
    private MatMul mm;
    private Matrix w;
    private float[] x, y;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        pool = new Parallel(threads);
        mm = new MatMul(pool);
        w = BenchData.matrix(arena, GgmlType.valueOf(type), BenchData.rows(shape), BenchData.cols(shape), 1);
        x = BenchData.gaussian(w.cols(), 2);
        y = new float[w.rows()];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public float[] matVec() {
        mm.matVec(w, x, y);
        return y;
    }
}
