package jllm.bench;

import java.util.concurrent.TimeUnit;

import jllm.kernels.Ops;
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
 * One layer's attention for one decoded token at a given context length, as Session does it
 * (1B shape: 32 query heads, 8 KV heads, head dim 64, float KV cache): per head, scores = q.k,
 * softmax, weighted sum of v; heads split over the pool.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:CompileCommand=quiet", "-XX:MaxTrivialSize=1000", "-XX:-IncrementalInline", "-XX:CompileCommand=inline,jllm.kernels.RowKernels::*", "-XX:CompileCommand=inline,jllm.kernels.FixedMath::*", "-XX:CompileCommand=inline,jllm.kernels.VectorMath::*", "-XX:CompileCommand=dontinline,jllm.kernels.RowLoops::*"})
@State(Scope.Benchmark)
public class AttentionBenchmark {
    static final int HEADS = 32, KV_HEADS = 8, HD = 64, QD = HEADS * HD, KVD = KV_HEADS * HD, GROUP = HEADS / KV_HEADS;

    @Param({"512", "2048"})
    public int context;

    @Param({"1", "2"})
    public int threads;

    private Parallel pool;
    private float[] q, kc, vc, att;
    private float[][] scores;
    private final float scale = (float) (1 / Math.sqrt(HD));
    private final Parallel.RangeTask task = this::heads;

    @Setup(Level.Trial)
    public void setup() {
        pool = new Parallel(threads);
        q = BenchData.gaussian(QD, 1);
        kc = BenchData.gaussian(context * KVD, 2);
        vc = BenchData.gaussian(context * KVD, 3);
        att = new float[QD];
        scores = new float[HEADS][context];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    private void heads(int from, int to) {
        int len = context;
        for (int h = from; h < to; h++) {
            float[] s = scores[h];
            int qo = h * HD;
            int ko = (h / GROUP) * HD;
            for (int i = 0; i < len; i++) {
                s[i] = Ops.dot(q, qo, kc, i * KVD + ko, HD) * scale;
            }
            Ops.softmax(s, 0, len);
            java.util.Arrays.fill(att, qo, qo + HD, 0f);
            for (int i = 0; i < len; i++) {
                Ops.axpy(s[i], vc, i * KVD + ko, att, qo, HD);
            }
        }
    }

    @Benchmark
    public float[] attention() {
        pool.forRange(HEADS, task);
        return att;
    }
}
