package dev.lorillama.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.StrictJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a Hugging Face {@code tokenizer.json} of a byte-level BPE model (Llama 3's kind), plus the
 * {@code tokenizer_config.json} and {@code generation_config.json} beside it for bos/eos and the
 * chat template's added tokens. Anything that would make our encoding silently differ (another
 * model type, a normalizer, byte fallback, another split regex) is refused with a message naming
 * the field.
 */
final class HuggingFaceTokenizerJson {
    /** Bounds what a (gzipped) file may expand to before it is parsed: Llama 3's tokenizer.json has 9 MB. */
    static final int MAX_JSON_BYTES = 256 << 20;
    private HuggingFaceTokenizerJson() {}

    static TokenizerParts read(Path file) {
        JsonNode root = parse(file);
        if (!root.isObject()) throw TokenizerException.field(file, "(top level)", "a JSON object", root.getNodeType());
        JsonNode model = root.path("model");
        if (!model.isObject()) throw TokenizerException.field(file, "model", "an object describing a BPE model", model.isMissingNode() ? "nothing" : model.getNodeType());
        String type = model.path("type").asText(model.has("merges") ? "BPE" : "(missing)");
        if (!type.equals("BPE")) {
            throw TokenizerException.field(file, "model.type", "\"BPE\" (byte-level BPE as in Llama 3)", "\"" + type + "\", a tokenizer type lorillama does not support");
        }
        if (model.path("byte_fallback").asBoolean(false)) {
            throw TokenizerException.field(file, "model.byte_fallback", "false (byte-level BPE as in Llama 3)", "true, a SentencePiece-style BPE (as in Llama 2), which lorillama does not support");
        }
        for (String affix : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            if (!model.path(affix).asText("").isEmpty()) throw TokenizerException.field(file, "model." + affix, "null", "\"" + model.path(affix).asText() + "\"");
        }
        JsonNode normalizer = root.path("normalizer");
        if (!normalizer.isMissingNode() && !normalizer.isNull()) {
            throw TokenizerException.field(file, "normalizer", "null (Llama 3 has none)", normalizer.path("type").asText(normalizer.toString()));
        }
        checkPreTokenizer(file, root.path("pre_tokenizer"));

        Map<Integer, AddedToken> added = new LinkedHashMap<>();
        readAddedTokens(file, root.path("added_tokens"), added);
        Path dir = file.toAbsolutePath().getParent();
        JsonNode config = sibling(dir, "tokenizer_config.json");
        if (config != null) readConfigAddedTokens(dir.resolve("tokenizer_config.json"), config.path("added_tokens_decoder"), added);
        Map<String, Integer> addedIds = new HashMap<>();
        added.values().forEach(t -> addedIds.putIfAbsent(t.content(), t.id()));

        Map<String, Integer> vocab = new HashMap<>();
        byte[][] tokenBytes = readVocab(file, model.path("vocab"), vocab, addedIds.keySet());
        MergeTable merges = readMerges(file, model.path("merges"), vocab);
        boolean ignoreMerges = model.path("ignore_merges").asBoolean(false);

        int bos = -1;
        List<Integer> eos = new ArrayList<>();
        if (config != null) {
            bos = tokenId(config.path("bos_token"), addedIds, vocab);
            int e = tokenId(config.path("eos_token"), addedIds, vocab);
            if (e >= 0) eos.add(e);
        }
        if (bos < 0) bos = addedIds.getOrDefault("<|begin_of_text|>", -1);
        JsonNode generation = sibling(dir, "generation_config.json");
        if (generation != null) {
            JsonNode ids = generation.path("eos_token_id");
            if (ids.isInt()) eos.add(ids.asInt());
            for (JsonNode id : ids) if (id.isInt()) eos.add(id.asInt());
        }
        return new TokenizerParts(file.toString(), tokenBytes, merges, ignoreMerges, List.copyOf(added.values()), bos, eos);
    }

    /** Llama 3 splits with its regex then maps bytes (ByteLevel without its own regex); no pre-tokenizer also means that. */
    private static void checkPreTokenizer(Path file, JsonNode pre) {
        if (pre.isMissingNode() || pre.isNull()) return;
        List<JsonNode> steps = new ArrayList<>();
        if (pre.path("type").asText().equals("Sequence")) pre.path("pretokenizers").forEach(steps::add);
        else steps.add(pre);
        for (JsonNode step : steps) {
            String type = step.path("type").asText();
            String field = "pre_tokenizer (" + type + ")";
            switch (type) {
                case "Split" -> {
                    String regex = step.path("pattern").path("Regex").asText(step.path("pattern").path("String").asText(""));
                    if (!regex.equals(Llama3PreTokenizer.PATTERN)) {
                        throw TokenizerException.field(file, field + ".pattern", "the Llama 3 split regex " + Llama3PreTokenizer.PATTERN, regex);
                    }
                }
                case "ByteLevel" -> {
                    if (step.path("use_regex").asBoolean(true) && steps.size() > 1) {
                        throw TokenizerException.field(file, field + ".use_regex", "false after the Llama 3 Split", "true");
                    }
                    if (step.path("add_prefix_space").asBoolean(false)) {
                        throw TokenizerException.field(file, field + ".add_prefix_space", "false", "true");
                    }
                }
                default -> throw TokenizerException.field(file, "pre_tokenizer", "Split (Llama 3 regex) and ByteLevel", "\"" + type + "\", which lorillama does not support");
            }
        }
    }

