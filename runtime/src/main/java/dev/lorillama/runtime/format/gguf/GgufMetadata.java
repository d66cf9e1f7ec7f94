package dev.lorillama.runtime.format.gguf;

import dev.lorillama.runtime.UserInputException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Typed, checked reads of GGUF metadata; errors name the file, the key and the value found. */
public final class GgufMetadata {
    private final Path path;
    private final Map<String, Object> values;

    private GgufMetadata(Path path, Map<String, Object> values) {
        this.path = path;
        this.values = values;
    }

    static GgufMetadata of(Path path, Map<String, Object> values) {
        return new GgufMetadata(path, values);
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    private UserInputException wrong(String key, String expected) {
        Object v = values.get(key);
        String found = v == null ? "nothing" : v instanceof String s ? "\"" + s + "\"" : v.getClass().getSimpleName();
        if (v instanceof Long || v instanceof Double || v instanceof Boolean) found = v.toString();
        return new UserInputException(path + ": metadata " + key + ": expected " + expected + ", found " + found);
    }

    public long requireLong(String key) {
        if (!(values.get(key) instanceof Long v)) throw wrong(key, "an integer");
        return v;
    }

    public long optionalLong(String key, long fallback) {
        return has(key) ? requireLong(key) : fallback;
    }

    /** An integer in [min, max]. */
    public int requireInt(String key, int min, int max) {
        long v = requireLong(key);
        if (v < min || v > max) throw wrong(key, "an integer in [" + min + ", " + max + "]");
        return (int) v;
    }

    public int optionalInt(String key, int min, int max, int fallback) {
        return has(key) ? requireInt(key, min, max) : fallback;
    }

    public double requireDouble(String key) {
        Object v = values.get(key);
        if (v instanceof Double d && Double.isFinite(d)) return d;
        if (v instanceof Long l) return l;
        throw wrong(key, "a finite number");
    }

    public double optionalDouble(String key, double fallback) {
        return has(key) ? requireDouble(key) : fallback;
    }

    public String requireString(String key) {
        if (!(values.get(key) instanceof String s)) throw wrong(key, "a string");
        return s;
    }

    public String optionalString(String key, String fallback) {
        return has(key) ? requireString(key) : fallback;
    }

    @SuppressWarnings("unchecked")
    public List<String> requireStrings(String key) {
        if (!(values.get(key) instanceof List<?> list)) throw wrong(key, "an array of strings");
        return (List<String>) list;
    }

    public long[] requireLongs(String key) {
        if (!(values.get(key) instanceof long[] v)) throw wrong(key, "an array of integers");
        return v;
    }
}
