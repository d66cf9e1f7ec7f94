package dev.lorillama.gpu;

import dev.lorillama.runtime.backend.RopeTable;
import dev.lorillama.runtime.format.MappedTensors;
import dev.lorillama.runtime.format.TensorData;
import dev.lorillama.runtime.model.LayerWeights;
import dev.lorillama.runtime.model.Linear;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaConfig;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.Projection;
import dev.lorillama.runtime.model.RopeLayout;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import uk.ac.manchester.tornado.api.DataRange;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
import uk.ac.manchester.tornado.api.common.TaskPackage;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The forward pass as a chain of TornadoVM task graphs, in the order of {@code LlamaModel.forward}:
 * "embed"; one graph per layer (RMSNorm, q/k/v, RoPE and the KV cache, attention, o + residual,
 * RMSNorm, gate/up, SwiGLU, down + residual, each projection followed by its adapters' A and B
 * when resident adapters touch it); "head" (final norm, LM head). One graph per layer because a
 * TornadoVM 5.2 graph holds at most 256 tasks and 1024 nodes ("Tornado Graph resize not
 * implemented yet"), which a 16-layer pass exceeds.
 *
 * <p>Weights, adapters and KV caches stay on the device in the graph of their layer. The
 * activations, step values and tables that several graphs read ({@link #shared}) are allocated by
 * the first graph whose tasks use them and handed from each graph to the next
 * ({@code persistOnDevice}, then {@code consumeFromDevice} of the graph just run, which passes
 * the device buffer itself): they are never copied to the host between graphs. A pass uploads
 * the token ids, a few step values and the adapter coefficients, and downloads the logits it was
 * asked for.
 * Batches of up to {@code batch} tokens (prefill) run the same graphs with a taller grid.
 */
final class ForwardGraph implements AutoCloseable {
    private final LlamaConfig c;
    private final int batch;
    private final int contextLength;
    private final int lanes;
    private final Arena arena = Arena.ofShared();
    private final List<TaskGraph> graphs = new ArrayList<>();
    /** The graph being built. */
    private TaskGraph graph;
    /** What the graph being built has on the device already (handed in, uploaded or allocated by it). */
    private Set<Object> onDevice;
    private final GridScheduler grids = new GridScheduler();
    private final Map<WeightMatrix, DeviceTensor> tensors = new IdentityHashMap<>();
    private final Map<Long, TensorData> files = new HashMap<>();
    /** Grids whose y (tokens) follows the pass, with their x; and those of the LM head, whose y is the rows wanted. */
    private final List<Object[]> tokenGrids = new ArrayList<>(), headGrids = new ArrayList<>();
    private final FloatArray powers = WeightDecode.table();
    /** What several graphs use, with how the first graph to use it transfers it; each is then handed along. */
    private final Map<Object, Integer> shared = new IdentityHashMap<>();
    /** The shared arrays some graph already has: each later graph takes them from the one before. */
    private final List<Object> carried = new ArrayList<>();

    final IntArray tokenIds;
    final IntArray step = new IntArray(Step.SIZE);
    final FloatArray coefficients;
    final FloatArray logits;
    private final TornadoExecutionPlan plan;
    private int gridTokens = -1, gridRows = -1;

    ForwardGraph(LlamaModel model, LinearProvider weights, ResidentAdapters adapters, int contextLength, int sequences,
                 int batch, int lanes, TornadoDevice device) {
        this.c = model.config();
        this.batch = batch;
        this.contextLength = contextLength;
        this.lanes = lanes;
        if (model.storage() instanceof MappedTensors mapped) {
            for (TensorData t : mapped.tensors().values()) files.put(t.bytes().address(), t);
        }
        int h = c.hiddenSize(), f = c.intermediateSize(), v = c.vocabSize(), half = c.headDim() / 2;
        tokenIds = new IntArray(batch);
        coefficients = new FloatArray(Math.max(1, adapters.coefficientCount()));
        logits = new FloatArray(batch * v);
        FloatArray x = new FloatArray(batch * h), normed = new FloatArray(batch * h);
        FloatArray q = new FloatArray(batch * c.queryDim()), k = new FloatArray(batch * c.kvDim()), val = new FloatArray(batch * c.kvDim());
        FloatArray attended = new FloatArray(batch * c.queryDim());
        FloatArray gate = new FloatArray(batch * f), up = new FloatArray(batch * f);
        FloatArray ax = new FloatArray(Math.max(1, batch * adapters.maxRank()));
        FloatArray scores = new FloatArray(Math.multiplyExact(batch * c.numHeads(), contextLength));
        RopeTable rope = RopeTable.forConfig(c, contextLength);
        FloatArray cos = new FloatArray(contextLength * half), sin = new FloatArray(contextLength * half);
        for (int p = 0; p < contextLength; p++) {
            for (int i = 0; i < half; i++) {
                cos.set(p * half + i, rope.cos(p, i));
                sin.set(p * half + i, rope.sin(p, i));
            }
        }
        int pairStride = c.ropeLayout() == RopeLayout.HALVES ? 1 : 2, partner = c.ropeLayout() == RopeLayout.HALVES ? half : 1;
        int cacheSize = Math.multiplyExact(Math.multiplyExact(sequences, contextLength), c.kvDim());

        for (Object perPass : List.of(tokenIds, step, coefficients)) shared.put(perPass, DataTransferMode.EVERY_EXECUTION);
        // Uploaded once: the tables, and the activations' first (unused) contents.
        for (Object once : List.of(powers, cos, sin, DeviceTensor.NO_BYTES, DeviceTensor.NO_FLOATS, x, normed, q, k, val, attended,
                gate, up, ax, scores)) {
            shared.put(once, DataTransferMode.FIRST_EXECUTION);
        }
        // A tied LM head reads the embedding table: handed to "head" rather than uploaded twice.
        if (model.weights().lmHead() == model.weights().tokenEmbeddings()) {
            shared.put(tensor(model.weights().tokenEmbeddings()).data(), DataTransferMode.FIRST_EXECUTION);
        }

        begin("embed");
        DeviceTensor embeddings = weight(model.weights().tokenEmbeddings());
        task(TaskPackage.createPackage("embed", LayerKernels.embedFor(embeddings.format()), new KernelContext(), embeddings.bytes(),
                embeddings.floats(), powers, tokenIds, x, h));
        perToken("embed", h, 0);
        end();

        for (int l = 0; l < c.numLayers(); l++) {
            LayerWeights layer = model.weights().layers().get(l);
            begin("layer" + l);
            FloatArray keys = new FloatArray(cacheSize), values = new FloatArray(cacheSize);
            norm("attnNorm", x, constant(layer.attentionNorm()), normed, false);
            projection(l, Projection.Q, weights, adapters, normed, q, false, ax);
            projection(l, Projection.K, weights, adapters, normed, k, false, ax);
            projection(l, Projection.V, weights, adapters, normed, val, false, ax);
            task(TaskPackage.createPackage("rope", LayerKernels::ropeAndStore, new KernelContext(), q, k, val, cos, sin, keys, values,
                    step, c.numHeads(), c.numKvHeads(), c.headDim(), pairStride, partner, contextLength));
            perToken("rope", (c.numHeads() + c.numKvHeads()) * half, 0);
            task(TaskPackage.createPackage("attention", LayerKernels::attention, new KernelContext(), q, keys, values, scores,
                    attended, step, c.numHeads(), c.numKvHeads(), c.headDim(), contextLength, (float) (1.0 / Math.sqrt(c.headDim())),
                    lanes));
            perToken("attention", c.numHeads() * lanes, lanes);
            projection(l, Projection.O, weights, adapters, attended, x, true, ax);

            norm("ffnNorm", x, constant(layer.ffnNorm()), normed, false);
            projection(l, Projection.GATE, weights, adapters, normed, gate, false, ax);
            projection(l, Projection.UP, weights, adapters, normed, up, false, ax);
            task(TaskPackage.createPackage("swiglu", LayerKernels::swiglu, new KernelContext(), gate, up, f));
            perToken("swiglu", f, 0);
            projection(l, Projection.DOWN, weights, adapters, gate, x, true, ax);
            end();
        }

        begin("head");
        norm("finalNorm", x, constant(model.weights().finalNorm()), normed, true);
        DeviceTensor head = weight(model.weights().lmHead());
        task(TaskPackage.createPackage("head", MatMulKernels.forFormat(head.format()), new KernelContext(), head.bytes(), head.floats(),
                powers, normed, logits, v, h, 0, lanes));
        headGrids.add(grid("head", v * lanes, lanes));
        graph.transferToHost(DataTransferMode.UNDER_DEMAND, logits);
        end();

        plan = new TornadoExecutionPlan(graphs.stream().map(TaskGraph::snapshot).toArray(ImmutableTaskGraph[]::new));
        plan.withDevice(device).withGridScheduler(grids);
    }

    /** Starts the next graph of the chain; after the first, it takes the carried arrays from the one before. */
    private void begin(String name) {
        TaskGraph previous = graph;
        graph = new TaskGraph(name);
        onDevice = Collections.newSetFromMap(new IdentityHashMap<>());
        if (previous != null) {
            graph.consumeFromDevice(previous.getTaskGraphName(), carried.toArray());
            onDevice.addAll(carried);
        }
    }

    /** Ends the graph being built; the carried arrays stay on the device for the next. */
    private void end() {
        if (!carried.isEmpty()) graph.persistOnDevice(carried.toArray());
        graphs.add(graph);
    }

    /** Adds a task to the graph being built; the shared arrays it uses that no graph has yet start here. */
    private void task(TaskPackage task) {
        for (Object argument : task.getTaskParameters()) if (shared.containsKey(argument)) have(argument);
        graph.addTask(task);
    }

    /**
     * Makes the graph being built have {@code array} on the device: nothing if it has it already;
     * else a shared array is transferred as {@link #shared} says and handed along from here on,
     * any other is uploaded at the first pass (weights, norms, adapters).
     */
    private void have(Object array) {
        if (!onDevice.add(array)) return;
        Integer mode = shared.get(array);
        graph.transferToDevice(mode == null ? DataTransferMode.FIRST_EXECUTION : mode, array);
        if (mode != null) carried.add(array);
    }

    /** {@code y = W·x} (or {@code y += W·x}), then {@code y += B·mix(A·x)} for the resident adapters acting here. */
    private void projection(int layer, Projection p, LinearProvider weights, ResidentAdapters adapters,
                            FloatArray in, FloatArray out, boolean accumulate, FloatArray ax) {
        Linear linear = weights.get(layer, p);
        if (!linear.updates().isEmpty()) {
            throw new IllegalArgumentException("the weights given to the GPU must be plain (base or merged); " + p.modulePath(layer)
                    + " has unmerged updates (those go in as resident adapters)");
        }
        DeviceTensor w = weight(linear.weight());
        int rows = p.outFeatures(c), cols = p.inFeatures(c);
        String task = p.moduleName();
        task(TaskPackage.createPackage(task, MatMulKernels.forFormat(w.format()), new KernelContext(), w.bytes(), w.floats(), powers,
                in, out, rows, cols, accumulate ? 1 : 0, lanes));
        perToken(task, rows * lanes, lanes);
        ResidentAdapters.Packed a = adapters.packed(layer, p);
        if (a == null) return;
        constant(a.a(), a.denseB(), a.rowStart(), a.columns(), a.values(), a.blocks());
        task(TaskPackage.createPackage(task + ".A", MatMulKernels.forFormat(WeightDecode.F32), new KernelContext(), DeviceTensor.NO_BYTES,
                a.a(), powers, in, ax, a.rank(), cols, 0, lanes));
        perToken(task + ".A", a.rank() * lanes, lanes);
        task(TaskPackage.createPackage(task + ".B", MatMulKernels::lowRankUp, new KernelContext(), ax, coefficients, a.blocks(),
                a.denseB(), a.rowStart(), a.columns(), a.values(), out, adapters.coefficientBase(layer, p), adapters.count(),
                a.blockCount(), a.rank(), a.denseRank(), rows));
        perToken(task + ".B", rows, 0);
    }

    private void norm(String task, FloatArray x, FloatArray weight, FloatArray out, boolean head) {
        task(TaskPackage.createPackage(task, LayerKernels::rmsNorm, new KernelContext(), x, weight, out, step, head ? 1 : 0,
                c.hiddenSize(), c.rmsNormEps(), lanes));
        if (head) headGrids.add(grid(task, lanes, lanes));
        else perToken(task, lanes, lanes);
    }

    /** A weight matrix for the graph being built: uploaded there unless the graph has it already (a tied LM head). */
    private DeviceTensor weight(WeightMatrix m) {
        DeviceTensor t = tensor(m);
        constant(t.data());
        return t;
    }

    /** A weight matrix as the kernels take it, mapped once however often it is used. */
    private DeviceTensor tensor(WeightMatrix m) {
        return tensors.computeIfAbsent(m, key -> DeviceTensor.of(key, files, arena));
    }

    private FloatArray constant(float[] values) {
        FloatArray a = DeviceTensor.floats(values);
        constant(a);
        return a;
    }

    /** Uploaded at the first pass only, by the graph being built (unless it has them already). */
    private void constant(Object... arrays) {
        for (Object a : arrays) have(a);
    }

    private void perToken(String task, int x, int local) {
        tokenGrids.add(grid(task, x, local));
    }

    private Object[] grid(String task, int x, int local) {
        WorkerGrid2D g = new WorkerGrid2D(x, 1);
        if (local > 0) g.setLocalWork(local, 1, 1);
        grids.addWorkerGrid(graph.getTaskGraphName() + "." + task, g);
        return new Object[] {g, x, local};
    }

    private static void resize(List<Object[]> list, int y) {
        for (Object[] e : list) {
            WorkerGrid g = (WorkerGrid) e[0];
            g.setGlobalWork((Integer) e[1], y, 1);
            if ((Integer) e[2] > 0) g.setLocalWork((Integer) e[2], 1, 1);
        }
    }

    int batch() {
        return batch;
    }

    /**
     * One pass: {@code n ≤ batch} tokens at {@code position} in KV cache {@code slot}; the logits
     * of the last token (or of all) into {@code out}.
     */
    void run(int[] tokens, int offset, int n, int position, int slot, float[] mix, boolean allLogits, float[] out) {
        for (int t = 0; t < n; t++) tokenIds.set(t, tokens[offset + t]);
        step.set(Step.POSITION, position);
        step.set(Step.SLOT, slot);
        step.set(Step.HEAD_FROM, allLogits ? 0 : n - 1);
        MemorySegment.copy(mix, 0, coefficients.getSegment(), ValueLayout.JAVA_FLOAT, 0, mix.length);
        int rows = allLogits ? n : 1;
        if (gridTokens != n) resize(tokenGrids, gridTokens = n);
        if (gridRows != rows) resize(headGrids, gridRows = rows);
        TornadoExecutionResult result = null;
        for (int g = 0; g < graphs.size(); g++) result = plan.withGraph(g).execute();
        int count = rows * c.vocabSize();
        result.transferToHost(new DataRange(logits).withOffset(0).withSize(count));
        MemorySegment.copy(logits.getSegment(), ValueLayout.JAVA_FLOAT, 0, out, 0, count);
    }

    int contextLength() {
        return contextLength;
    }

    @Override
    public void close() {
        try {
            plan.freeDeviceMemory();
            plan.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the TornadoVM plan failed", e);
        } finally {
            arena.close();
        }
    }
}
