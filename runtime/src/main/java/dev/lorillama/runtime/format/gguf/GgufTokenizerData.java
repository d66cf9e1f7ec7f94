package dev.lorillama.runtime.format.gguf;

import dev.lorillama.runtime.UserInputException;
import java.util.List;
import java.util.Optional;

/**
 * The tokenizer a GGUF file carries in its metadata ({@code tokenizer.ggml.*}), as plain data for
 * the tokenizer module ({@code Tokenizer.fromGguf(tokens, merges, tokenTypes, bosId, eosId)}).
 *
 * @param model      tokenizer.ggml.model, "gpt2" for Llama 3's byte-level BPE
 * @param pre        tokenizer.ggml.pre, "llama-bpe" for Llama 3 ("default" when absent)
 * @param tokens     the vocabulary, by id
 * @param merges     BPE merges "left right", by rank (empty for non-BPE models)
 * @param tokenTypes per id: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte
 * @param bosId      tokenizer.ggml.bos_token_id, −1 when absent
 * @param eosId      tokenizer.ggml.eos_token_id, −1 when absent
 */
public record GgufTokenizerData(String model, String pre, List<String> tokens, List<String> merges, int[] tokenTypes,
                                int bosId, int eosId) {
    public static final int NORMAL = 1;
    public static final int CONTROL = 3;
    public static final int UNUSED = 5;

    /** The tokenizer stored in the GGUF file at {@code path} (opened and closed here), or empty. */
    public static Optional<GgufTokenizerData> read(java.nio.file.Path path) {
        try (GgufFile file = GgufFile.open(path)) {
            return of(file);
        }
    }

    /** The tokenizer of {@code file}, or empty when it has none (no tokenizer.ggml.tokens). */
    public static Optional<GgufTokenizerData> of(GgufFile file) {
        GgufMetadata m = file.metadata();
        if (!m.has("tokenizer.ggml.tokens")) return Optional.empty();
        List<String> tokens = m.requireStrings("tokenizer.ggml.tokens");
        List<String> merges = m.has("tokenizer.ggml.merges") ? m.requireStrings("tokenizer.ggml.merges") : List.of();
        int[] types = new int[tokens.size()];
        if (m.has("tokenizer.ggml.token_type")) {
            long[] raw = m.requireLongs("tokenizer.ggml.token_type");
            if (raw.length != tokens.size()) {
                throw new UserInputException(file.path() + ": metadata tokenizer.ggml.token_type has " + raw.length
                        + " entries but tokenizer.ggml.tokens has " + tokens.size());
            }
            for (int i = 0; i < raw.length; i++) {
                if (raw[i] < 0 || raw[i] > 6) {
                    throw new UserInputException(file.path() + ": metadata tokenizer.ggml.token_type[" + i + "] = " + raw[i]
                            + " is not a token type (0..6)");
                }
                types[i] = (int) raw[i];
            }
        } else {
            java.util.Arrays.fill(types, NORMAL);
        }
        int bos = m.optionalInt("tokenizer.ggml.bos_token_id", 0, tokens.size() - 1, -1);
        int eos = m.optionalInt("tokenizer.ggml.eos_token_id", 0, tokens.size() - 1, -1);
        return Optional.of(new GgufTokenizerData(m.optionalString("tokenizer.ggml.model", "gpt2"),
                m.optionalString("tokenizer.ggml.pre", "default"), tokens, merges, types, bos, eos));
    }
}
