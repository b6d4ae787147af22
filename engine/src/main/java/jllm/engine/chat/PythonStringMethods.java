package jllm.engine.chat;

import com.hubspot.jinjava.objects.SafeString;
import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python {@code str} methods that chat templates call on strings ({@code .strip()},
 * {@code .upper()}, {@code .title()}, {@code .startswith(...)}, {@code .split(...)}, ...), which
 * Jinjava, resolving methods on {@link String}, would not find or would give Java meanings
 * (regex {@code split}). Other calls fall through to the next resolver.
 */
final class PythonStringMethods extends ELResolver {

    private static final Object UNHANDLED = new Object();

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes,
            Object[] params) {
        String s = base instanceof String str ? str : base instanceof SafeString safe ? safe.toString() : null;
        if (s == null || !(method instanceof String name)) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result = call(s, name, args);
        if (result == UNHANDLED) {
            return null;
        }
        context.setPropertyResolved(true);
        return result;
    }

    private static Object call(String s, String name, Object[] args) {
        return switch (name) {
            case "strip" -> strip(s, arg(args, 0), true, true);
            case "lstrip" -> strip(s, arg(args, 0), true, false);
            case "rstrip" -> strip(s, arg(args, 0), false, true);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s
                    : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "startswith" -> matchesAny(s, args.length > 0 ? args[0] : null, true);
            case "endswith" -> matchesAny(s, args.length > 0 ? args[0] : null, false);
            case "split" -> split(s, arg(args, 0), args.length > 1 ? toInt(args[1]) : -1);
            case "replace" -> args.length < 2 ? UNHANDLED
                    : replace(s, String.valueOf(args[0]), String.valueOf(args[1]),
                            args.length > 2 ? toInt(args[2]) : -1);
            case "join" -> args.length != 1 ? UNHANDLED : join(s, args[0]);
            case "find" -> args.length < 1 ? UNHANDLED : (long) s.indexOf(String.valueOf(args[0]));
            case "count" -> args.length < 1 ? UNHANDLED : count(s, String.valueOf(args[0]));
            case "isspace" -> !s.isEmpty() && s.chars().allMatch(c -> isSpace((char) c));
            case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            default -> UNHANDLED;
        };
    }

    private static String arg(Object[] args, int index) {
        return args.length > index && args[index] != null ? String.valueOf(args[index]) : null;
    }

    private static int toInt(Object value) {
        return value instanceof Number n ? n.intValue() : Integer.parseInt(String.valueOf(value).trim());
    }

    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        while (left && start < end && stripped(s.charAt(start), chars)) {
            start++;
        }
        while (right && end > start && stripped(s.charAt(end - 1), chars)) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }

    static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean cased = Character.isLetter(c);
            out.append(cased ? (previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c)) : c);
            previousCased = cased;
        }
        return out.toString();
    }

    private static Object matchesAny(String s, Object affix, boolean prefix) {
        if (affix == null) {
            return UNHANDLED;
        }
        if (affix instanceof Iterable<?> options) {
            for (Object option : options) {
                if (matches(s, String.valueOf(option), prefix)) {
                    return true;
                }
            }
            return false;
        }
        return matches(s, String.valueOf(affix), prefix);
    }

    private static boolean matches(String s, String affix, boolean prefix) {
        return prefix ? s.startsWith(affix) : s.endsWith(affix);
    }

    static List<String> split(String s, String separator, int maxSplit) {
        List<String> parts = new ArrayList<>();
        if (separator == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isSpace(s.charAt(i))) {
                    i++;
                }
                if (i == n) {
                    return parts;
                }
                if (maxSplit >= 0 && parts.size() == maxSplit) {
                    parts.add(strip(s.substring(i), null, false, true));
                    return parts;
                }
                int start = i;
                while (i < n && !isSpace(s.charAt(i))) {
                    i++;
                }
                parts.add(s.substring(start, i));
            }
        }
        if (separator.isEmpty()) {
            throw new IllegalArgumentException("split(): empty separator");
        }
        int start = 0;
        int at;
        while ((maxSplit < 0 || parts.size() < maxSplit) && (at = s.indexOf(separator, start)) >= 0) {
            parts.add(s.substring(start, at));
            start = at + separator.length();
        }
        parts.add(s.substring(start));
        return parts;
    }

    private static String replace(String s, String old, String replacement, int count) {
        if (count < 0) {
            return s.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        int start = 0;
        for (int done = 0; done < count; done++) {
            int at = s.indexOf(old, start);
            if (at < 0) {
                break;
            }
            out.append(s, start, at).append(replacement);
            start = at + old.length();
            if (old.isEmpty()) {
                if (start >= s.length()) {
                    break;
                }
                out.append(s.charAt(start++));
            }
        }
        return out.append(s.substring(Math.min(start, s.length()))).toString();
    }

    private static String join(String separator, Object items) {
        if (!(items instanceof Iterable<?> iterable)) {
            return String.valueOf(items);
        }
        StringBuilder out = new StringBuilder();
        boolean first = true;
        for (Object item : iterable) {
            if (!first) {
                out.append(separator);
            }
            first = false;
            out.append(item);
        }
        return out.toString();
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1L;
        }
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // read-only: never resolves a property
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return Collections.emptyIterator();
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
