package dev.lorillama.runtime.grammar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.runtime.grammar.JsonMatcher.State;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class JsonGrammarTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Jackson as a reference parser: trailing tokens are an error, as in JSON itself. */
    private static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static List<State> feed(JsonShape shape, String text) {
        List<State> position = JsonMatcher.start(shape);
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            position = JsonMatcher.advance(position, b & 0xFF);
            if (position.isEmpty()) return position;
        }
        return position;
    }

    private static boolean accepts(JsonShape shape, String text) {
        List<State> p = feed(shape, text);
        return !p.isEmpty() && JsonMatcher.complete(p);
    }

    private static JsonShape schema(String json) throws JsonProcessingException {
        return JsonShape.compile(JSON.readTree(json));
    }

    @Test
    void anyValueAcceptsExactlyWhatJacksonParses() {
        String[] texts = {"{}", "[]", "{\"a\": [1, -2.5e+3, true, false, null, \"x\\u00e9\\n\"]}", " {\"k\":{\"n\":{}}}", "0", "-0.0",
                "\"caf\u00e9 \u2603\"", "[1,]", "{,}", "01", "1.", "-", "tru", "[1 2]", "{\"a\" 1}", "\"a\nb\"", "\"\\x\"", "{\"a\":1}}",
                "[1e5]", "[1E-5]", "{\"a\":1,}", "\"\\ud83d\\ude00\"", "nul", "[[[]]]", "{\"\":\"\"}"};
        for (String text : texts) {
            boolean jackson;
            try {
                STRICT.readTree(text);
                jackson = true;
            } catch (JsonProcessingException e) {
                jackson = false;
            }
            assertEquals(jackson, accepts(JsonShape.ANY, text), text);
        }
    }

    @Test
    void aSchemasObjectsKeepTheirPropertyOrderTheirRequiredKeysAndTheirTypes() throws Exception {
        JsonShape s = schema("""
                {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"},
                 "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "minItems": 1, "maxItems": 2},
                 "ok": {"type": "boolean"}}, "required": ["name", "tags"]}""");
        assertTrue(accepts(s, "{\"name\": \"x\", \"age\": 3, \"tags\": [\"a\"], \"ok\": true}"));
        assertTrue(accepts(s, "{\"name\":\"x\",\"tags\":[\"b\",\"a\"]}"), "optional properties may be left out");
        assertFalse(accepts(s, "{\"age\": 3, \"name\": \"x\", \"tags\": [\"a\"]}"), "the schema's order");
        assertFalse(accepts(s, "{\"name\": \"x\"}"), "tags is required");
        assertFalse(accepts(s, "{\"name\": \"x\", \"age\": 3.5, \"tags\": [\"a\"]}"), "an integer");
        assertFalse(accepts(s, "{\"name\": \"x\", \"tags\": []}"), "minItems");
        assertFalse(accepts(s, "{\"name\": \"x\", \"tags\": [\"a\", \"b\", \"a\"]}"), "maxItems");
        assertFalse(accepts(s, "{\"name\": \"x\", \"tags\": [\"c\"]}"), "enum");
        assertFalse(accepts(s, "{\"name\": \"x\", \"tags\": [\"a\"], \"extra\": 1}"), "undeclared property");
    }

    @Test
    void refsAnyOfAndConstCompileRecursiveSchemasToo() throws Exception {
        JsonShape tree = schema("""
                {"$ref": "#/$defs/node", "$defs": {"node": {"type": "object", "properties": {
                  "v": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                  "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}}, "required": ["v"]}}}""");
        assertTrue(accepts(tree, "{\"v\": 1, \"kids\": [{\"v\": null}, {\"v\": 2, \"kids\": []}]}"));
        assertFalse(accepts(tree, "{\"v\": \"1\"}"));
        assertTrue(accepts(schema("{\"const\": {\"a\": [1]}}"), "{\"a\":[1]}"));
        assertFalse(accepts(schema("{\"const\": {\"a\": [1]}}"), "{\"a\": [1]}"), "a const is its exact JSON text");
    }

    @Test
    void keywordsThatCannotBeEnforcedAreRefusedByName() {
        for (String keyword : List.of("pattern", "minimum", "format", "oneOf", "allOf", "maxLength")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> schema("{\"type\": \"object\", \"properties\": {\"x\": {\"type\": \"string\", \"" + keyword + "\": 1}}}"));
            assertTrue(e.getMessage().contains("'" + keyword + "'") && e.getMessage().contains(".properties.x"), e.getMessage());
        }
    }

    @Test
    void runawayWhitespaceAndNumbersAreCut() {
        assertTrue(feed(JsonShape.ANY, "[" + " ".repeat(JsonMatcher.MOST_SPACES)).size() > 0);
        assertTrue(feed(JsonShape.ANY, "[" + " ".repeat(JsonMatcher.MOST_SPACES + 1)).isEmpty());
        assertTrue(feed(JsonShape.ANY, "[" + "1".repeat(JsonMatcher.MOST_DIGITS + 1)).isEmpty());
    }

    /** The trie walk (pruning subtrees) allows exactly the tokens a token-by-token check allows. */
    @Test
    void trieWalkAllowsExactlyTheTokensThatFeedingEachOneAllows() throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        byte[][] vocab = new byte[592][];
        String alphabet = "{}[]\",:. -+eE0123456789abtrufalsenx\\\n";
        for (int i = 0; i < 256; i++) vocab[i] = new byte[] {(byte) i};
        for (int i = 256; i < 590; i++) {
            StringBuilder t = new StringBuilder();
            int length = 2 + random.nextInt(5);
            for (int j = 0; j < length; j++) t.append(alphabet.charAt(random.nextInt(alphabet.length())));
            vocab[i] = t.toString().getBytes(StandardCharsets.UTF_8);
        }
        vocab[590] = "\"a\"".getBytes(StandardCharsets.UTF_8); // the same bytes twice: both allowed
        vocab[591] = "\"a\"".getBytes(StandardCharsets.UTF_8);
        TokenTrie trie = new TokenTrie(vocab);
        JsonShape shape = schema("{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"array\", \"items\": {\"type\": \"number\"}}, "
                + "\"b\": {\"enum\": [\"true\", true, 12]}}, \"required\": [\"b\"]}");
        JsonGrammar grammar = new JsonGrammar(shape, trie);
        for (String prefix : List.of("", "{", "{\"a\"", "{\"a\": [1", "{\"a\": [1.5e", "{\"b\": ", "{\"b\": \"tr", "{\"b\": 1", "{\"b\":true")) {
            List<State> position = feed(shape, prefix);
            long[] expected = new long[(vocab.length + 63) / 64];
            for (int id = 0; id < vocab.length; id++) {
                List<State> p = position;
                for (byte b : vocab[id]) {
                    p = JsonMatcher.advance(p, b & 0xFF);
                    if (p.isEmpty()) break;
                }
                if (!p.isEmpty()) expected[id >>> 6] |= 1L << id;
            }
            assertArrayEquals(expected, grammar.allowed(position), prefix);
        }
        long[] first = grammar.allowed(feed(shape, "{"));
        assertTrue(first == grammar.allowed(feed(shape, "{")), "a position seen before is a cache hit");
    }

    /** Sampling at random among the allowed tokens, the text always ends as a document of the schema (Jackson parses it). */
    @Test
    void randomWalksUnderTheConstraintEndAsValidDocuments() throws Exception {
        byte[][] vocab = new byte[257][];
        for (int i = 0; i < 256; i++) vocab[i] = new byte[] {(byte) i};
        int stop = 256;
        JsonShape shape = schema("{\"type\": \"object\", \"properties\": {\"n\": {\"type\": \"integer\"}, \"e\": {\"enum\": [\"x\", \"yy\"]}, "
                + "\"l\": {\"type\": \"array\", \"items\": {\"type\": \"boolean\"}, \"maxItems\": 2}}, \"required\": [\"n\", \"e\", \"l\"]}");
        JsonGrammar grammar = new JsonGrammar(shape, new TokenTrie(vocab));
        SplittableRandom random = new SplittableRandom(11);
        for (int run = 0; run < 50; run++) {
            var hook = grammar.newConstraint(Set.of(stop));
            StringBuilder text = new StringBuilder();
            for (int step = 0; step < 400; step++) {
                float[] logits = new float[vocab.length];
                hook.beforeSampling(logits, logits.length);
                List<Integer> allowed = new ArrayList<>();
                for (int i = 0; i < logits.length; i++) if (logits[i] == 0f) allowed.add(i);
                int token = allowed.contains(stop) && random.nextInt(2) == 0 ? stop : allowed.get(random.nextInt(allowed.size()));
                hook.sampled(token);
                if (token == stop) break;
                text.append((char) token);
            }
            JsonNode doc = JSON.readTree(text.toString());
            assertTrue(doc.get("n").isIntegralNumber() && Set.of("x", "yy").contains(doc.get("e").asText()) && doc.get("l").size() <= 2,
                    text.toString());
            assertEquals(Arrays.asList("n", "e", "l"), iterator(doc));
        }
    }

    private static List<String> iterator(JsonNode doc) {
        List<String> names = new ArrayList<>();
        doc.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
