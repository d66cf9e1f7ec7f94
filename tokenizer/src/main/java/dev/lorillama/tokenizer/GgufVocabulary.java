package dev.lorillama.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a tokenizer from the {@code tokenizer.ggml.*} metadata of a Llama 3 GGUF file: token
 * strings in GPT-2 byte-level spelling, "left right" merges, and llama.cpp token types. Control
 * tokens become special added tokens, user-defined ones plain added tokens; llama.cpp encodes
 * Llama 3 with ignore_merges, and so do we.
 */
final class GgufVocabulary {
    static final int TYPE_CONTROL = 3;
    static final int TYPE_USER_DEFINED = 4;
    private static final String SOURCE = "GGUF metadata";

    private GgufVocabulary() {}

    static TokenizerParts parts(List<String> tokens, List<String> merges, int[] tokenTypes, int bosId, int eosId) {
        if (tokens == null || tokens.isEmpty()) throw TokenizerException.field(SOURCE, "tokenizer.ggml.tokens", "a non-empty list of tokens", tokens == null ? "nothing" : "an empty list");
        if (merges == null) throw TokenizerException.field(SOURCE, "tokenizer.ggml.merges", "a list of merges (a BPE vocabulary)", "nothing; only byte-level BPE (Llama 3) is supported");
        if (tokenTypes != null && tokenTypes.length != tokens.size()) {
            throw TokenizerException.field(SOURCE, "tokenizer.ggml.token_type", tokens.size() + " entries (one per token)", tokenTypes.length + " entries");
        }
        byte[][] tokenBytes = new byte[tokens.size()][];
        List<AddedToken> added = new ArrayList<>();
        Map<String, Integer> vocab = new HashMap<>();
        for (int id = 0; id < tokens.size(); id++) {
            String token = tokens.get(id);
            int type = tokenTypes == null ? 1 : tokenTypes[id];
            if (type == TYPE_CONTROL || type == TYPE_USER_DEFINED) {
                added.add(new AddedToken(token, id, type == TYPE_CONTROL));
                continue;
            }
            byte[] bytes = ByteLevel.decode(token);
            if (bytes == null || bytes.length == 0) {
                throw TokenizerException.field(SOURCE, "tokenizer.ggml.tokens[" + id + "]", "a token in GPT-2 byte-level spelling (tokenizer.ggml.model \"gpt2\", as Llama 3)", "\"" + token + "\"");
            }
            tokenBytes[id] = bytes;
            vocab.putIfAbsent(token, id);
        }
        MergeTable table = new MergeTable(merges.size());
        for (int rank = 0; rank < merges.size(); rank++) {
            String m = merges.get(rank);
            int space = m.indexOf(' ');
            Integer left = space > 0 ? vocab.get(m.substring(0, space)) : null;
            Integer right = space > 0 ? vocab.get(m.substring(space + 1)) : null;
            Integer joined = space > 0 ? vocab.get(m.substring(0, space) + m.substring(space + 1)) : null;
            if (left == null || right == null || joined == null) {
                throw TokenizerException.field(SOURCE, "tokenizer.ggml.merges[" + rank + "]", "\"left right\" with both halves and their join in tokenizer.ggml.tokens", "\"" + m + "\"");
            }
            table.putIfAbsent(left, right, rank, joined);
        }
        List<Integer> eos = eosId >= 0 ? List.of(eosId) : List.of();
        return new TokenizerParts(SOURCE, tokenBytes, table, true, added, bosId, eos);
    }
}
