package dev.lorillama.runtime.model;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.backend.Backend;
import dev.lorillama.runtime.backend.DeviceModel;
import dev.lorillama.runtime.backend.RopeTable;
import java.util.Optional;

/**
 * A Llama 3 model: config, weights, and the forward pass.
 *
 * <p>{@link #forward} is the whole network in the order of the paper. It reads as: embed the
 * tokens; in every layer, a pre-normed attention block and a pre-normed SwiGLU block, each added
 * to the residual stream; a final norm; the LM head. The kernels come from a {@link Backend}, the
 * seven projections of each layer from a {@link LinearProvider} (base weights or adapters).
 * A model can instead {@link #runOn run on a device}: then the same network runs there as a whole
 * (see {@link DeviceModel}), and this class only feeds it tokens.
 *
 * <p>A step runs a {@link Batch}: rows of one or several sequences, each with its own position,
 * KV cache and adapters. Each weight matrix streams once per step for all of them; a row's result
 * is exactly what its sequence would get alone.
 */
public final class LlamaModel implements AutoCloseable {
    /**
     * Tokens per forward call during prefill of a sequence run alone: each weight matrix streams once per batch (a 1B
     * Q4_0 pp128 measured ~6% faster at 128 than at 32); the context caps it, so short ones
     * allocate small buffers.
     */
    private static final int PREFILL_BATCH = 128;

    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final Backend backend;
    private final RopeTable rope;
    private final LinearProvider baseLinears;
    private final AutoCloseable storage;
    private volatile DeviceModel device; // null: forward() runs on the CPU backend

    public LlamaModel(LlamaConfig config, LlamaWeights weights, Backend backend, AutoCloseable storage) {
        this.config = config;
        this.weights = weights;
        this.backend = backend;
        this.storage = storage;
        this.rope = RopeTable.forConfig(config, config.maxPositions());
        DenseLinear[][] base = new DenseLinear[config.numLayers()][Projection.values().length];
        for (int l = 0; l < config.numLayers(); l++) {
            for (Projection p : Projection.values()) base[l][p.ordinal()] = new DenseLinear(weights.layers().get(l).projection(p));
        }
        this.baseLinears = (layer, p) -> base[layer][p.ordinal()];
    }

    public LlamaConfig config() {
        return config;
    }

    public LlamaWeights weights() {
        return weights;
    }

    public Backend backend() {
        return backend;
    }

    /** The projections of the base model, without adapters. */
    public LinearProvider baseLinears() {
        return baseLinears;
    }

    /** What the weights lie in (the mapped checkpoint or GGUF file), or null for weights built in memory. */
    public AutoCloseable storage() {
        return storage;
    }

    /**
     * Runs the forward passes of states created from now on on {@code device} (it holds this
     * model's weights); the model closes it.
     */
    public void runOn(DeviceModel device) {
        if (this.device != null) throw new IllegalStateException("the model already runs on " + this.device.describe());
        this.device = device;
    }

    /** The device forward passes run on; empty: the CPU. */
    public Optional<DeviceModel> device() {
        return Optional.ofNullable(device);
    }

    /** A fresh sequence state with its own KV cache of {@code contextLength} positions. */
    public InferenceState newState(int contextLength) {
        int batch = Math.max(1, Math.min(PREFILL_BATCH, contextLength));
        DeviceModel d = device;
        return new InferenceState(this, contextLength, batch, d == null ? null : d.newSequence(contextLength, batch));
    }

    /** Activation buffers for steps of up to {@code capacity} rows from any number of sequences. */
    public Batch newBatch(int capacity) {
        return new Batch(this, capacity);
    }

    /**
     * Runs {@code count} tokens from {@code tokens[offset..]} at the state's next positions, alone,
     * in steps of the state's batch size, and leaves the logits of the last token (or, with
     * {@code allLogits}, of every token: count × vocab) in {@link InferenceState#logits()}.
     */
    public float[] ingest(InferenceState s, int[] tokens, int offset, int count, LinearProvider linears, boolean allLogits) {
        if (count < 1) throw new IllegalArgumentException("nothing to ingest");
        if (s.position + count > s.contextLength()) {
            throw new UserInputException("context length exceeded: " + s.position + " tokens in context + " + count
                    + " new > context length " + s.contextLength());
        }
        Batch solo = s.solo();
        float[] all = allLogits ? new float[count * config.vocabSize()] : null;
        for (int done = 0; done < count; done += s.batch) {
            int n = Math.min(s.batch, count - done);
            solo.clear();
            solo.add(s, tokens, offset + done, n, linears, allLogits);
            step(solo);
            if (allLogits) System.arraycopy(solo.logits(), 0, all, done * config.vocabSize(), n * config.vocabSize());
        }
        solo.clear();
        s.logits = allLogits ? all : solo.logits();
        return s.logits;
    }

