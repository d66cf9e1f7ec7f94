package dev.lorillama.lori;

import dev.lorillama.runtime.format.HfCheckpoint;
import dev.lorillama.runtime.format.SafetensorsWriter;
import dev.lorillama.runtime.format.TensorData;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.DenseLinear;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.Projection;
import dev.lorillama.runtime.tensor.FloatStorageMatrix;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes base + merged adapters as a new Hugging Face checkpoint directory, like PEFT's
 * {@code merge_and_unload()} + {@code save_pretrained()}: every tensor of the base, with the
 * adapted projections replaced by their merged weights in the same dtype.
 */
public final class CheckpointExporter {
    private static final List<String> SIDE_FILES = List.of("config.json", "generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model");

    private CheckpointExporter() {}

    public static void export(HfCheckpoint base, LlamaModel model, LinearProvider merged, Path outDir) throws IOException {
        Files.createDirectories(outDir);
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (String name : base.names()) {
            TensorData t = base.require(name);
            FloatStorageMatrix replacement = mergedFor(name, model, merged);
            if (replacement == null) {
                entries.add(SafetensorsWriter.raw(name, t.dtype(), t.shape(), t.bytes()));
            } else {
                entries.add(SafetensorsWriter.raw(name, replacement.dtype(), t.shape(), replacement.data()));
            }
        }
        SafetensorsWriter.write(outDir.resolve("model.safetensors"), entries, Map.of("format", "pt"));
        for (String side : SIDE_FILES) {
            Path from = base.dir().resolve(side);
            if (Files.isRegularFile(from)) Files.copy(from, outDir.resolve(side), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The merged weights standing in for tensor {@code name}, or null where the base is kept. */
    private static FloatStorageMatrix mergedFor(String name, LlamaModel model, LinearProvider merged) {
        for (int l = 0; l < model.config().numLayers(); l++) {
            for (Projection p : Projection.values()) {
                if (!name.equals(p.modulePath(l) + ".weight")) continue;
                WeightMatrix original = model.weights().layers().get(l).projection(p);
                if (merged.get(l, p) instanceof DenseLinear d && d.weight() != original
                        && d.weight() instanceof FloatStorageMatrix f) {
                    return f;
                }
                return null;
            }
        }
        return null;
    }
}
