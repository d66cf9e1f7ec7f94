package dev.lorillama.runtime.model;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.backend.DeviceSequence;

/**
 * Everything one sequence owns while it runs: the KV cache, the position, and the activation
 * buffers for a batch of up to {@code batch} tokens (allocated once, reused for every step). When
 * the model runs on a device, the cache and the activations live there ({@link #device}).
 */
public final class InferenceState {
    final LlamaConfig config;
    final int batch;
    final int contextLength;
    final DeviceSequence device; // null on the CPU
    final KvCache cache;         // null on a device
    final Workspace workspace;
    int position;

    // Activations, each `batch` rows of the given width.
    final float[] x;        // residual stream, hidden
    final float[] normed;   // RMSNorm(x), hidden
    final float[] q;        // queries, heads × headDim
    final float[] k;        // keys, kvHeads × headDim
    final float[] v;        // values, kvHeads × headDim
    final float[] attended; // attention output, heads × headDim
    final float[] projected;// o_proj / down_proj output, hidden
    final float[] gate;     // gate_proj then SwiGLU, intermediate
    final float[] up;       // up_proj, intermediate
    float[] logits;         // vocab, for the last token (or every token when asked)

    public InferenceState(LlamaModel model, int contextLength, int batch) {
        this(model, contextLength, batch, null);
    }

    InferenceState(LlamaModel model, int contextLength, int batch, DeviceSequence device) {
        this.config = model.config();
        if (contextLength < 1 || contextLength > config.maxPositions()) {
            throw new UserInputException("context length " + contextLength + " must be between 1 and the model's "
                    + "max_position_embeddings (" + config.maxPositions() + ")");
        }
        this.batch = batch;
        this.contextLength = contextLength;
        this.device = device;
        this.cache = device == null ? new KvCache(config, contextLength) : null;
        this.workspace = new Workspace(model.backend());
        int h = config.hiddenSize(), f = config.intermediateSize();
        x = new float[batch * h];
        normed = new float[batch * h];
        q = new float[batch * config.queryDim()];
        k = new float[batch * config.kvDim()];
        v = new float[batch * config.kvDim()];
        attended = new float[batch * config.queryDim()];
        projected = new float[batch * h];
        gate = new float[batch * f];
        up = new float[batch * f];
        logits = new float[config.vocabSize()];
    }

    /** Tokens already in the cache; the next token goes at this position. */
    public int position() {
        return position;
    }

    public int contextLength() {
        return contextLength;
    }

    /** Forgets the sequence (the cache is overwritten from position 0 on). */
    public void reset() {
        position = 0;
    }

    /** Rewinds to an earlier position, e.g. to reuse a shared prompt prefix. */
    public void rewind(int newPosition) {
        if (newPosition < 0 || newPosition > position) throw new IllegalArgumentException("cannot rewind to " + newPosition);
        position = newPosition;
    }

    /** Logits of the last token run (vocab floats), or of every token when asked for all. */
    public float[] logits() {
        return logits;
    }

    float[] logitsBuffer(int rows) {
        int size = rows * config.vocabSize();
        if (logits.length != size) logits = new float[size];
        return logits;
    }
}