    /**
     * Runs one step of a batch: {@link #forward} on the CPU; on a device, where each sequence's
     * cache lives, one device pass per sequence.
     */
    public void step(Batch b) {
        if (device == null) {
            forward(b);
            return;
        }
        float[] logits = b.logitsBuffer(b.logitRuns.rows());
        for (int r = 0; r < b.runCount(); r++) {
            InferenceState s = b.sequence(r);
            int first = b.runs.start(r), n = b.runs.length(r);
            float[] out = s.deviceLogits(b.logitRuns.length(r));
            s.device.forward(b.tokens, first, n, s.position, b.linears(r), b.logitRuns.length(r) > 1, out);
            System.arraycopy(out, 0, logits, b.logitsOffset(r), out.length);
        }
        b.advanceSequences();
    }

    /**
     * The transformer for one step of a batch: rows from one or more sequences (a prompt chunk or
     * one new token each), every row at its own sequence's next position.
     * Shapes: n = rows of the batch, H = hidden, F = intermediate, V = vocab.
     */
    public void forward(Batch b) {
        LlamaConfig c = config;
        int n = b.rows();
        int hidden = c.hiddenSize();

        // 1. Token embeddings: x[t] = E[token_t]                                           [n, H]
        for (int t = 0; t < n; t++) weights.tokenEmbeddings().readRow(b.tokens[t], b.x, t * hidden);

        for (int l = 0; l < c.numLayers(); l++) {
            LayerWeights layer = weights.layers().get(l);
            b.tape.layerInput(l, b);                                                     // training keeps x

            // 2. Attention block: x += W_o · Attention(RoPE(W_q·h), RoPE(W_k·h), W_v·h), h = RMSNorm(x)
            backend.rmsNorm(b.normed, b.x, layer.attentionNorm(), c.rmsNormEps(), n, hidden);
            b.projection.apply(l, Projection.Q, b.normed, b.q);                          // [n, heads·hd]
            b.projection.apply(l, Projection.K, b.normed, b.k);                          // [n, kvHeads·hd]
            b.projection.apply(l, Projection.V, b.normed, b.v);                          // [n, kvHeads·hd]
            backend.rope(b.q, n, c.numHeads(), b.positions, rope);                        // each row at its own position
            backend.rope(b.k, n, c.numKvHeads(), b.positions, rope);
            attendEachSequence(b, l);                                                    // [n, heads·hd]
            b.projection.apply(l, Projection.O, b.attended, b.projected);                // [n, H]
            backend.add(b.x, b.projected, n * hidden);

            // 3. MLP block: x += W_down · (SiLU(W_gate·h) ⊙ W_up·h), h = RMSNorm(x)
            backend.rmsNorm(b.normed, b.x, layer.ffnNorm(), c.rmsNormEps(), n, hidden);
            b.projection.apply(l, Projection.GATE, b.normed, b.gate);                    // [n, F]
            b.projection.apply(l, Projection.UP, b.normed, b.up);                        // [n, F]
            b.tape.beforeSwiglu(l, b);                                                   // training keeps q, attention, x, gate, up
            backend.swiglu(b.gate, b.up, n * c.intermediateSize());
            b.projection.apply(l, Projection.DOWN, b.gate, b.projected);                 // [n, H]
            backend.add(b.x, b.projected, n * hidden);
        }
        b.advanceSequences();

        // 4. Final norm and LM head, for each sequence's last row only (or all its rows, when asked).
        int kept = b.keepLogitRows();                                                    // [kept, H]
        backend.rmsNorm(b.normed, b.x, weights.finalNorm(), c.rmsNormEps(), kept, hidden);
        backend.matmul(weights.lmHead(), b.normed, b.logitRuns, 0, b.runCount(), b.logitsBuffer(kept)); // [kept, V]
    }

