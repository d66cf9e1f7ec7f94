package dev.lorillama.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.lorillama.runtime.grammar.JsonShape;

/**
 * OpenAI's {@code response_format}: {@code {"type": "text"}} (the default), {@code {"type":
 * "json_object"}} (any JSON object) or {@code {"type": "json_schema", "json_schema": {"name",
 * "schema", "strict"}}}. Both JSON types are enforced by constrained decoding, so the reply
 * parses (and validates) whenever it ends with a stop token; a schema keyword that decoding cannot
 * enforce is a 400 naming it.
 */
final class ResponseFormat {
    private ResponseFormat() {}

    /** The schema the reply must follow ({"type": "object"} for JSON mode), or null for free text. */
    static JsonNode schema(JsonNode format) {
        if (format == null || format.isNull()) return null;
        if (!format.isObject()) throw ApiError.invalid("response_format", "response_format must be an object such as {\"type\": \"json_object\"}");
        String type = format.path("type").asText("");
        return switch (type) {
            case "text" -> null;
            case "json_object" -> JsonNodeFactory.instance.objectNode().put("type", "object");
            case "json_schema" -> {
                JsonNode schema = format.path("json_schema").get("schema");
                if (schema == null || !schema.isObject()) {
                    throw ApiError.invalid("response_format.json_schema.schema", "response_format json_schema needs json_schema.schema, a JSON Schema object");
                }
                try {
                    JsonShape.compile(schema);
                } catch (IllegalArgumentException e) {
                    throw ApiError.unsupported("response_format.json_schema.schema", "response_format: " + e.getMessage());
                }
                yield schema;
            }
            default -> throw ApiError.invalid("response_format.type",
                    "response_format.type must be text, json_object or json_schema, got '" + type + "'");
        };
    }
}
