package dev.lorillama.lori;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.SafetensorsFile;
import dev.lorillama.runtime.format.SafetensorsWriter;
import dev.lorillama.runtime.format.TensorData;
import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LoRI's sparsity masks over B, keyed like the adapter's lora_B tensors.
 *
 * <p>Extraction follows LoRI's {@code extract_mask.py}: one global magnitude threshold over every
 * B entry of every layer and module: {@code k = int((1 − s)·N)}, threshold = the k-th largest
 * |B|, keep {@code |B| ≥ threshold} (ties with the threshold are all kept).
 */
public record LoriMask(Map<String, boolean[]> masks, Map<String, long[]> shapes, float threshold) {

    public static LoriMask extract(LoraAdapter adapter, double sparsity) {
        if (!(sparsity >= 0 && sparsity < 1)) throw new IllegalArgumentException("sparsity must be in [0, 1), got " + sparsity);
        Map<String, float[]> magnitudes = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        long total = 0;
        for (LoraModule m : adapter.modules().values()) {
            float[] abs = readAll(m.b());
            for (int i = 0; i < abs.length; i++) abs[i] = Math.abs(abs[i]);
            magnitudes.put(m.bKey(), abs);
            shapes.put(m.bKey(), new long[] {m.b().rows(), m.b().cols()});
            total += abs.length;
        }
        int k = (int) ((1 - sparsity) * total);
        if (k < 1) throw new IllegalArgumentException("sparsity " + sparsity + " keeps no entry of the " + total + " in B");
        float[] all = new float[Math.toIntExact(total)];
        int at = 0;
        for (float[] v : magnitudes.values()) {
            System.arraycopy(v, 0, all, at, v.length);
            at += v.length;
        }
        Arrays.sort(all);
        float threshold = all[all.length - k];
        Map<String, boolean[]> masks = new LinkedHashMap<>();
        magnitudes.forEach((key, abs) -> {
            boolean[] keep = new boolean[abs.length];
            for (int i = 0; i < abs.length; i++) keep[i] = abs[i] >= threshold;
            masks.put(key, keep);
        });
        return new LoriMask(masks, shapes, threshold);
    }

    /**
     * Reads a mask file: safetensors (BOOL tensors, or any float type where non-zero means kept),
     * or LoRI's own {@code masks/0.9_mask.pt} (a torch.save zip, read without torch by
     * {@link TorchMaskFile}). Keys are the adapter's lora_B keys; LoRI's {@code .lora_B.default.weight} become {@code .lora_B.weight}.
     */
    public static LoriMask read(Path file) {
        if (!java.nio.file.Files.isRegularFile(file)) throw new UserInputException(file + ": no such mask file");
        if (TorchMaskFile.isZip(file)) {
            LoriMask raw = TorchMaskFile.read(file);
            Map<String, boolean[]> masks = new LinkedHashMap<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            raw.masks().forEach((key, keep) -> {
                String k = key.replace(".lora_B.default.weight", ".lora_B.weight");
                masks.put(k, keep);
                shapes.put(k, raw.shapes().get(key));
            });
            return new LoriMask(masks, shapes, Float.NaN);
        }
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile f = SafetensorsFile.open(file, arena);
            Map<String, boolean[]> masks = new LinkedHashMap<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (TensorData t : f.tensors().values()) {
                if (t.rank() != 2) throw new UserInputException(file + ": mask \"" + t.name() + "\" must be 2-D, found " + t.shapeString());
                boolean[] keep = new boolean[Math.toIntExact(t.elementCount())];
                if (t.dtype() == DType.BOOL) {
                    for (int i = 0; i < keep.length; i++) keep[i] = t.bytes().get(ValueLayout.JAVA_BYTE, i) != 0;
                } else {
                    float[] v = readAll(dev.lorillama.runtime.tensor.WeightMatrices.of(t));
                    for (int i = 0; i < keep.length; i++) keep[i] = v[i] != 0f;
                }
                masks.put(t.name(), keep);
                shapes.put(t.name(), t.shape().clone());
            }
            return new LoriMask(masks, shapes, Float.NaN);
        }
    }

    public void write(Path file) throws IOException {
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        masks.forEach((key, keep) -> entries.add(SafetensorsWriter.booleans(key, shapes.get(key), keep)));
        SafetensorsWriter.write(file, entries, Map.of("format", "pt"));
    }

    /** Fraction of entries kept, over all masks. */
    public double density() {
        long kept = 0, total = 0;
        for (boolean[] m : masks.values()) {
            total += m.length;
            for (boolean b : m) if (b) kept++;
        }
        return total == 0 ? 0 : (double) kept / total;
    }

    /** Fraction kept of one mask. */
    public double density(String key) {
        boolean[] m = masks.get(key);
        long kept = 0;
        for (boolean b : m) if (b) kept++;
        return (double) kept / m.length;
    }

    /** Writes a copy of {@code adapter} whose B entries outside the mask are zero (A unchanged). */
    public void applyTo(LoraAdapter adapter, Path outDir) throws IOException {
        java.nio.file.Files.createDirectories(outDir);
        java.nio.file.Files.copy(adapter.dir().resolve("adapter_config.json"), outDir.resolve("adapter_config.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (LoraModule m : adapter.modules().values()) {
            boolean[] keep = masks.get(m.bKey());
            if (keep == null) throw new UserInputException("mask has no entry for " + m.bKey());
            long[] shape = {m.b().rows(), m.b().cols()};
            if (!Arrays.equals(shape, shapes.get(m.bKey()))) {
                throw new UserInputException("mask \"" + m.bKey() + "\" has shape " + Arrays.toString(shapes.get(m.bKey()))
                        + " but the adapter's B is " + Arrays.toString(shape));
            }
            float[] b = readAll(m.b());
            for (int i = 0; i < b.length; i++) if (!keep[i]) b[i] = 0f;
            entries.add(SafetensorsWriter.floats(m.aKey(), new long[] {m.a().rows(), m.a().cols()}, readAll(m.a())));
            entries.add(SafetensorsWriter.floats(m.bKey(), shape, b));
        }
        SafetensorsWriter.write(outDir.resolve("adapter_model.safetensors"), entries, Map.of("format", "pt"));
    }

    static float[] readAll(WeightMatrix m) {
        float[] v = new float[m.rows() * m.cols()];
        for (int r = 0; r < m.rows(); r++) m.readRow(r, v, r * m.cols());
        return v;
    }
}
