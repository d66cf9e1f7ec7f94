package dev.lorillama.chat;

import dev.lorillama.runtime.format.gguf.GgufTokenizerData;
import dev.lorillama.runtime.model.GenerationConfig;
import dev.lorillama.tokenizer.Tokenizer;
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
        return new LinkedHashSet<>(GenerationConfig.eosTokenIds(file));
    }
}
