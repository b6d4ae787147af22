package jllm.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Large blocks of native memory for weights the kernels rearrange (the interleaved Q4_0 copy):
 * on Linux straight from {@code mmap}, freed with {@code munmap} once unreachable.
 *
 * <p>Why not {@link Arena#allocate}: it zeroes the block on the calling thread first (a 1B
 * model's 550 MB: 210 ms), and it counts against {@code -XX:MaxDirectMemorySize}, which defaults
 * to the maximum heap and would refuse a large model's copy. Fresh anonymous pages are zero
 * already, and the threads that fill them take their page faults in parallel. (2 MiB pages,
 * {@code madvise(MADV_HUGEPAGE)}, made filling a 1B model's copy 2x slower here: the kernel
 * compacts memory to find them.) Elsewhere, or without native access, {@link Arena#ofAuto}.
 */
final class NativeMemory {
    private NativeMemory() {}

    /**
     * Below this, {@link Arena#ofAuto} (zeroing a small block costs nothing). Sizes above it
     * need {@code mmap}, whose downcall handles are made on first use ({@link Libc}): setting up
     * the linker spins classes and took ~80 ms of a cold start, which the warm-up's small
     * samples should not spend.
     */
    static final long SMALL = 1 << 20;

    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;

    /** libc's mmap and munmap, or null where they cannot be had. */
    private static final class Libc {
        static final MethodHandle MMAP, MUNMAP;

        static {
            MethodHandle mmap = null, munmap = null;
            try {
                if (System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
                    Linker linker = Linker.nativeLinker();
                    SymbolLookup libc = linker.defaultLookup();
                    mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS,
                            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                    munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
                }
            } catch (RuntimeException | Error e) {
                // no native access (or not Linux): the Arena fallback
                mmap = null;
            }
            MMAP = mmap;
            MUNMAP = munmap;
        }
    }

    /**
     * A block of {@code bytes} (contents unspecified until written), freed when the returned
     * segment is no longer reachable.
     *
     * @throws OutOfMemoryError when the memory cannot be had
     */
    static MemorySegment allocate(long bytes) {
        if (bytes > SMALL && Libc.MMAP != null) {
            MemorySegment p;
            try {
                p = (MemorySegment) Libc.MMAP.invokeExact(MemorySegment.NULL, bytes, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
            } catch (Throwable t) {
                throw new IllegalStateException("mmap failed", t);
            }
            if (p.address() == -1L) {   // MAP_FAILED
                throw new OutOfMemoryError("mmap of " + bytes + " bytes failed");
            }
            long size = bytes;
            return p.reinterpret(bytes, Arena.ofAuto(), s -> unmap(s, size));
        }
        return Arena.ofAuto().allocate(bytes, 64);
    }

    private static void unmap(MemorySegment s, long size) {
        try {
            int ignored = (int) Libc.MUNMAP.invokeExact(s, size);
        } catch (Throwable t) {
            // nothing to be done while freeing
        }
    }
}
