package jllm.formats;

/**
 * Every tensor type id that ggml has defined, with its block geometry. A tensor of {@code n}
 * elements of a block type takes {@code n / blockSize * bytesPerBlock} bytes; {@code n} must be a
 * multiple of {@code blockSize} along the innermost dimension.
 *
 * <p>Ids that ggml has since removed (Q4_2, Q4_3, the interleaved Q4_0_x_y layouts) are kept so a
 * file that uses them gets a message naming the type instead of "unknown id".
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q4_2(4, 0, 0),          // removed from ggml
    Q4_3(5, 0, 0),          // removed from ggml
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2),
    Q4_0_4_4(31, 0, 0),     // removed from ggml (repacked at load time now)
    Q4_0_4_8(32, 0, 0),     // removed
    Q4_0_8_8(33, 0, 0),     // removed
    TQ1_0(34, 256, 54),
    TQ2_0(35, 256, 66),
    IQ4_NL_4_4(36, 0, 0),   // removed
    IQ4_NL_4_8(37, 0, 0),   // removed
    IQ4_NL_8_8(38, 0, 0),   // removed
    MXFP4(39, 32, 17);

    private static final GgmlType[] BY_ID = new GgmlType[40];

    static {
        for (GgmlType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final int blockSize;
    private final int bytesPerBlock;

    GgmlType(int id, int blockSize, int bytesPerBlock) {
        this.id = id;
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
    }

    /** The numeric id stored in GGUF tensor infos. */
    public int id() { return id; }

    /** Elements per block (1 for plain types). */
    public int blockSize() { return blockSize; }

    /** Bytes per block. */
    public int bytesPerBlock() { return bytesPerBlock; }

    /** True for ids ggml no longer defines; such tensors cannot be read at all. */
    public boolean isRemoved() { return blockSize == 0; }

    /** True for block-quantized types (more than one element per block). */
    public boolean isQuantized() { return blockSize > 1; }

    /** ggml's own spelling of the name, e.g. {@code q4_K}, {@code f16}. */
    public String ggmlName() {
        String n = name().toLowerCase(java.util.Locale.ROOT);
        return n.endsWith("_k") ? n.substring(0, n.length() - 2) + "_K" : n;
    }

    /** The type with this id, or null when the id was never defined. */
    public static GgmlType byId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }

    /**
     * Bytes taken by a row of {@code elements} elements.
     *
     * @throws IllegalArgumentException when elements is not a whole number of blocks, or the type was removed
     */
    public long rowBytes(long elements) {
        if (isRemoved()) {
            throw new IllegalArgumentException("type " + name() + " was removed from ggml");
        }
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    elements + " elements is not a multiple of the " + name() + " block size " + blockSize);
        }
        return Math.multiplyExact(elements / blockSize, (long) bytesPerBlock);
    }
}
