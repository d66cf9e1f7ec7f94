package dev.lorillama.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lorillama.runtime.UserInputException;

/** Typed access to fields of a JSON config, with errors that name the file and the field. */
final class HfConfigReader {
    private final JsonNode root;
    private final String where;

    HfConfigReader(JsonNode root, String where) {
        this.root = root;
        this.where = where;
    }

    int requiredInt(String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) throw new UserInputException(where + ": missing field " + field);
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new UserInputException(where + ": field " + field + " must be an integer, found " + n);
        }
        return n.asInt();
    }

    int optionalInt(String field, int fallback) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? fallback : requiredInt(field);
    }

    double requiredDouble(String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) throw new UserInputException(where + ": missing field " + field);
        if (!n.isNumber()) throw new UserInputException(where + ": field " + field + " must be a number, found " + n);
        return n.asDouble();
    }

    double optionalDouble(String field, double fallback) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? fallback : requiredDouble(field);
    }

    String optionalText(String field, String fallback) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? fallback : n.asText();
    }
}
