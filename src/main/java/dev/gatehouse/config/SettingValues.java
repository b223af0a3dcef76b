package dev.gatehouse.config;

import java.util.List;
import java.util.Map;

/** Reading one environment variable the way every settings record does: blank is unset, problems are collected by name. */
public final class SettingValues {
    private SettingValues() {}

    public static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /** The variable as a whole number in [min, max], else {@code def}; a bad value adds a problem naming the variable. */
    public static int wholeNumber(Map<String, String> env, String name, int def, int min, int max, List<String> problems) {
        String v = blankToNull(env.get(name));
        if (v == null) {
            return def;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                problems.add(name + " must be between " + min + " and " + max + ", got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            problems.add(name + " must be a whole number, got '" + v + "'");
            return def;
        }
    }

    /** The variable as a number in [min, max], else {@code def}; a bad value adds a problem naming the variable. */
    public static double number(Map<String, String> env, String name, double def, double min, double max, List<String> problems) {
        String v = blankToNull(env.get(name));
        if (v == null) {
            return def;
        }
        try {
            double n = Double.parseDouble(v);
            if (!(n >= min && n <= max)) {
                problems.add(name + " must be between " + (long) min + " and " + (long) max + ", got " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            problems.add(name + " must be a number, got '" + v + "'");
            return def;
        }
    }
}
