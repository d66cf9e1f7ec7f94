package dev.lorillama.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.StrictJson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A checkpoint's {@code generation_config.json}: what we take from it, the ids that end an answer. */
public final class GenerationConfig {
    private GenerationConfig() {}

    /** {@code eos_token_id} of the file (an id or a list of ids); empty when it has none. */
    public static List<Integer> eosTokenIds(Path file) {
        JsonNode root = StrictJson.read(file, "a JSON object (generation_config.json)");
        if (!root.isObject()) throw new UserInputException(file + ": not a JSON object (generation_config.json)");
        return eosTokenIds(root.get("eos_token_id"), file.toString());
    }

    /** An {@code eos_token_id} field of config.json or generation_config.json: null, an id, or a list of ids. */
    static List<Integer> eosTokenIds(JsonNode node, String where) {
        List<Integer> ids = new ArrayList<>();
        if (node == null || node.isNull()) return ids;
        if (isTokenId(node)) {
            ids.add(node.asInt());
        } else if (node.isArray()) {
            for (JsonNode n : node) {
                if (!isTokenId(n)) throw new UserInputException(where + ": eos_token_id holds " + n + ", not a token id");
                ids.add(n.asInt());
            }
        } else {
            throw new UserInputException(where + ": eos_token_id must be a token id or a list of token ids, found " + node);
        }
        return ids;
    }

    private static boolean isTokenId(JsonNode n) {
        return n.isInt() && n.asInt() >= 0;
    }
}
