package dev.lorillama.gpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.runtime.backend.CpuBackend;
import dev.lorillama.runtime.backend.RopeTable;
import dev.lorillama.runtime.format.TensorData;
import dev.lorillama.runtime.model.RopeLayout;
import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.tensor.RandomBlocks;
import dev.lorillama.runtime.tensor.WeightMatrices;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/** Every GPU kernel against the CPU backend's operation of the same name (the reference path). */
class KernelsTest {
    private static final CpuBackend CPU = new CpuBackend(1);
    private static final int LANES = 8;

    @TempDir
    Path tmp;

    @AfterAll
    static void close() {
        CPU.close();
    }

    static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    static float[] read(FloatArray a, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = a.get(i);
        return v;
    }

    static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        double max = 0, scale = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i] - actual[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        assertTrue(scale > 0, what + ": the reference is all zeros");
        assertTrue(max <= tolerance * Math.max(1, scale), what + ": max abs difference " + max + " (values up to " + scale + ")");
    }

    /** The weights as they lie in a file, mapped by the backend straight from it (not copied). */
    private DeviceTensor fromFile(WeightMatrix m, DType type, int rows, int cols, Arena arena) throws Exception {
        byte[] bytes = new byte[(int) m.byteSize()];
        MemorySegment.ofArray(bytes).copyFrom(((dev.lorillama.runtime.tensor.StoredMatrix) m).data());
        Path file = tmp.resolve(type + ".bin");
        int offset = 100; // not aligned, and with room for TornadoVM's header before it
        byte[] all = new byte[offset + bytes.length + 7];
        System.arraycopy(bytes, 0, all, offset, bytes.length);
        Files.write(file, all);
        MemorySegment mapped;
        try (FileChannel ch = FileChannel.open(file)) {
            mapped = ch.map(FileChannel.MapMode.READ_ONLY, offset, bytes.length, arena);
        }
        TensorData t = new TensorData("w", type, new long[] {rows, cols}, mapped, file, offset);
        WeightMatrix fileMatrix = WeightMatrices.of(t);
        DeviceTensor d = DeviceTensor.of(fileMatrix, Map.of(mapped.address(), t), arena);
        assertTrue(Files.readAllBytes(file)[offset - 1] == 0, "the header is written to a private copy, not the file");
        return d;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void matmulOfEveryFormatMatchesTheCpu(DType type) throws Exception {
        int rows = 12, cols = 512, tokens = 3;
        WeightMatrix m = RandomBlocks.matrix(type, rows, cols, 7);
        float[] x = random(tokens * cols, 1);
        float[] expected = new float[tokens * rows];
        CPU.matmul(m, x, tokens, expected);
        float[] start = random(tokens * rows, 2);
        try (Arena arena = Arena.ofShared()) {
            for (boolean mapped : new boolean[] {false, true}) {
                DeviceTensor w = mapped ? fromFile(m, type, rows, cols, arena) : DeviceTensor.of(m, Map.of(), arena);
                FloatArray in = FloatArray.fromArray(x), out = FloatArray.fromArray(start), powers = WeightDecode.table();
                OneTask.run(g -> g.task("t", MatMulKernels.forFormat(w.format()), new KernelContext(), w.bytes(), w.floats(), powers,
                        in, out, rows, cols, 1, LANES), rows * LANES, tokens, LANES, OneTask.of(w.bytes(), w.floats(), powers, in, out), out);
                float[] accumulated = expected.clone();
                for (int i = 0; i < accumulated.length; i++) accumulated[i] += start[i];
                assertClose(accumulated, read(out, tokens * rows), 1e-5, type + (mapped ? " mapped" : " copied") + " y += W·x");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void embeddingRowsOfEveryFormatMatchTheCpu(DType type) {
        int rows = 10, cols = 256;
        WeightMatrix m = RandomBlocks.matrix(type, rows, cols, 11);
        int[] ids = {3, 0, 9};
        float[] expected = new float[ids.length * cols];
        for (int t = 0; t < ids.length; t++) m.readRow(ids[t], expected, t * cols);
        try (Arena arena = Arena.ofShared()) {
            DeviceTensor w = DeviceTensor.of(m, Map.of(), arena);
            IntArray tokens = IntArray.fromArray(ids);
            FloatArray out = new FloatArray(ids.length * cols), powers = WeightDecode.table();
            OneTask.run(g -> g.task("t", LayerKernels.embedFor(w.format()), new KernelContext(), w.bytes(), w.floats(), powers, tokens,
                    out, cols), cols, ids.length, 0, OneTask.of(w.bytes(), w.floats(), powers, tokens), out);
            assertClose(expected, read(out, expected.length), 0, type + " embedding rows");
        }
    }

    @Test
    void rmsNormMatchesTheCpuForEveryTokenAndForTheLastOnly() {
        int tokens = 3, dim = 96;
        float[] x = random(tokens * dim, 3), weight = random(dim, 4);
        float[] expected = new float[tokens * dim];
        CPU.rmsNorm(expected, x, weight, 1e-5f, tokens, dim);
        FloatArray in = FloatArray.fromArray(x), w = FloatArray.fromArray(weight), out = new FloatArray(tokens * dim);
        IntArray step = IntArray.fromArray(new int[] {0, 0, tokens - 1});
        OneTask.run(g -> g.task("t", LayerKernels::rmsNorm, new KernelContext(), in, w, out, step, 0, dim, 1e-5f, LANES),
                LANES, tokens, LANES, OneTask.of(in, w, step), out);
        assertClose(expected, read(out, tokens * dim), 1e-5, "rmsNorm");
        FloatArray last = new FloatArray(dim);
        OneTask.run(g -> g.task("t", LayerKernels::rmsNorm, new KernelContext(), in, w, last, step, 1, dim, 1e-5f, LANES),
                LANES, 1, LANES, OneTask.of(in, w, step), last);
        assertClose(java.util.Arrays.copyOfRange(expected, (tokens - 1) * dim, tokens * dim), read(last, dim), 1e-5, "final norm");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(RopeLayout.class)
    void ropeMatchesTheCpuInBothLayoutsAndFillsTheCache(RopeLayout layout) {
        int heads = 4, kvHeads = 2, headDim = 8, tokens = 3, position = 5, context = 16, slots = 2, slot = 1, half = headDim / 2;
        RopeTable table = new RopeTable(headDim, context, 500000.0, null, layout);
        float[] q = random(tokens * heads * headDim, 5), k = random(tokens * kvHeads * headDim, 6), v = random(tokens * kvHeads * headDim, 7);
        float[] expectedQ = q.clone(), expectedK = k.clone();
        int[] positions = {position, position + 1, position + 2};
        CPU.rope(expectedQ, tokens, heads, positions, table);
        CPU.rope(expectedK, tokens, kvHeads, positions, table);
        FloatArray cos = new FloatArray(context * half), sin = new FloatArray(context * half);
        for (int p = 0; p < context; p++) {
            for (int i = 0; i < half; i++) {
                cos.set(p * half + i, table.cos(p, i));
                sin.set(p * half + i, table.sin(p, i));
            }
        }
        int kvDim = kvHeads * headDim;
        FloatArray dq = FloatArray.fromArray(q), dk = FloatArray.fromArray(k), dv = FloatArray.fromArray(v);
        FloatArray keys = new FloatArray(slots * context * kvDim), values = new FloatArray(slots * context * kvDim);
        IntArray step = IntArray.fromArray(new int[] {position, slot, 0});
        boolean halves = layout == RopeLayout.HALVES;
        OneTask.run(g -> g.task("t", LayerKernels::ropeAndStore, new KernelContext(), dq, dk, dv, cos, sin, keys, values, step,
                heads, kvHeads, headDim, halves ? 1 : 2, halves ? half : 1, context), (heads + kvHeads) * half, tokens, 0,
                OneTask.of(dq, dk, dv, cos, sin, keys, values, step), dq, keys, values);
        assertClose(expectedQ, read(dq, q.length), 1e-6, layout + " queries");
        int cached = (slot * context + position) * kvDim;
        float[] keysStored = new float[k.length], valuesStored = new float[v.length];
        for (int i = 0; i < k.length; i++) {
            keysStored[i] = keys.get(cached + i);
            valuesStored[i] = values.get(cached + i);
        }
        assertClose(expectedK, keysStored, 1e-6, layout + " cached keys");
        assertClose(v, valuesStored, 0, layout + " cached values");
    }

    @Test
    void attentionMatchesTheCpuOverTheCachedPositions() {
        int heads = 4, kvHeads = 2, headDim = 8, tokens = 3, position = 6, context = 16, slot = 1, kvDim = kvHeads * headDim;
        float[] q = random(tokens * heads * headDim, 8);
        float[] keys = random(context * kvDim, 9), values = random(context * kvDim, 10);
        float[] expected = new float[q.length];
        CPU.attention(expected, q, tokens, new int[] {position, position + 1, position + 2}, new float[][] {keys, keys, keys},
                new float[][] {values, values, values}, heads, kvHeads, headDim);
        FloatArray dq = FloatArray.fromArray(q), out = new FloatArray(q.length);
        FloatArray dk = new FloatArray(2 * context * kvDim), dv = new FloatArray(2 * context * kvDim);
        for (int i = 0; i < context * kvDim; i++) {
            dk.set(slot * context * kvDim + i, keys[i]);
            dv.set(slot * context * kvDim + i, values[i]);
        }
        FloatArray scores = new FloatArray(tokens * heads * context);
        IntArray step = IntArray.fromArray(new int[] {position, slot, 0});
        OneTask.run(g -> g.task("t", LayerKernels::attention, new KernelContext(), dq, dk, dv, scores, out, step, heads, kvHeads,
                headDim, context, (float) (1 / Math.sqrt(headDim)), LANES), heads * LANES, tokens, LANES,
                OneTask.of(dq, dk, dv, step), out);
        assertClose(expected, read(out, q.length), 1e-5, "attention");
    }

    @Test
    void swigluMatchesTheCpu() {
        int tokens = 2, width = 40;
        float[] gate = random(tokens * width, 11), up = random(tokens * width, 12);
        float[] expected = gate.clone();
        CPU.swiglu(expected, up, tokens * width);
        FloatArray dg = FloatArray.fromArray(gate), du = FloatArray.fromArray(up);
        OneTask.run(g -> g.task("t", LayerKernels::swiglu, new KernelContext(), dg, du, width), width, tokens, 0, OneTask.of(dg, du), dg);
        assertClose(expected, read(dg, gate.length), 1e-6, "swiglu");
    }
}
