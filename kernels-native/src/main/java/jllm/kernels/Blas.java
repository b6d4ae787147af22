package jllm.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.Optional;

/**
 * OpenBLAS's {@code cblas_sgemm} through FFM (no JNI). The shared libraries come from the
 * {@code org.bytedeco:openblas:linux-x86_64} jar on the class path: they are extracted once to
 * {@code ~/.cache/jllm/native/<version>/} (or {@code $JLLM_CACHE/native/<version>}) and opened with
 * {@link SymbolLookup#libraryLookup}; failing that, a system {@code libopenblas.so.0} is tried.
 * Heap arrays are passed as heap segments to a critical downcall (no copies).
 */
public final class Blas {
    /** The bundled OpenBLAS version (the Maven artifact's). */
    public static final String VERSION = "0.3.31-1.5.13";
    private static final String RESOURCE_DIR = "org/bytedeco/openblas/linux-x86_64/";
    /** Load order: dependencies first, so the dynamic linker finds them already loaded. */
    private static final String[] LIBS = {"libgcc_s.so.1", "libquadmath.so.0", "libgfortran.so.5", "libopenblas.so.0"};

    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

    private static volatile Optional<Blas> loaded;
    private static volatile String failure = "not tried";

    private final MethodHandle sgemm;
    private final MethodHandle setThreads;   // openblas_set_num_threads, or null
    private final String source;
    private volatile int threads = -1;

    private Blas(MethodHandle sgemm, MethodHandle setThreads, String source) {
        this.sgemm = sgemm;
        this.setThreads = setThreads;
        this.source = source;
    }

    /** Sets OpenBLAS's own thread count (no-op when the library lacks openblas_set_num_threads). */
    public void setThreads(int n) {
        if (n < 1 || n == threads || setThreads == null) {
            return;
        }
        try {
            setThreads.invokeExact(n);
            threads = n;
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_set_num_threads failed", t);
        }
    }

    /** OpenBLAS, loaded on first call; empty when it cannot be loaded (see {@link #loadFailure()}). */
    public static Optional<Blas> load() {
        Optional<Blas> b = loaded;
        if (b == null) {
            synchronized (Blas.class) {
                b = loaded;
                if (b == null) {
                    b = tryLoad();
                    loaded = b;
                }
            }
        }
        return b;
    }

    /** Why {@link #load()} came back empty. */
    public static String loadFailure() {
        load();
        return failure;
    }

    /** Where the library was loaded from. */
    public String source() {
        return source;
    }

    private static Optional<Blas> tryLoad() {
        StringBuilder why = new StringBuilder();
        if (!"x86_64".equals(arch()) && !"amd64".equals(System.getProperty("os.arch"))
                || !System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            why.append("the bundled OpenBLAS is for linux-x86_64 only; ");
        } else {
            try {
                Path dir = extract();
                if (dir != null) {
                    SymbolLookup last = null;
                    for (String lib : LIBS) {
                        last = SymbolLookup.libraryLookup(dir.resolve(lib), Arena.global());
                    }
                    return Optional.of(bind(last, dir.resolve("libopenblas.so.0").toString()));
                }
                why.append("org.bytedeco:openblas:linux-x86_64 is not on the class path; ");
            } catch (Throwable t) {
                why.append("bundled OpenBLAS failed: ").append(t).append("; ");
            }
        }
        for (String name : new String[] {"libopenblas.so.0", "libopenblas.so"}) {
            try {
                return Optional.of(bind(SymbolLookup.libraryLookup(name, Arena.global()), name + " (system)"));
            } catch (Throwable t) {
                why.append(name).append(": ").append(t.getMessage()).append("; ");
            }
        }
        failure = why.toString();
        return Optional.empty();
    }

    private static String arch() {
        return System.getProperty("os.arch", "");
    }

    private static Blas bind(SymbolLookup lookup, String source) {
        Linker linker = Linker.nativeLinker();
        MemorySegment fn = lookup.find("cblas_sgemm").orElseThrow(() -> new IllegalStateException("no cblas_sgemm in " + source));
        ValueLayout.OfInt I = ValueLayout.JAVA_INT;
        ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
        MethodHandle h = linker.downcallHandle(fn,
                FunctionDescriptor.ofVoid(I, I, I, I, I, I, F, ValueLayout.ADDRESS, I, ValueLayout.ADDRESS, I, F, ValueLayout.ADDRESS, I),
                Linker.Option.critical(true));
        MethodHandle st = lookup.find("openblas_set_num_threads")
                .map(a -> linker.downcallHandle(a, FunctionDescriptor.ofVoid(I))).orElse(null);
        return new Blas(h, st, source);
    }

    /** Extracts the libraries once; returns their folder, or null when the jar is absent. */
    private static Path extract() throws IOException {
        ClassLoader cl = Blas.class.getClassLoader();
        if (cl == null || cl.getResource(RESOURCE_DIR + "libopenblas.so.0") == null) {
            return null;
        }
        String base = System.getenv("JLLM_CACHE");
        Path root = base != null ? Path.of(base) : Path.of(System.getProperty("user.home"), ".cache", "jllm");
        Path dir = root.resolve("native").resolve(VERSION);
        Files.createDirectories(dir);
        for (String lib : LIBS) {
            Path target = dir.resolve(lib);
            if (Files.isRegularFile(target)) {
                continue;
            }
            try (InputStream in = cl.getResourceAsStream(RESOURCE_DIR + lib)) {
                if (in == null) {
                    throw new IOException("missing " + RESOURCE_DIR + lib);
                }
                Path tmp = Files.createTempFile(dir, lib, ".tmp");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }

    /**
     * Row-major {@code C = alpha * op(A) * op(B) + beta * C} with {@code op(A)} m x k and
     * {@code op(B)} k x n; lda/ldb/ldc are row strides in elements.
     */
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc) {
        sgemm(transA, transB, m, n, k, alpha, MemorySegment.ofArray(a), lda, MemorySegment.ofArray(b), ldb, beta,
                MemorySegment.ofArray(c), ldc);
    }

    /** As {@link #sgemm(boolean, boolean, int, int, int, float, float[], int, float[], int, float, float[], int)}, on segments (heap or native). */
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      MemorySegment a, int lda, MemorySegment b, int ldb, float beta, MemorySegment c, int ldc) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        Objects.requireNonNull(c, "c");
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("negative shape " + m + " x " + n + " x " + k);
        }
        check(a, transA ? k : m, transA ? m : k, lda, "a");
        check(b, transB ? n : k, transB ? k : n, ldb, "b");
        check(c, m, n, ldc, "c");
        if (m == 0 || n == 0) {
            return;
        }
        try {
            sgemm.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha,
                    a, lda, b, ldb, beta, c, ldc);
        } catch (Throwable t) {
            throw new IllegalStateException("cblas_sgemm failed", t);
        }
    }

    private static void check(MemorySegment s, int rows, int cols, int ld, String name) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("ld" + name + " " + ld + " < " + cols);
        }
        long need = rows == 0 ? 0 : ((long) (rows - 1) * ld + cols) * Float.BYTES;
        if (s.byteSize() < need) {
            throw new IllegalArgumentException(name + " has " + s.byteSize() + " bytes, needs " + need);
        }
    }
}
