package jllm.formats;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The key/value metadata of a GGUF file, in file order, with typed accessors. A missing key or a
 * value of the wrong type is a {@link FormatException} naming the file and the key.
 */
public final class GgufMetadata {
    private final String file;
    private final Map<String, MetadataValue> values;

    GgufMetadata(String file, Map<String, MetadataValue> values) {
        this.file = file;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** All entries, in file order. */
    public Map<String, MetadataValue> asMap() { return values; }

    public Set<String> keys() { return values.keySet(); }

    public boolean contains(String key) { return values.containsKey(key); }

    public Optional<MetadataValue> find(String key) { return Optional.ofNullable(values.get(key)); }

    public MetadataValue get(String key) {
        MetadataValue v = values.get(key);
        if (v == null) {
            throw new FormatException(file, key, -1, "metadata key is missing");
        }
        return v;
    }

    /** A string value. */
    public String getString(String key) {
        return (String) expect(key, get(key), GgufValueType.STRING).value();
    }

    public Optional<String> findString(String key) {
        return find(key).map(v -> (String) expect(key, v, GgufValueType.STRING).value());
    }

    /** Any integer type, as a long. */
    public long getLong(String key) {
        return integer(key, get(key));
    }

    public Optional<Long> findLong(String key) {
        return find(key).map(v -> integer(key, v));
    }

    /** Any integer type that fits an int. */
    public int getInt(String key) {
        return toInt(key, getLong(key));
    }

    public Optional<Integer> findInt(String key) {
        return findLong(key).map(v -> toInt(key, v));
    }

    /** FLOAT32 or FLOAT64 (or an integer), as a float. */
    public float getFloat(String key) {
        return number(key, get(key));
    }

    public Optional<Float> findFloat(String key) {
        return find(key).map(v -> number(key, v));
    }

    public boolean getBoolean(String key) {
        return (Boolean) expect(key, get(key), GgufValueType.BOOL).value();
    }

    public Optional<Boolean> findBoolean(String key) {
        return find(key).map(v -> (Boolean) expect(key, v, GgufValueType.BOOL).value());
    }

    /** An array value of any element type. */
    public MetadataValue.Array getArray(String key) {
        return (MetadataValue.Array) expect(key, get(key), GgufValueType.ARRAY).value();
    }

    public Optional<MetadataValue.Array> findArray(String key) {
        return find(key).map(v -> (MetadataValue.Array) expect(key, v, GgufValueType.ARRAY).value());
    }

    /** An array of strings. */
    public String[] getStringArray(String key) {
        MetadataValue.Array a = getArray(key);
        if (a.elementType() != GgufValueType.STRING) {
            throw wrongType(key, "array of STRING", "array of " + a.elementType());
        }
        return ((String[]) a.values()).clone();
    }

    /**
     * An array of strings as a {@link TextTable}: a file's strings are decoded one by one as they
     * are asked for, not all at once.
     */
    public TextTable getTexts(String key) {
        MetadataValue.Array a = getArray(key);
        if (a.elementType() != GgufValueType.STRING) {
            throw wrongType(key, "array of STRING", "array of " + a.elementType());
        }
        return a.texts();
    }

    /** An array of FLOAT32 values (FLOAT64 arrays are narrowed). */
    public float[] getFloatArray(String key) {
        MetadataValue.Array a = getArray(key);
        return switch (a.values()) {
            case float[] f -> f.clone();
            case double[] d -> {
                float[] f = new float[d.length];
                for (int i = 0; i < d.length; i++) {
                    f[i] = (float) d[i];
                }
                yield f;
            }
            default -> throw wrongType(key, "array of FLOAT32", "array of " + a.elementType());
        };
    }

    /** An array of integers, each of which must fit an int. */
    public int[] getIntArray(String key) {
        MetadataValue.Array a = getArray(key);
        if (!(a.values() instanceof long[] l)) {
            throw wrongType(key, "array of integers", "array of " + a.elementType());
        }
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            long v = l[i];
            out[i] = (int) v == v ? (int) v : toInt(key + "[" + i + "]", v);   // the name only for the error
        }
        return out;
    }

    private MetadataValue expect(String key, MetadataValue v, GgufValueType type) {
        if (v.type() != type) {
            throw wrongType(key, type.name(), v.type().name());
        }
        return v;
    }

    private long integer(String key, MetadataValue v) {
        if (!v.type().isInteger()) {
            throw wrongType(key, "an integer", v.type().name());
        }
        return (Long) v.value();
    }

    private float number(String key, MetadataValue v) {
        return switch (v.value()) {
            case Float f -> f;
            case Double d -> d.floatValue();
            case Long l -> l.floatValue();
            default -> throw wrongType(key, "a number", v.type().name());
        };
    }

    private int toInt(String key, long v) {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new FormatException(file, key, -1, "value " + v + " does not fit a 32-bit int");
        }
        return (int) v;
    }

    private FormatException wrongType(String key, String wanted, String found) {
        return new FormatException(file, key, -1, "expected " + wanted + " but the file has " + found);
    }

    @Override
    public String toString() {
        return values.toString();
    }

}
