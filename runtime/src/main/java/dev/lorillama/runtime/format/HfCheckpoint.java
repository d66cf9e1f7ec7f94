package dev.lorillama.runtime.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.model.LlamaConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Hugging Face checkpoint directory: {@code config.json} plus {@code model.safetensors}, or shards
 * listed in {@code model.safetensors.index.json}. All files are memory-mapped in one arena that
 * lives as long as the checkpoint.
 */
public final class HfCheckpoint extends MappedTensors {
    private final Path dir;
    private final LlamaConfig config;

    private HfCheckpoint(Path dir, LlamaConfig config, Map<String, TensorData> tensors, Arena arena) {
        super(tensors, arena);
        this.dir = dir;
        this.config = config;
    }

    public static boolean looksLikeCheckpoint(Path dir) {
        return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve("config.json"));
    }

    public static HfCheckpoint open(Path dir) {
        if (!Files.isDirectory(dir)) throw new UserInputException(dir + ": not a directory (expected a Hugging Face checkpoint)");
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) throw new UserInputException(dir + ": no config.json");
        LlamaConfig config = LlamaConfig.fromHfConfig(configFile);
        Arena arena = Arena.ofShared();
        try {
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            for (Path shard : shardFiles(dir)) {
                SafetensorsFile file = SafetensorsFile.open(shard, arena);
                for (TensorData t : file.tensors().values()) {
                    if (tensors.putIfAbsent(t.name(), t) != null) {
                        throw new UserInputException(dir + ": tensor \"" + t.name() + "\" appears in two shards");
                    }
                }
            }
            return new HfCheckpoint(dir, config, Collections.unmodifiableMap(tensors), arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Set<Path> shardFiles(Path dir) {
        Path single = dir.resolve("model.safetensors");
        Path index = dir.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(index)) {
            JsonNode root;
            try {
                root = new ObjectMapper().readTree(Files.readString(index));
            } catch (IOException e) {
                throw new UserInputException(index + ": cannot read JSON: " + e.getMessage(), e);
            }
            JsonNode map = root.get("weight_map");
            if (map == null || !map.isObject()) throw new UserInputException(index + ": missing field weight_map");
            Set<Path> files = new LinkedHashSet<>();
            for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
                String file = it.next().asText();
                Path shard = dir.resolve(file).normalize();
                if (!shard.startsWith(dir.normalize())) {
                    throw new UserInputException(index + ": weight_map names a file outside the checkpoint: " + file);
                }
                if (!Files.isRegularFile(shard)) throw new UserInputException(index + ": weight_map names missing shard " + file);
                files.add(shard);
            }
            return files;
        }
        if (Files.isRegularFile(single)) return Set.of(single);
        throw new UserInputException(dir + ": no model.safetensors or model.safetensors.index.json");
    }

    public Path dir() {
        return dir;
    }

    public LlamaConfig config() {
        return config;
    }

    @Override
    public String describe() {
        return dir.toString();
    }
}
