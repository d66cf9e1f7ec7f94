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
 */
public final class LlamaModel implements AutoCloseable {
    /**
     * Tokens per forward call during prefill: each weight matrix streams once per batch (a 1B
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

    /**
     * Runs {@code count} tokens from {@code tokens[offset..]} at the state's next positions, in
     * batches of the state's size, and leaves the logits of the last token (or, with
     * {@code allLogits}, of every token: count × vocab) in {@link InferenceState#logits()}.
     */
    public float[] ingest(InferenceState s, int[] tokens, int offset, int count, LinearProvider linears, boolean allLogits) {
        if (count < 1) throw new IllegalArgumentException("nothing to ingest");
        if (s.position + count > s.contextLength()) {
            throw new UserInputException("context length exceeded: " + s.position + " tokens in context + " + count
                    + " new > context length " + s.contextLength());
        }
        for (int t = offset; t < offset + count; t++) {
            if (tokens[t] < 0 || tokens[t] >= config.vocabSize()) {
                throw new UserInputException("token id " + tokens[t] + " is outside the vocabulary [0, " + config.vocabSize() + ")");
            }
        }
        float[] all = allLogits ? new float[count * config.vocabSize()] : null;
        for (int done = 0; done < count; done += s.batch) {
            int n = Math.min(s.batch, count - done);
            if (s.device != null) {
                s.device.forward(tokens, offset + done, n, s.position, linears, allLogits, s.logitsBuffer(allLogits ? n : 1));
                s.position += n;
            } else {
                forward(s, tokens, offset + done, n, linears, allLogits);
            }
            if (allLogits) System.arraycopy(s.logits, 0, all, done * config.vocabSize(), n * config.vocabSize());
        }
        if (allLogits) {
            s.logits = all;
        }
        return s.logits;
    }

    /**
     * The transformer, for {@code n ≤ batch} tokens at positions {@code s.position ..}.
     * Shapes: H = hidden, F = intermediate, V = vocab, per token.
     */
    void forward(InferenceState s, int[] tokens, int offset, int n, LinearProvider linears, boolean allLogits) {
        LlamaConfig c = config;
        Workspace ws = s.workspace;
        int pos = s.position;
        int hidden = c.hiddenSize();

        // 1. Token embeddings: x[t] = E[token_t]                                           [n, H]
        for (int t = 0; t < n; t++) weights.tokenEmbeddings().readRow(tokens[offset + t], s.x, t * hidden);

        for (int l = 0; l < c.numLayers(); l++) {
            LayerWeights layer = weights.layers().get(l);

            // 2. Attention block: x += W_o · Attention(RoPE(W_q·h), RoPE(W_k·h), W_v·h), h = RMSNorm(x)
            backend.rmsNorm(s.normed, s.x, layer.attentionNorm(), c.rmsNormEps(), n, hidden);
            linears.get(l, Projection.Q).forward(ws, s.normed, n, s.q);                   // [n, heads·hd]
            linears.get(l, Projection.K).forward(ws, s.normed, n, s.k);                   // [n, kvHeads·hd]
            linears.get(l, Projection.V).forward(ws, s.normed, n, s.v);                   // [n, kvHeads·hd]
            backend.rope(s.q, n, c.numHeads(), pos, rope);
            backend.rope(s.k, n, c.numKvHeads(), pos, rope);
            s.cache.store(l, pos, s.k, s.v, n);
            backend.attention(s.attended, s.q, s.cache.keys(l), s.cache.values(l), n, pos,
                    c.numHeads(), c.numKvHeads(), c.headDim());                          // [n, heads·hd]
            linears.get(l, Projection.O).forward(ws, s.attended, n, s.projected);        // [n, H]
            backend.add(s.x, s.projected, n * hidden);

            // 3. MLP block: x += W_down · (SiLU(W_gate·h) ⊙ W_up·h), h = RMSNorm(x)
            backend.rmsNorm(s.normed, s.x, layer.ffnNorm(), c.rmsNormEps(), n, hidden);
            linears.get(l, Projection.GATE).forward(ws, s.normed, n, s.gate);            // [n, F]
            linears.get(l, Projection.UP).forward(ws, s.normed, n, s.up);                // [n, F]
            backend.swiglu(s.gate, s.up, n * c.intermediateSize());
            linears.get(l, Projection.DOWN).forward(ws, s.gate, n, s.projected);         // [n, H]
            backend.add(s.x, s.projected, n * hidden);
        }
        s.position += n;

        // 4. Final norm and LM head, for the last token only unless every position is wanted.
        int rows = allLogits ? n : 1;
        if (!allLogits) System.arraycopy(s.x, (n - 1) * hidden, s.x, 0, hidden); // the residual is done with
        backend.rmsNorm(s.normed, s.x, weights.finalNorm(), c.rmsNormEps(), rows, hidden);
        backend.matmul(weights.lmHead(), s.normed, rows, s.logitsBuffer(rows));         // [rows, V]
    }

    @Override
    public void close() throws Exception {
        if (device != null) device.close();
        backend.close();
        if (storage != null) storage.close();
    }
}
