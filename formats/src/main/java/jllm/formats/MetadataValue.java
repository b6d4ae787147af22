package jllm.formats;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One typed GGUF metadata value. The Java representation of {@code value} depends on the type:
 * <ul>
 *   <li>integer types: {@link Long} (UINT64 values above {@code Long.MAX_VALUE} wrap, as in Java)</li>
 *   <li>FLOAT32: {@link Float}; FLOAT64: {@link Double}; BOOL: {@link Boolean}; STRING: {@link String}</li>
 *   <li>ARRAY: an {@link Array}</li>
 * </ul>
 * The type is kept so a file written back has exactly the types it was read with.
 */
public record MetadataValue(GgufValueType type, Object value) {

    public MetadataValue {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        boolean ok = switch (type) {
            case FLOAT32 -> value instanceof Float;
            case FLOAT64 -> value instanceof Double;
            case BOOL -> value instanceof Boolean;
            case STRING -> value instanceof String;
            case ARRAY -> value instanceof Array;
            default -> value instanceof Long;
        };
        if (!ok) {
            throw new IllegalArgumentException(type + " value cannot be a " + value.getClass().getSimpleName());
        }
    }

    /**
     * An array value. {@code values} is a {@code long[]} for integer elements, {@code float[]},
     * {@code double[]}, {@code boolean[]}, {@code String[]}, or {@code List<Array>} for nested arrays.
     */
    public record Array(GgufValueType elementType, Object values) {
        public Array {
            Objects.requireNonNull(elementType, "elementType");
            boolean ok = switch (elementType) {
                case FLOAT32 -> values instanceof float[];
                case FLOAT64 -> values instanceof double[];
                case BOOL -> values instanceof boolean[];
                case STRING -> values instanceof String[] || values instanceof StringTable;
                case ARRAY -> values instanceof List<?>;
                default -> values instanceof long[];
            };
            if (!ok) {
                throw new IllegalArgumentException("array of " + elementType + " cannot hold "
                        + (values == null ? "null" : values.getClass().getSimpleName()));
            }
        }

        /** The elements (a file's string arrays are decoded on the first call). */
        @Override
        public Object values() {
            return values instanceof StringTable t ? t.toArray() : values;
        }

        /** A string array's elements as a table, decoded as they are asked for. */
        TextTable texts() {
            return values instanceof StringTable t ? t : TextTable.of((String[]) values);
        }

        /** Number of elements. */
        public int length() {
            return switch (values) {
                case StringTable t -> t.size();
                case long[] a -> a.length;
                case float[] a -> a.length;
                case double[] a -> a.length;
                case boolean[] a -> a.length;
                case String[] a -> a.length;
                case List<?> l -> l.size();
                default -> throw new IllegalStateException();
            };
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Array a && a.elementType == elementType
                    && Arrays.deepEquals(new Object[] {values()}, new Object[] {a.values()});
        }

        @Override
        public int hashCode() {
            return elementType.hashCode() * 31 + Arrays.deepHashCode(new Object[] {values()});
        }

        @Override
        public String toString() {
            return "[" + length() + " x " + elementType + "]";
        }
    }

    public static MetadataValue ofString(String s) { return new MetadataValue(GgufValueType.STRING, s); }

    public static MetadataValue ofUInt32(long v) { return new MetadataValue(GgufValueType.UINT32, v); }

    public static MetadataValue ofInt32(int v) { return new MetadataValue(GgufValueType.INT32, (long) v); }

    public static MetadataValue ofUInt64(long v) { return new MetadataValue(GgufValueType.UINT64, v); }

    public static MetadataValue ofFloat32(float v) { return new MetadataValue(GgufValueType.FLOAT32, v); }

    public static MetadataValue ofBool(boolean v) { return new MetadataValue(GgufValueType.BOOL, v); }

    public static MetadataValue ofStrings(String... v) {
        return new MetadataValue(GgufValueType.ARRAY, new Array(GgufValueType.STRING, v.clone()));
    }

    public static MetadataValue ofFloats(float... v) {
        return new MetadataValue(GgufValueType.ARRAY, new Array(GgufValueType.FLOAT32, v.clone()));
    }

    /** An array of INT32 values. */
    public static MetadataValue ofInts(int... v) {
        return new MetadataValue(GgufValueType.ARRAY,
                new Array(GgufValueType.INT32, Arrays.stream(v).asLongStream().toArray()));
    }

    @Override
    public String toString() {
        return type == GgufValueType.STRING ? "\"" + value + "\"" : String.valueOf(value);
    }
}
