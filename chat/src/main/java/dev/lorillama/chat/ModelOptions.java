package dev.lorillama.chat;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.model.ModelLoader;
import dev.lorillama.runtime.tensor.ThreadCount;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Options every command that loads a model shares. {@code --model} is checked by {@link #path()}
 * rather than marked required: the top-level command shares these options with its subcommands,
 * and picocli would then demand {@code --model} before every subcommand too.
 */
final class ModelOptions {
    @Option(names = {"-m", "--model"}, paramLabel = "PATH",
            description = "Model (required): a Hugging Face checkpoint directory (config.json, *.safetensors, tokenizer.json) or a .gguf file.")
    Path path;

    @Option(names = {"-t", "--threads"}, paramLabel = "N",
            description = "Worker threads (default: all cores, ${DEFAULT-VALUE}).")
    int threads = ModelLoader.defaultThreads();

    @Option(names = {"-c", "--context"}, paramLabel = "TOKENS",
            description = "Context length (KV cache size per conversation); default: min(model maximum, 4096).")
    Integer context;

    /** The worker threads: at least 1, and more than the processors is capped with a warning. */
    int threads() {
        return ThreadCount.capped("--threads", threads, warning -> System.err.println("warning: " + warning));
    }

    /** The model path; a user error when missing. */
    Path path() {
        if (path == null) throw new UserInputException("missing required option --model=PATH");
        return path;
    }
}
