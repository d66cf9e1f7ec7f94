package dev.lorillama.chat;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.model.LlamaConfig;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads just the config of a base model (adapter tools need shapes, not weights). */
final class HfConfigs {
    private HfConfigs() {}

    static LlamaConfig read(Path model) {
        Path config = Files.isDirectory(model) ? model.resolve("config.json") : model;
        if (!Files.isRegularFile(config)) throw new UserInputException(model + ": no config.json (give a Hugging Face checkpoint directory)");
        return LlamaConfig.fromHfConfig(config);
    }
}
