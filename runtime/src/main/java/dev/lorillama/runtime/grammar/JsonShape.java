package dev.lorillama.runtime.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a JSON value may look like, compiled from a JSON Schema: the subset that decoding can
 * enforce token by token, so that everything generated validates. Supported: {@code type} (one
 * or several), {@code properties} with {@code required} (generated in the schema's order;
 * optional ones may be left out), {@code additionalProperties} (for an object without
 * {@code properties}), {@code items} with {@code minItems}/{@code maxItems}, {@code enum},
 * {@code const}, {@code anyOf}, {@code $ref} to {@code #/$defs/...} or {@code #/definitions/...}
 * (recursion too), and annotations ({@code title}, {@code description}, ...). Any other keyword
 * ({@code pattern}, {@code minimum}, {@code format}, {@code oneOf}, ...) is refused by name rather
 * than ignored, since output could then fail to validate.
 *
 * <p>Shapes compare by identity: a matcher state holds the shape it expects.
 */
public abstract sealed class JsonShape {
    /** Any JSON value. */
    public static final JsonShape ANY = new Any();
    static final FreeObject FREE_OBJECT = new FreeObject(ANY);
    static final Array FREE_ARRAY = new Array(ANY, 0, Integer.MAX_VALUE);
    /** Any JSON object: OpenAI's {@code response_format: {"type": "json_object"}}. */
    public static final JsonShape ANY_OBJECT = FREE_OBJECT;

    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "default", "examples", "$schema", "$id",
            "$comment", "deprecated", "readOnly", "writeOnly", "$defs", "definitions", "strict");

    static final class Any extends JsonShape {}

    /** An object with the named properties, in this order; required ones must appear. */
    static final class FixedObject extends JsonShape {
        final List<String> names = new ArrayList<>();
        final List<String> keys = new ArrayList<>(); // each name as JSON text with its quotes: UTF-8 bytes in a Latin-1 string
        final List<JsonShape> shapes = new ArrayList<>();
        final List<Boolean> required = new ArrayList<>();

        /** Whether every property from {@code from} on may be left out. */
        boolean noneRequiredFrom(int from) {
            for (int i = from; i < required.size(); i++) if (required.get(i)) return false;
            return true;
        }
    }

    /** An object with any keys, each value of one shape. */
    static final class FreeObject extends JsonShape {
        final JsonShape values;

        FreeObject(JsonShape values) {
            this.values = values;
        }
    }

    static final class Array extends JsonShape {
        final JsonShape items;
        final int minItems;
        final int maxItems; // Integer.MAX_VALUE: no limit

        Array(JsonShape items, int minItems, int maxItems) {
            this.items = items;
            this.minItems = minItems;
            this.maxItems = maxItems;
        }
    }

    static final class Text extends JsonShape {}

    static final class Number extends JsonShape {
        final boolean integer;

        Number(boolean integer) {
            this.integer = integer;
        }
    }

    /** Exactly this JSON text (an enum or const value, true, false, null), as bytes in a Latin-1 string. */
    static final class Literal extends JsonShape {
        final String bytes;

        Literal(String bytes) {
            this.bytes = bytes;
        }
    }

    static final class Union extends JsonShape {
        final List<JsonShape> alternatives;

        Union(List<JsonShape> alternatives) {
            this.alternatives = List.copyOf(alternatives);
        }
    }

    /** A {@code $ref}, resolved after the whole schema is compiled (it may refer to itself). */
    static final class Ref extends JsonShape {
        JsonShape target;
    }

    /**
     * Compiles a JSON Schema.
     *
     * @throws IllegalArgumentException naming the keyword (and where it is) that cannot be enforced
     */
    public static JsonShape compile(JsonNode schema) {
        Compiler c = new Compiler(schema);
        JsonShape shape = c.shape(schema, "");
        c.resolveRefs();
        return shape;
    }

    private static final class Compiler {
        private final JsonNode root;
        private final Map<String, Ref> refs = new HashMap<>();

        Compiler(JsonNode root) {
            this.root = root;
        }

        JsonShape shape(JsonNode s, String at) {
            if (s.isBoolean()) {
                if (s.asBoolean()) return ANY;
                throw refused(at, "the schema false (nothing is valid)");
            }
            if (!s.isObject()) throw new IllegalArgumentException("schema" + at + " must be an object, got " + s.getNodeType());
            for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!ANNOTATIONS.contains(k) && !Set.of("type", "properties", "required", "additionalProperties", "items", "minItems",
                        "maxItems", "enum", "const", "anyOf", "$ref").contains(k)) {
                    throw refused(at, "the keyword '" + k + "'");
                }
            }
            if (s.has("$ref")) return ref(s.get("$ref").asText(), at);
            if (s.has("const")) return literal(s.get("const"));
            if (s.has("enum")) {
                if (!s.get("enum").isArray() || s.get("enum").isEmpty()) throw new IllegalArgumentException("schema" + at + ".enum must be a non-empty array");
                List<JsonShape> values = new ArrayList<>();
                s.get("enum").forEach(v -> values.add(literal(v)));
                return union(values);
            }
            if (s.has("anyOf")) {
                List<JsonShape> alternatives = new ArrayList<>();
                JsonNode anyOf = s.get("anyOf");
                for (int i = 0; i < anyOf.size(); i++) alternatives.add(shape(anyOf.get(i), at + ".anyOf[" + i + "]"));
                if (alternatives.isEmpty()) throw new IllegalArgumentException("schema" + at + ".anyOf must not be empty");
                return union(alternatives);
            }
            JsonNode type = s.get("type");
            List<String> types = new ArrayList<>();
            if (type == null) {
                if (s.has("properties") || s.has("additionalProperties") || s.has("required")) types.add("object");
                else if (s.has("items")) types.add("array");
                else return ANY;
            } else if (type.isArray()) {
                type.forEach(t -> types.add(t.asText()));
            } else {
                types.add(type.asText());
            }
            List<JsonShape> alternatives = new ArrayList<>();
            for (String t : types) alternatives.add(typed(t, s, at));
            return union(alternatives);
        }

        private JsonShape typed(String type, JsonNode s, String at) {
            return switch (type) {
                case "object" -> object(s, at);
                case "array" -> {
                    JsonShape items = s.has("items") ? shape(s.get("items"), at + ".items") : ANY;
                    int min = s.path("minItems").asInt(0);
                    int max = s.has("maxItems") ? s.get("maxItems").asInt() : Integer.MAX_VALUE;
                    if (min < 0 || max < min) throw new IllegalArgumentException("schema" + at + ": minItems " + min + " and maxItems " + max + " allow no array");
                    yield new Array(items, min, max);
                }
                case "string" -> new Text();
                case "number" -> new Number(false);
                case "integer" -> new Number(true);
                case "boolean" -> union(List.of(new Literal("true"), new Literal("false")));
                case "null" -> new Literal("null");
                default -> throw new IllegalArgumentException("schema" + at + ".type: unknown type '" + type + "'");
            };
        }

        private JsonShape object(JsonNode s, String at) {
            JsonNode properties = s.get("properties");
            if (properties == null || properties.isEmpty()) {
                JsonNode extra = s.get("additionalProperties");
                if (s.has("required") && !s.get("required").isEmpty()) throw refused(at, "'required' without 'properties'");
                if (extra != null && extra.isBoolean() && !extra.asBoolean()) return new Literal("{}");
                return new FreeObject(extra == null || extra.isBoolean() ? ANY : shape(extra, at + ".additionalProperties"));
            }
            Set<String> required = new java.util.HashSet<>();
            s.path("required").forEach(r -> required.add(r.asText()));
            FixedObject o = new FixedObject();
            for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> p = it.next();
                o.names.add(p.getKey());
                o.keys.add(latin1(JsonNodeFactory.instance.textNode(p.getKey()).toString()));
                o.shapes.add(shape(p.getValue(), at + ".properties." + p.getKey()));
                o.required.add(required.remove(p.getKey()));
            }
            if (!required.isEmpty()) throw new IllegalArgumentException("schema" + at + ".required names properties it does not define: " + required);
            return o;
        }

        private JsonShape ref(String ref, String at) {
            if (!ref.startsWith("#/$defs/") && !ref.startsWith("#/definitions/")) throw refused(at, "the $ref '" + ref + "' (only #/$defs/NAME)");
            return refs.computeIfAbsent(ref, r -> new Ref());
        }

        void resolveRefs() {
            List<String> pending = new ArrayList<>(refs.keySet());
            while (!pending.isEmpty()) {
                String ref = pending.removeLast();
                Ref r = refs.get(ref);
                if (r.target != null) continue;
                JsonNode target = root.at(ref.substring(1));
                if (target.isMissingNode()) throw new IllegalArgumentException("schema: $ref '" + ref + "' names nothing");
                int before = refs.size();
                r.target = shape(target, ref.substring(1).replace('/', '.'));
                if (refs.size() > before) pending = new ArrayList<>(refs.keySet());
            }
        }

        private static JsonShape literal(JsonNode value) {
            return new Literal(latin1(value.toString()));
        }

        /** JSON text as the bytes a tokenizer sees: its UTF-8, one char per byte. */
        private static String latin1(String json) {
            return new String(json.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        }

        private static JsonShape union(List<JsonShape> alternatives) {
            return alternatives.size() == 1 ? alternatives.getFirst() : new Union(alternatives);
        }

        private static IllegalArgumentException refused(String at, String what) {
            return new IllegalArgumentException("schema" + at + ": " + what + " cannot be enforced while decoding; "
                    + "supported: type, properties, required, additionalProperties, items, minItems, maxItems, enum, const, anyOf, $ref");
        }
    }
}
