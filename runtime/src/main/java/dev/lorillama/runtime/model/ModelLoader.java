package dev.lorillama.runtime.model;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.backend.CpuBackend;
import dev.lorillama.runtime.format.HfCheckpoint;
import dev.lorillama.runtime.format.WeightMemory;
import dev.lorillama.runtime.format.gguf.GgufFile;
import dev.lorillama.runtime.format.gguf.GgufLlamaConfig;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a model from a path: a Hugging Face checkpoint directory or a GGUF file. */
public final class ModelLoader {
    private ModelLoader() {}

    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /** Loads with the weights in {@link WeightMemory#DEFAULT}. */
    public static LlamaModel load(Path path, int threads) {
        return load(path, threads, WeightMemory.DEFAULT);
    }

    /** Loads with the weights mapped or copied into memory, as {@code memory} says. */
    public static LlamaModel load(Path path, int threads, WeightMemory memory) {
        if (!Files.exists(path)) throw new UserInputException(path + ": no such file or directory");
        if (HfCheckpoint.looksLikeCheckpoint(path)) {
            HfCheckpoint checkpoint = HfCheckpoint.open(path, memory);
            try {
                LlamaWeights weights = LlamaWeights.fromHfTensors(checkpoint, checkpoint.config());
                return new LlamaModel(checkpoint.config(), weights, new CpuBackend(threads), checkpoint);
            } catch (RuntimeException e) {
                checkpoint.close();
                throw e;
            }
        }
        if (GgufFile.looksLikeGguf(path)) {
            GgufFile gguf = GgufFile.open(path, memory);
            try {
                LlamaConfig config = GgufLlamaConfig.read(gguf);
                return new LlamaModel(config, LlamaWeights.fromGgufTensors(gguf, config), new CpuBackend(threads), gguf);
            } catch (RuntimeException e) {
                gguf.close();
                throw e;
            }
        }
        throw new UserInputException(path + ": not a model (expected a Hugging Face checkpoint directory with config.json"
                + " or a .gguf file)");
    }
}
