package dev.lorillama.chat;

import dev.lorillama.hub.HubName;
import dev.lorillama.hub.HuggingFace;
import dev.lorillama.hub.RepoInfo;
import dev.lorillama.runtime.UserInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The model {@code java -jar chat.jar} chats with when no {@code --model} is given, as ollama and
 * llama.cpp's {@code -hf} have one: a small instruct model from a public GGUF repository. Taken
 * from the Hugging Face cache when it is there; otherwise downloaded after asking once, with its
 * size and licence named (once it is in the cache there is nothing left to ask).
 */
final class DefaultModel {
    /** Llama 3.2 1B Instruct, Q4_K_M: about 0.8 GB, runs on any machine. */
    static final String NAME = "bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M";

    private DefaultModel() {}

    /** The default model's name, once it is in the cache or the user agreed to download it. */
    static String choose(ModelOptions options, InputStream in, PrintStream err) {
        HuggingFace hub = options.hub();
        String repo = HubName.parse(NAME).repo();
        if (hub.cachedModel(NAME, HuggingFace.DEFAULT_REVISION).isPresent()) {
            err.println("No --model given: chatting with the default model " + NAME + " (from the Hugging Face cache).");
            return NAME;
        }
        if (hub.settings().offline()) {
            throw new UserInputException("no --model given, and the default model " + NAME + " is not in the Hugging Face cache "
                    + hub.settings().cache() + " (downloads are off: --offline or HF_HUB_OFFLINE). Give --model PATH.");
        }
        RepoInfo info = hub.repoInfo(repo, HuggingFace.DEFAULT_REVISION);
        String file = HuggingFace.modelFiles(NAME, info).get(0);
        long size = info.size(file);
        err.printf(Locale.ROOT, "No --model given. The default model is %s: %s, %s, licence %s (%s/%s).%n"
                        + "Download it into %s? [y/N] ", NAME, file, size(size),
                info.license() == null ? "not stated" : info.license(), hub.settings().endpoint(), repo, hub.settings().cache());
        err.flush();
        String answer = readLine(in).strip().toLowerCase(Locale.ROOT);
        if (answer.equals("y") || answer.equals("yes")) return NAME;
        throw new UserInputException("nothing downloaded, so no model to chat with: give --model with a checkpoint directory, a .gguf "
                + "file or a Hugging Face name (--model " + NAME + " downloads the default model without asking)");
    }

    private static String size(long bytes) {
        if (bytes < 0) return "size unknown";
        return bytes >= 1e9 ? String.format(Locale.ROOT, "%.1f GB", bytes / 1e9) : String.format(Locale.ROOT, "%.0f MB", Math.ceil(bytes / 1e6));
    }

    /** One line, read byte by byte so that nothing after it is taken from the chat that follows on the same input. */
    private static String readLine(InputStream in) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            for (int c; (c = in.read()) >= 0 && c != '\n'; ) line.write(c);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return line.toString(StandardCharsets.UTF_8);
    }
}