    /**
     * The backward pass of {@link #forward}, its steps in reverse under the same numbers, for a
     * step that ran one whole sequence (from position 0) while {@link Batch#record recording}.
     * Given the gradient of the loss with respect to the logits of rows {@code fromRow ..} (earlier
     * rows are not scored), it adds the gradients of every {@link TrainableUpdate} among the
     * sequence's projections. The base weights are frozen: gradients pass through them
     * ({@code Wᵀ·dy}, in their stored format) and they are never written.
     * Shapes: n = tokens of the sequence; dx is the gradient of the residual stream.
     */
    public void backward(Batch b, float[] dLogits, int fromRow) {
        LlamaConfig c = config;
        ActivationTape a = b.tape;
        int n = b.rows(), hidden = c.hiddenSize(), f = c.intermediateSize(), scored = n - fromRow;
        if (a == ActivationTape.NONE || b.runCount() != 1 || b.sequence(0).position != n) {
            throw new IllegalStateException("backward needs a recorded forward step of one whole sequence");
        }
        KvCache cache = b.sequence(0).cache;
        float eps = c.rmsNormEps();

        // 4. LM head and final norm: dx = RMSNormᵀ(W_headᵀ · dlogits)                       [n, H]
        backend.matmulTransposed(weights.lmHead(), dLogits, scored, a.product);
        java.util.Arrays.fill(a.dNormed, 0, fromRow * hidden, 0f);
        System.arraycopy(a.product, 0, a.dNormed, fromRow * hidden, scored * hidden);
        java.util.Arrays.fill(a.dx, 0, n * hidden, 0f);
        backend.rmsNormBackward(a.dx, b.x, weights.finalNorm(), eps, a.dNormed, n, hidden);

        for (int l = c.numLayers() - 1; l >= 0; l--) {
            LayerWeights layer = weights.layers().get(l);
            ActivationTape.Layer saved = a.layer(l);

            // 3. MLP block: dx += RMSNormᵀ(W_gateᵀ·dGate + W_upᵀ·dUp), (dGate, dUp) = SwiGLUᵀ(W_downᵀ·dx)
            backend.rmsNorm(a.normed, saved.residual, layer.ffnNorm(), eps, n, hidden);      // h, recomputed
            System.arraycopy(saved.gate, 0, a.swiglu, 0, n * f);
            backend.swiglu(a.swiglu, saved.up, n * f);                                       // recomputed
            b.projection.backward(l, Projection.DOWN, a.swiglu, a.dx, a.dSwiglu, false, a);  // [n, F]
            backend.swigluBackward(a.dGate, a.dUp, saved.gate, saved.up, a.dSwiglu, n * f);
            b.projection.backward(l, Projection.GATE, a.normed, a.dGate, a.dNormed, false, a); // [n, H]
            b.projection.backward(l, Projection.UP, a.normed, a.dUp, a.dNormed, true, a);
            backend.rmsNormBackward(a.dx, saved.residual, layer.ffnNorm(), eps, a.dNormed, n, hidden);

            // 2. Attention block: dx += RMSNormᵀ(W_qᵀ·RoPEᵀ(dq) + W_kᵀ·RoPEᵀ(dk) + W_vᵀ·dv), from Attentionᵀ(W_oᵀ·dx)
            b.projection.backward(l, Projection.O, saved.attended, a.dx, a.dAttended, false, a); // [n, heads·hd]
            java.util.Arrays.fill(a.dKeys, 0, n * c.kvDim(), 0f);
            java.util.Arrays.fill(a.dValues, 0, n * c.kvDim(), 0f);
            backend.attentionBackward(a.dq, a.dKeys, a.dValues, a.dAttended, saved.attended, saved.q,
                    cache.keys(l), cache.values(l), n, 0, c.numHeads(), c.numKvHeads(), c.headDim());
            backend.ropeBackward(a.dq, n, c.numHeads(), b.positions, rope);
            backend.ropeBackward(a.dKeys, n, c.numKvHeads(), b.positions, rope);
            backend.rmsNorm(a.normed, saved.input, layer.attentionNorm(), eps, n, hidden);  // h, recomputed
            b.projection.backward(l, Projection.Q, a.normed, a.dq, a.dNormed, false, a);   // [n, H]
            b.projection.backward(l, Projection.K, a.normed, a.dKeys, a.dNormed, true, a);
            b.projection.backward(l, Projection.V, a.normed, a.dValues, a.dNormed, true, a);
            backend.rmsNormBackward(a.dx, saved.input, layer.attentionNorm(), eps, a.dNormed, n, hidden);
        }
        // 1. Token embeddings are frozen: the gradient stops here.
    }

    /**
     * Attention of every row over its own sequence's cache: each run's keys and values join its
     * sequence's cache, then each row attends causally over that cache.                 [n, heads·hd]
     */
    private void attendEachSequence(Batch b, int layer) {
        for (int r = 0; r < b.runCount(); r++) {
            InferenceState s = b.sequence(r);
            s.cache.store(layer, s.position, b.k, b.v, b.runs.start(r), b.runs.length(r));
        }
        b.pointRowsAtCaches(layer);
        backend.attention(b.attended, b.q, b.rows(), b.positions, b.keys, b.values,
                config.numHeads(), config.numKvHeads(), config.headDim());
        b.releaseCaches();
    }

    @Override
    public void close() throws Exception {
        if (device != null) device.close();
        backend.close();
        if (storage != null) storage.close();
    }
}
