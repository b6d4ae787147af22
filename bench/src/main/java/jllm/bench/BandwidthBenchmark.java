package jllm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

import jllm.kernels.BandwidthProbe;
import jllm.kernels.Parallel;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Memory read bandwidth (the decode roofline): one pass over a 1 GiB native buffer split across
 * the pool. Score: milliseconds per GiB read; the {@code bytes} counter is bytes per second.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:CompileCommand=quiet", "-XX:MaxTrivialSize=1000", "-XX:-IncrementalInline", "-XX:CompileCommand=inline,jllm.kernels.RowKernels::*", "-XX:CompileCommand=inline,jllm.kernels.FixedMath::*", "-XX:CompileCommand=inline,jllm.kernels.VectorMath::*", "-XX:CompileCommand=dontinline,jllm.kernels.RowLoops::*"})
@State(Scope.Benchmark)
public class BandwidthBenchmark {
    @Param({"1", "2"})
    public int threads;

    @Param({"1073741824"})
    public long bytes;

    private Arena arena;
    private Parallel pool;
    private BandwidthProbe probe;

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public long bytes;
    }

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        MemorySegment seg = arena.allocate(bytes, 4096);
        seg.fill((byte) 1);
        pool = new Parallel(threads);
        probe = new BandwidthProbe(pool, seg);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public long read(Counters c) {
        long n = probe.read();
        c.bytes += n;
        return n;
    }
}
