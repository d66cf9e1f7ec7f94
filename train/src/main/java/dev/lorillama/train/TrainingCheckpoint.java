package dev.lorillama.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.SafetensorsFile;
import dev.lorillama.runtime.format.SafetensorsWriter;
import dev.lorillama.runtime.format.TensorData;
import dev.lorillama.runtime.tensor.WeightMatrices;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A resumable training state in a directory: the adapter as PEFT files (usable as is), and
 * {@code trainer_state.safetensors} with every factor and both AdamW moments bit for bit (in the
 * base's row layout), and {@code trainer_state.json} with the step, the losses so far and the
 * settings it must be resumed with. Written to a temporary directory then moved into place, so a
 * checkpoint on disk is always whole.
 */
final class TrainingCheckpoint {
    private static final String STATE = "trainer_state.json", TENSORS = "trainer_state.safetensors";

    private TrainingCheckpoint() {}

    static void save(Path dir, Trainer trainer, String baseModel) throws IOException {
        Path parent = dir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, ".checkpoint");
        TrainableAdapter adapter = trainer.adapter();
        adapter.save(tmp, baseModel);
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        List<TrainableAdapter.Module> modules = adapter.modules();
        for (int i = 0; i < modules.size(); i++) {
            TrainableAdapter.Module m = modules.get(i);
            add(entries, m.key("A") + ".value", m.a());
            add(entries, m.key("B") + ".value", m.b());
            add(entries, m.key("B") + ".exp_avg", trainer.optimizersB().get(i).m);
            add(entries, m.key("B") + ".exp_avg_sq", trainer.optimizersB().get(i).v);
            if (adapter.trainsA()) {
                add(entries, m.key("A") + ".exp_avg", trainer.optimizersA().get(i).m);
                add(entries, m.key("A") + ".exp_avg_sq", trainer.optimizersA().get(i).v);
            }
        }
        SafetensorsWriter.write(tmp.resolve(TENSORS), entries, Map.of("format", "lorillama-train"));
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode state = json.createObjectNode();
        state.put("step", trainer.step());
        state.put("total_steps", trainer.totalSteps());
        state.set("settings", json.valueToTree(fingerprint(trainer)));
        var losses = state.putArray("losses");
        trainer.losses().forEach(losses::add);
        Files.writeString(tmp.resolve(STATE), json.writeValueAsString(state));
        if (Files.exists(dir)) {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.delete(f);
            }
            Files.delete(dir);
        }
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    }

    static void restore(Path dir, Trainer trainer) {
        Path stateFile = dir.resolve(STATE);
        if (!Files.isRegularFile(stateFile)) throw new UserInputException(dir + ": no " + STATE + " (not a training checkpoint)");
        JsonNode state;
        try {
            state = new ObjectMapper().readTree(stateFile.toFile());
        } catch (IOException e) {
            throw new UserInputException(stateFile + ": cannot read: " + e.getMessage(), e);
        }
        Map<String, Object> expected = fingerprint(trainer);
        JsonNode saved = state.get("settings");
        for (Map.Entry<String, Object> e : expected.entrySet()) {
            String was = saved == null || saved.get(e.getKey()) == null ? "nothing" : saved.get(e.getKey()).asText();
            if (!was.equals(String.valueOf(e.getValue()))) {
                throw new UserInputException(stateFile + ": the checkpoint was made with " + e.getKey() + " = " + was
                        + ", this run has " + e.getValue() + " (resume with the same model, data and options)");
            }
        }
        TrainableAdapter adapter = trainer.adapter();
        try (Arena arena = Arena.ofConfined()) {
            Map<String, TensorData> tensors = SafetensorsFile.open(dir.resolve(TENSORS), arena).tensors();
            List<TrainableAdapter.Module> modules = adapter.modules();
            for (int i = 0; i < modules.size(); i++) {
                TrainableAdapter.Module m = modules.get(i);
                read(tensors, m.key("A") + ".value", m.a(), dir);
                read(tensors, m.key("B") + ".value", m.b(), dir);
                read(tensors, m.key("B") + ".exp_avg", trainer.optimizersB().get(i).m, dir);
                read(tensors, m.key("B") + ".exp_avg_sq", trainer.optimizersB().get(i).v, dir);
                trainer.optimizersB().get(i).step = state.get("step").asLong();
                if (adapter.trainsA()) {
                    read(tensors, m.key("A") + ".exp_avg", trainer.optimizersA().get(i).m, dir);
                    read(tensors, m.key("A") + ".exp_avg_sq", trainer.optimizersA().get(i).v, dir);
                    trainer.optimizersA().get(i).step = state.get("step").asLong();
                }
            }
        }
        List<Double> losses = new ArrayList<>();
        state.get("losses").forEach(l -> losses.add(l.asDouble()));
        trainer.restoreStep(state.get("step").asLong(), losses);
    }

    /** What must be the same for a resumed run to continue the interrupted one exactly. */
    private static Map<String, Object> fingerprint(Trainer trainer) {
        TrainingSettings s = trainer.settings();
        TrainableAdapter a = trainer.adapter();
        Map<String, Object> f = new java.util.LinkedHashMap<>();
        f.put("rank", a.rank());
        f.put("alpha", a.alpha());
        f.put("train_a", a.trainsA());
        f.put("examples", trainer.data().size());
        f.put("batch_size", s.batchSize());
        f.put("epochs", s.epochs());
        f.put("seed", s.seed());
        f.put("lr", s.optimizer().lr());
        f.put("warmup_steps", s.optimizer().warmupSteps());
        f.put("max_grad_norm", s.optimizer().maxGradNorm());
        f.put("layers", a.config().numLayers());
        f.put("hidden_size", a.config().hiddenSize());
        f.put("rope_layout", a.config().ropeLayout());
        return f;
    }

    private static void add(List<SafetensorsWriter.Entry> entries, String name, float[] values) {
        entries.add(SafetensorsWriter.floats(name, new long[] {values.length}, values));
    }

    private static void read(Map<String, TensorData> tensors, String name, float[] into, Path dir) {
        TensorData t = tensors.get(name);
        if (t == null || t.elementCount() != into.length) throw new UserInputException(dir + ": checkpoint tensor \"" + name + "\" is missing or of the wrong size");
        float[] v = WeightMatrices.vector(t, into.length);
        System.arraycopy(v, 0, into, 0, into.length);
    }
}
