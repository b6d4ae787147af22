package jllm.kernels;

import java.lang.foreign.MemorySegment;

import jllm.formats.GgmlType;

/** The weight types whose matrix-vector kernels read 8 rows interleaved: {@link Q4_0x8}, {@link Q4_Kx8}. */
final class Interleave {
    private Interleave() {}

    /** Rows per interleaved group. */
    static final int ROWS = 8;

    /** Whether matVec with this matrix makes and reads an interleaved copy. */
    static boolean applies(Matrix m) {
        return Q4_0x8.applies(m) || Q4_Kx8.applies(m);
    }

    /** The interleaved copy, or null where it cannot be made. */
    static MemorySegment pack(Matrix m, Parallel pool) {
        return m.type() == GgmlType.Q4_K ? Q4_Kx8.pack(m, pool) : Q4_0x8.pack(m, pool);
    }

    /** Bytes of one group of 8 rows in the copy. */
    static long groupBytes(GgmlType t, int cols) {
        return t == GgmlType.Q4_K ? Q4_Kx8.groupBytes(cols) : ROWS * t.rowBytes(cols);
    }

    /** Row r (0..7) of the group at group[0..] back in the file's row encoding, at row[0..]. */
    static void unpackRow(GgmlType t, byte[] group, int cols, int r, byte[] row) {
        if (t == GgmlType.Q4_K) {
            Q4_Kx8.unpackRow(group, 0, cols / 256, r, row, 0);
        } else {
            Q4_0x8.unpackRow(group, 0, cols / 32, r, row, 0);
        }
    }
}
