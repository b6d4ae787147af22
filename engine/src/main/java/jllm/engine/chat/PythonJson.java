package jllm.engine.chat;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;

/**
 * {@code json.dumps(value, ensure_ascii=False, indent=indent)} as Python writes it: separators
 * {@code ", "} and {@code ": "} on one line, {@code ","} and newlines with an indent, keys in
 * insertion order, floats in Python's repr.
 */
final class PythonJson {

    private PythonJson() {
    }

    /** @param indent spaces per level, or a negative number for the one-line form */
    static String dumps(Object value, int indent) {
        StringBuilder out = new StringBuilder();
        write(out, value, indent, 0);
        return out.toString();
    }

    private static void write(StringBuilder out, Object value, int indent, int depth) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (value instanceof Double || value instanceof Float) {
            out.append(floatRepr(((Number) value).doubleValue()));
        } else if (value instanceof Number n) {
            out.append(n instanceof BigDecimal d ? d.toString() : n.toString());
        } else if (value instanceof Map<?, ?> map) {
            writeMap(out, map, indent, depth);
        } else if (value instanceof Iterable<?> items) {
            writeList(out, items, indent, depth);
        } else if (value.getClass().isArray()) {
            java.util.List<Object> items = new java.util.ArrayList<>();
            for (int i = 0; i < Array.getLength(value); i++) {
                items.add(Array.get(value, i));
            }
            writeList(out, items, indent, depth);
        } else {
            writeString(out, value.toString());
        }
    }

    private static void writeMap(StringBuilder out, Map<?, ?> map, int indent, int depth) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            separate(out, first, indent, depth + 1);
            first = false;
            writeString(out, String.valueOf(e.getKey()));
            out.append(": ");
            write(out, e.getValue(), indent, depth + 1);
        }
        close(out, indent, depth);
        out.append('}');
    }

    private static void writeList(StringBuilder out, Iterable<?> items, int indent, int depth) {
        int start = out.length();
        out.append('[');
        boolean first = true;
        for (Object item : items) {
            separate(out, first, indent, depth + 1);
            first = false;
            write(out, item, indent, depth + 1);
        }
        if (first) {
            out.setLength(start);
            out.append("[]");
            return;
        }
        close(out, indent, depth);
        out.append(']');
    }

    private static void separate(StringBuilder out, boolean first, int indent, int depth) {
        if (!first) {
            out.append(indent >= 0 ? "," : ", ");
        }
        if (indent >= 0) {
            out.append('\n').append(" ".repeat(indent * depth));
        }
    }

    private static void close(StringBuilder out, int indent, int depth) {
        if (indent >= 0) {
            out.append('\n').append(" ".repeat(indent * depth));
        }
    }

    private static void writeString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Python's {@code repr(float)}: shortest digits, scientific below 1e-4 or from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exponent = exact.precision() - exact.scale() - 1;
        if (exponent >= -5 + 1 && exponent < 16) {
            String plain = exact.toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        BigInteger unscaled = exact.unscaledValue().abs();
        String digits = unscaled.toString();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String sign = exact.signum() < 0 ? "-" : "";
        String expSign = exponent < 0 ? "-" : "+";
        int absExp = Math.abs(exponent);
        return sign + mantissa + "e" + expSign + (absExp < 10 ? "0" : "") + absExp;
    }
}
