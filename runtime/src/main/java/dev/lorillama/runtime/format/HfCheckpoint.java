package dev.lorillama.runtime.format;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.model.LlamaConfig;
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
 * listed in {@code model.safetensors.index.json}. All files are memory-mapped (or copied, see
 * {@link WeightMemory}) in one arena that lives as long as the checkpoint.
 */
public final class HfCheckpoint extends MappedTensors {
    private static final String INDEX = "model.safetensors.index.json";
    private final Path dir;
    private final LlamaConfig config;

    private HfCheckpoint(Path dir, LlamaConfig config, Map<String, TensorData> tensors, Arena arena, WeightMemory memory) {
        super(tensors, arena, memory);
        this.dir = dir;
        this.config = config;
    }

    public static boolean looksLikeCheckpoint(Path dir) {
        return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve("config.json"));
    }

    public static HfCheckpoint open(Path dir) {
        return open(dir, WeightMemory.MAPPED);
    }

    /** Opens the checkpoint with its shards mapped or copied into memory ({@code memory}). */
    public static HfCheckpoint open(Path dir, WeightMemory memory) {
        if (!Files.isDirectory(dir)) throw new UserInputException(dir + ": not a directory (expected a Hugging Face checkpoint)");
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) throw new UserInputException(dir + ": no config.json");
        LlamaConfig config = LlamaConfig.fromHfConfig(configFile);
        Map<String, Path> weightMap = weightMap(dir); // null: one model.safetensors
        Arena arena = Arena.ofShared();
        try {
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            Set<Path> shards = weightMap == null ? Set.of(single(dir)) : new LinkedHashSet<>(weightMap.values());
            for (Path shard : shards) {
                SafetensorsFile file = SafetensorsFile.open(shard, arena, memory);
                for (TensorData t : file.tensors().values()) {
                    if (tensors.putIfAbsent(t.name(), t) != null) {
                        throw new UserInputException(dir + ": tensor \"" + t.name() + "\" appears in two shards");
                    }
                    if (weightMap != null && !shard.equals(weightMap.get(t.name()))) {
                        throw new UserInputException(dir.resolve(INDEX) + ": weight_map does not list tensor \"" + t.name() + "\" in "
                                + shard.getFileName() + ", the shard that holds it");
                    }
                }
            }
            if (weightMap != null) {
                for (String name : weightMap.keySet()) {
                    if (!tensors.containsKey(name)) throw new UserInputException(dir.resolve(INDEX) + ": weight_map names tensor \"" + name
                            + "\", which " + weightMap.get(name).getFileName() + " does not hold");
                }
            }
            return new HfCheckpoint(dir, config, Collections.unmodifiableMap(tensors), arena, memory);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Path single(Path dir) {
        Path single = dir.resolve("model.safetensors");
        if (!Files.isRegularFile(single)) throw new UserInputException(dir + ": no model.safetensors or " + INDEX);
        return single;
    }

    /** The shard index's tensor -> shard file, each shard inside the checkpoint; null when there is no index. */
    private static Map<String, Path> weightMap(Path dir) {
        Path index = dir.resolve(INDEX);
        if (!Files.isRegularFile(index)) return null;
        JsonNode root = StrictJson.read(index, "a JSON object {\"weight_map\": {tensor: shard file}}");
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject()) throw new UserInputException(index + ": missing field weight_map");
        Map<String, Path> shards = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) throw new UserInputException(index + ": weight_map values must be shard file names, found " + e.getValue());
            String file = e.getValue().asText();
            Path shard = dir.resolve(file).normalize();
            if (!shard.startsWith(dir.normalize()) || shard.equals(dir.normalize())) {
                throw new UserInputException(index + ": weight_map names a file outside the checkpoint: " + file);
            }
            if (!Files.isRegularFile(shard)) throw new UserInputException(index + ": weight_map names missing shard " + file);
            shards.put(e.getKey(), shard);
        }
        if (shards.isEmpty()) throw new UserInputException(index + ": weight_map is empty");
        return shards;
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
