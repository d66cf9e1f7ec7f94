package dev.lorillama.chat;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.gguf.GgufTokenizerData;
import dev.lorillama.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The token ids at which Hugging Face's {@code generate} stops: the generation config's
 * {@code eos_token_id} (generation_config.json, else config.json, from which transformers builds
 * it; a GGUF file's {@code tokenizer.ggml.eos_token_id}). For Meta-Llama-3-8B that is
 * {@code <|end_of_text|>} only: an {@code <|eot_id|>} does not end the answer.
 */
final class GenerationEos {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GenerationEos() {}

    static Set<Integer> of(Path model, Tokenizer tokenizer) {
        if (Files.isDirectory(model)) {
            for (String name : new String[] {"generation_config.json", "config.json"}) {
                Path file = model.resolve(name);
                if (!Files.isRegularFile(file)) continue;
                Set<Integer> ids = ids(file);
                if (!ids.isEmpty()) return ids;
            }
        } else if (model.getFileName().toString().endsWith(".gguf")) {
            var gguf = GgufTokenizerData.read(model);
            if (gguf.isPresent() && gguf.get().eosId() >= 0) return Set.of(gguf.get().eosId());
        }
        return tokenizer.stopTokenIds();
    }

    private static Set<Integer> ids(Path file) {
        JsonNode eos;
        try {
            eos = JSON.readTree(file.toFile()).path("eos_token_id");
        } catch (JacksonException e) {
            throw new UserInputException(file + ": not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Set<Integer> ids = new LinkedHashSet<>();
        if (eos.isInt()) ids.add(eos.asInt());
        else if (eos.isArray()) eos.forEach(id -> {
            if (!id.isInt()) throw new UserInputException(file + ": eos_token_id holds " + id + ", not a token id");
            ids.add(id.asInt());
        });
        else if (!eos.isMissingNode() && !eos.isNull()) throw new UserInputException(file + ": eos_token_id must be an id or a list of ids, found " + eos);
        return ids;
    }
}
