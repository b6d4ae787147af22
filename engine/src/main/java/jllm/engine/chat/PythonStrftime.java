package jllm.engine.chat;

import java.time.temporal.TemporalAccessor;
import java.time.format.TextStyle;
import java.time.temporal.ChronoField;
import java.util.Locale;

/** Python's {@code strftime} for the common directives (C locale), with glibc's {@code %-d}. */
final class PythonStrftime {

    private PythonStrftime() {
    }

    static String format(String pattern, TemporalAccessor t) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 == pattern.length()) {
                out.append(c);
                continue;
            }
            char d = pattern.charAt(++i);
            boolean unpadded = d == '-' && i + 1 < pattern.length();
            if (unpadded) {
                d = pattern.charAt(++i);
            }
            out.append(directive(d, t, unpadded));
        }
        return out.toString();
    }

    private static String directive(char d, TemporalAccessor t, boolean unpadded) {
        return switch (d) {
            case 'Y' -> Integer.toString(t.get(ChronoField.YEAR));
            case 'y' -> pad(t.get(ChronoField.YEAR) % 100, 2, unpadded);
            case 'm' -> pad(t.get(ChronoField.MONTH_OF_YEAR), 2, unpadded);
            case 'd' -> pad(t.get(ChronoField.DAY_OF_MONTH), 2, unpadded);
            case 'e' -> String.format(Locale.ROOT, "%2d", t.get(ChronoField.DAY_OF_MONTH));
            case 'j' -> pad(t.get(ChronoField.DAY_OF_YEAR), 3, unpadded);
            case 'H' -> pad(t.get(ChronoField.HOUR_OF_DAY), 2, unpadded);
            case 'I' -> pad(t.get(ChronoField.CLOCK_HOUR_OF_AMPM), 2, unpadded);
            case 'M' -> pad(t.get(ChronoField.MINUTE_OF_HOUR), 2, unpadded);
            case 'S' -> pad(t.get(ChronoField.SECOND_OF_MINUTE), 2, unpadded);
            case 'p' -> t.get(ChronoField.AMPM_OF_DAY) == 0 ? "AM" : "PM";
            case 'B' -> month(t, TextStyle.FULL);
            case 'b', 'h' -> month(t, TextStyle.SHORT);
            case 'A' -> weekday(t, TextStyle.FULL);
            case 'a' -> weekday(t, TextStyle.SHORT);
            case '%' -> "%";
            default -> "%" + (unpadded ? "-" : "") + d;
        };
    }

    private static String pad(int value, int width, boolean unpadded) {
        String s = Integer.toString(value);
        return unpadded ? s : "0".repeat(Math.max(0, width - s.length())) + s;
    }

    private static String month(TemporalAccessor t, TextStyle style) {
        return java.time.Month.of(t.get(ChronoField.MONTH_OF_YEAR)).getDisplayName(style, Locale.ENGLISH);
    }

    private static String weekday(TemporalAccessor t, TextStyle style) {
        return java.time.DayOfWeek.of(t.get(ChronoField.DAY_OF_WEEK)).getDisplayName(style, Locale.ENGLISH);
    }
}