    /** The vocabulary's tokens as bytes; an added token listed here too is matched as an added token, whatever its spelling. */
    private static byte[][] readVocab(Path file, JsonNode vocabNode, Map<String, Integer> vocab, Set<String> addedContents) {
        if (!vocabNode.isObject() || vocabNode.isEmpty()) throw TokenizerException.field(file, "model.vocab", "an object of token -> id", vocabNode.isMissingNode() ? "nothing" : vocabNode.getNodeType());
        int size = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = vocabNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw TokenizerException.field(file, "model.vocab[\"" + e.getKey() + "\"]", "a token id (a non-negative integer)", e.getValue());
            }
            vocab.put(e.getKey(), e.getValue().asInt());
            size = Math.max(size, e.getValue().asInt() + 1);
        }
        byte[][] tokenBytes = new byte[size][];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            byte[] bytes = ByteLevel.decode(e.getKey());
            if ((bytes == null || bytes.length == 0) && addedContents.contains(e.getKey())) continue;
            if (bytes == null || bytes.length == 0) {
                throw TokenizerException.field(file, "model.vocab[\"" + e.getKey() + "\"]", "a token in GPT-2 byte-level spelling (as Llama 3's)", "characters outside that alphabet");
            }
            tokenBytes[e.getValue()] = bytes;
        }
        return tokenBytes;
    }

    private static MergeTable readMerges(Path file, JsonNode mergesNode, Map<String, Integer> vocab) {
        if (!mergesNode.isArray()) throw TokenizerException.field(file, "model.merges", "an array of merges", mergesNode.isMissingNode() ? "nothing" : mergesNode.getNodeType());
        MergeTable merges = new MergeTable(mergesNode.size());
        int rank = 0;
        for (JsonNode m : mergesNode) {
            String left, right;
            if (m.isTextual()) {
                String s = m.asText();
                int space = s.indexOf(' ');
                if (space <= 0 || space != s.lastIndexOf(' ') || space == s.length() - 1) {
                    throw TokenizerException.field(file, "model.merges[" + rank + "]", "\"left right\"", "\"" + s + "\"");
                }
                left = s.substring(0, space);
                right = s.substring(space + 1);
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                left = m.get(0).asText();
                right = m.get(1).asText();
            } else {
                throw TokenizerException.field(file, "model.merges[" + rank + "]", "\"left right\" or [\"left\", \"right\"]", m);
            }
            Integer l = vocab.get(left), r = vocab.get(right), joined = vocab.get(left + right);
            if (l == null || r == null || joined == null) {
                String missing = l == null ? left : r == null ? right : left + right;
                throw TokenizerException.field(file, "model.merges[" + rank + "]", "tokens that are in model.vocab", "\"" + missing + "\", which is not");
            }
            merges.putIfAbsent(l, r, rank, joined);
            rank++;
        }
        return merges;
    }

    private static void readAddedTokens(Path file, JsonNode list, Map<Integer, AddedToken> added) {
        if (list.isMissingNode() || list.isNull()) return;
        int i = 0;
        for (JsonNode t : list) {
            if (!t.path("id").canConvertToInt() || !t.path("content").isTextual()) {
                throw TokenizerException.field(file, "added_tokens[" + i + "]", "{\"id\": integer, \"content\": string, ...}", t);
            }
            added.putIfAbsent(t.path("id").asInt(), new AddedToken(t.path("content").asText(), t.path("id").asInt(), t.path("special").asBoolean(false)));
            i++;
        }
    }

    /** tokenizer_config.json's "added_tokens_decoder": {"128000": {"content": ..., "special": ...}}. */
    private static void readConfigAddedTokens(Path file, JsonNode decoder, Map<Integer, AddedToken> added) {
        for (Iterator<Map.Entry<String, JsonNode>> it = decoder.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw TokenizerException.field(file, "added_tokens_decoder", "token ids as keys", "\"" + e.getKey() + "\"");
            }
            JsonNode content = e.getValue().path("content");
            if (!content.isTextual()) throw TokenizerException.field(file, "added_tokens_decoder[\"" + id + "\"].content", "a string", content);
            added.putIfAbsent(id, new AddedToken(content.asText(), id, e.getValue().path("special").asBoolean(false)));
        }
    }

    /** "bos_token": "<|begin_of_text|>" or {"content": "<|begin_of_text|>"} to an id, or -1. */
    private static int tokenId(JsonNode token, Map<String, Integer> added, Map<String, Integer> vocab) {
        String content = token.isTextual() ? token.asText() : token.path("content").asText(null);
        if (content == null) return -1;
        Integer id = added.get(content);
        if (id == null) id = vocab.get(content);
        return id == null ? -1 : id;
    }

    private static JsonNode sibling(Path dir, String name) {
        if (dir == null) return null;
        Path p = dir.resolve(name);
        return Files.isRegularFile(p) ? parse(p) : null;
    }

    private static JsonNode parse(Path file) {
        byte[] bytes;
        try (InputStream in = TokenizerFiles.open(file)) {
            bytes = in.readNBytes(MAX_JSON_BYTES + 1);
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot be read: " + e.getMessage(), e);
        }
        if (bytes.length > MAX_JSON_BYTES) {
            throw new TokenizerException(file + ": more than " + (MAX_JSON_BYTES >> 20) + " MB of JSON (Llama 3's tokenizer.json has 9 MB)");
        }
        try {
            return StrictJson.parse(bytes, file.toString(), "a JSON object");
        } catch (UserInputException e) {
            throw new TokenizerException(e.getMessage(), e);
        }
    }
}
