package jllm.bench;

import java.util.concurrent.TimeUnit;

import jllm.kernels.Ops;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Element-wise kernels at the 1B model's sizes: RMSNorm over dim, softmax over a context, RoPE of all heads. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:CompileCommand=quiet", "-XX:MaxTrivialSize=1000", "-XX:-IncrementalInline", "-XX:CompileCommand=inline,jllm.kernels.RowKernels::*", "-XX:CompileCommand=inline,jllm.kernels.FixedMath::*", "-XX:CompileCommand=inline,jllm.kernels.VectorMath::*", "-XX:CompileCommand=dontinline,jllm.kernels.RowLoops::*"})
@State(Scope.Benchmark)
public class OpsBenchmark {
    @Param({"2048"})
    public int dim;

    @Param({"2048"})
    public int context;

    private float[] x, out, weight, scores, q, invFreq;
    private int pos;

    @Setup
    public void setup() {
        x = BenchData.gaussian(dim, 1);
        out = new float[dim];
        weight = BenchData.gaussian(dim, 2);
        scores = BenchData.gaussian(context, 3);
        q = BenchData.gaussian(32 * 64, 4);   // 32 heads x head dim 64
        invFreq = new float[32];
        for (int i = 0; i < 32; i++) {
            invFreq[i] = (float) Math.pow(500000.0, -2.0 * i / 64);
        }
    }

    @Benchmark
    public float[] rmsNorm() {
        Ops.rmsNorm(out, 0, x, 0, weight, dim, 1e-5f);
        return out;
    }

    @Benchmark
    public float[] softmax() {
        for (int i = 0; i < context; i++) {
            scores[i] = (i & 7) * 0.25f;
        }
        Ops.softmax(scores, 0, context);
        return scores;
    }

    @Benchmark
    public float[] ropeNeox() {
        pos = (pos + 1) & 1023;
        for (int h = 0; h < 32; h++) {
            Ops.ropeNeox(q, h * 64, 64, pos, invFreq);
        }
        return q;
    }
}
