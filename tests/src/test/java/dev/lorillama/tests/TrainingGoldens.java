package dev.lorillama.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.runtime.format.SafetensorsFile;
import dev.lorillama.runtime.format.TensorData;
import dev.lorillama.runtime.tensor.WeightMatrices;
import dev.lorillama.runtime.tensor.WeightMatrix;
import dev.lorillama.train.SftExample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The training goldens of tools/reference/make_training_goldens.py (float64 torch autograd). */
final class TrainingGoldens {
    static final Path ROOT = Fixtures.ROOT.resolve("training");

    private TrainingGoldens() {}

    record Case(String name, JsonNode json, Map<String, float[]> tensors) {
        String model() {
            return json.get("model").asText();
        }

        Path adapter() {
            return Fixtures.ROOT.resolve(json.get("adapter").asText());
        }

        boolean fromScratch() {
            return json.get("from_scratch").asBoolean();
        }

        boolean trainA() {
            return json.get("train_a").asBoolean();
        }

        List<SftExample> batch() {
            return examples(json.get("batch"));
        }

        List<List<SftExample>> batches() {
            List<List<SftExample>> all = new ArrayList<>();
            json.get("batches").forEach(b -> all.add(examples(b)));
            return all;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static List<String> names(String kind) {
        try {
            JsonNode index = new ObjectMapper().readTree(ROOT.resolve("goldens/index.json").toFile());
            List<String> names = new ArrayList<>();
            index.get("cases").forEach(c -> {
                if (c.asText().startsWith(kind)) names.add(c.asText());
            });
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Case load(String name) {
        try (Arena arena = Arena.ofConfined()) {
            JsonNode json = new ObjectMapper().readTree(ROOT.resolve("goldens/" + name + ".json").toFile());
            Map<String, float[]> tensors = new LinkedHashMap<>();
            for (TensorData t : SafetensorsFile.open(ROOT.resolve("goldens/" + name + ".safetensors"), arena).tensors().values()) {
                WeightMatrix m = WeightMatrices.of(t);
                float[] v = new float[m.rows() * m.cols()];
                for (int r = 0; r < m.rows(); r++) m.readRow(r, v, r * m.cols());
                tensors.put(t.name(), v);
            }
            return new Case(name, json, tensors);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<SftExample> examples(JsonNode array) {
        List<SftExample> out = new ArrayList<>();
        array.forEach(e -> out.add(new SftExample(Fixtures.ints(e.get("tokens")), e.get("prompt_length").asInt())));
        return out;
    }

    /** max |actual − expected| / max |expected| over one tensor: the agreement the issue asks to be ≤ 1e-4. */
    static double relativeError(float[] actual, float[] expected) {
        double diff = 0, scale = 0;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return diff / scale;
    }
}
