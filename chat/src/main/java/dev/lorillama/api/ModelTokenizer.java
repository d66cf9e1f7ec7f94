package dev.lorillama.api;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.gguf.GgufTokenizerData;
import dev.lorillama.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the tokenizer that belongs to a model: the one named explicitly, else the checkpoint
 * directory's tokenizer.json, else the vocabulary stored in a GGUF file's metadata, else a
 * tokenizer.json beside the model file.
 */
public final class ModelTokenizer {
    private ModelTokenizer() {}

    public static Tokenizer forModel(Path model, Path explicit) {
        if (explicit != null && isGguf(explicit)) {
            Tokenizer own = fromGguf(explicit);
            if (own == null) throw new UserInputException(explicit + ": this GGUF file has no tokenizer in its metadata (tokenizer.ggml.tokens)");
            return own;
        }
        if (explicit != null) return Tokenizer.load(explicit);
        if (Files.isDirectory(model)) return Tokenizer.load(model);
        if (isGguf(model)) {
            Tokenizer own = fromGguf(model);
            if (own != null) return own;
        }
        Path beside = model.toAbsolutePath().getParent().resolve("tokenizer.json");
        if (Files.isRegularFile(beside)) return Tokenizer.load(beside);
        throw new UserInputException(model + ": no tokenizer in this file and no tokenizer.json beside it; give the "
                + "tokenizer (tokenizer.json or tokenizer.model) with --tokenizer");
    }

    private static boolean isGguf(Path file) {
        return file.getFileName() != null && file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".gguf");
    }

    /** The vocabulary in a GGUF file's metadata; null when the file has none. */
    private static Tokenizer fromGguf(Path gguf) {
        Optional<GgufTokenizerData> data = GgufTokenizerData.read(gguf);
        if (data.isEmpty()) return null;
        GgufTokenizerData d = data.get();
        if (!d.model().equals("gpt2")) {
            throw new UserInputException(gguf + ": metadata tokenizer.ggml.model is \"" + d.model()
                    + "\"; only \"gpt2\" (byte-level BPE, as Llama 3 uses) is supported");
        }
        return Tokenizer.fromGguf(d.tokens(), d.merges(), d.tokenTypes(), d.bosId(), d.eosId());
    }
}
