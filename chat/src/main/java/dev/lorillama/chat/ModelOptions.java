package dev.lorillama.chat;

import dev.lorillama.hub.HubName;
import dev.lorillama.hub.HubSettings;
import dev.lorillama.hub.HuggingFace;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.WeightMemory;
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
            description = "Model: a Hugging Face checkpoint directory (config.json, *.safetensors, tokenizer.json), a .gguf file, "
                    + "or a Hugging Face repository ORG/NAME (ORG/NAME:Q4_K_M picks that GGUF type), taken from the Hugging Face "
                    + "cache or downloaded into it.")
    String path;

    @Option(names = "--revision", paramLabel = "REV", defaultValue = HuggingFace.DEFAULT_REVISION,
            description = "Branch, tag or commit of a Hugging Face --model. Default: ${DEFAULT-VALUE}.")
    String revision;

    @Option(names = "--offline",
            description = "Use only the Hugging Face cache, never the network (as HF_HUB_OFFLINE=1 does).")
    boolean offline;

    @Option(names = {"-t", "--threads"}, paramLabel = "N",
            description = "Worker threads (default: all cores, ${DEFAULT-VALUE}).")
    int threads = ModelLoader.defaultThreads();

    @Option(names = {"-c", "--context"}, paramLabel = "TOKENS",
            description = "Context length (KV cache size per conversation); default: min(model maximum, 4096).")
    Integer context;

    @Option(names = "--mmap", negatable = true,
            description = "--mmap: map the weights file into memory (loads at once; pages are read on first use and shared "
                    + "with other processes). --no-mmap: read the file into this process's memory, in huge pages where the "
                    + "kernel allows: decoding is faster, loading slower. Default: --no-mmap on the CPU, --mmap with --device "
                    + "gpu (see docs/BENCHMARKS.md, \"Weight memory\").")
    Boolean mmap;

    private Path resolved;

    /** Where the weights live: as --mmap / --no-mmap say, else null (the default for where the model runs). */
    WeightMemory weightMemory() {
        if (mmap == null) return null;
        return mmap ? WeightMemory.MAPPED : WeightMemory.COPIED;
    }

    /** Where the weights live for a model run on the CPU or ({@code onDevice}) a GPU. */
    WeightMemory weightMemory(boolean onDevice) {
        return WeightMemory.orDefault(weightMemory(), onDevice);
    }

    /** The worker threads: at least 1, and more than the processors is capped with a warning. */
    int threads() {
        return ThreadCount.capped("--threads", threads, warning -> System.err.println("warning: " + warning));
    }

    /** The model's file or directory (a Hugging Face name is found in the cache or downloaded); a user error when missing. */
    Path path() {
        if (path == null) throw new UserInputException("missing required option --model=PATH");
        if (resolved == null) resolved = HubName.isHubName(path) ? hub().model(path, revision) : Path.of(path);
        return resolved;
    }

    /** What to call the model: a Hugging Face name as given, else the file or directory name. */
    String displayName() {
        if (HubName.isHubName(path)) return path;
        Path name = Path.of(path).toAbsolutePath().normalize().getFileName();
        return name == null ? path : name.toString();
    }

    /** An adapter directory, or a Hugging Face adapter repository (always its main revision) found or fetched. */
    Path adapter(String spec) {
        return HubName.isHubName(spec) ? hub().adapter(spec, HuggingFace.DEFAULT_REVISION) : Path.of(spec);
    }

    HuggingFace hub() {
        return new HuggingFace(HubSettings.fromEnvironment().withOffline(offline), Progress.downloading());
    }
}
