package dev.lorillama.chat;

import dev.lorillama.runtime.model.ModelLoader;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command that loads a model shares. */
final class ModelOptions {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "PATH",
            description = "Model: a Hugging Face checkpoint directory (config.json + *.safetensors) or a .gguf file.")
    Path path;

    @Option(names = {"-t", "--threads"}, paramLabel = "N",
            description = "Worker threads (default: all cores, ${DEFAULT-VALUE}).")
    int threads = ModelLoader.defaultThreads();

    @Option(names = {"-c", "--context"}, paramLabel = "TOKENS",
            description = "Context length (KV cache size); default: min(model maximum, 4096).")
    Integer context;
}
