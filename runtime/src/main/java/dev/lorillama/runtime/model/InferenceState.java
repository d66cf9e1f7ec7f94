package dev.lorillama.runtime.model;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.backend.DeviceSequence;

/**
 * One sequence: its KV cache and its position. It runs alone through
 * {@link LlamaModel#ingest} (with activation buffers of its own for up to {@code batch} tokens,
 * made on first use), or as one run of a shared {@link Batch} among other sequences. When the
 * model runs on a device, the cache and the activations live there ({@link #device}).
 */
public final class InferenceState {
    final LlamaConfig config;
    final int batch;
    final int contextLength;
    final DeviceSequence device; // null on the CPU
    final KvCache cache;         // null on a device
    int position;
    private final LlamaModel model;
    private Batch solo;     // activations when it runs alone
    float[] logits;         // vocab, for the last token (or every token when asked), when it runs alone
    private float[] deviceLogits;

    public InferenceState(LlamaModel model, int contextLength, int batch) {
        this(model, contextLength, batch, null);
    }

    InferenceState(LlamaModel model, int contextLength, int batch, DeviceSequence device) {
        this.config = model.config();
        if (contextLength < 1 || contextLength > config.maxPositions()) {
            throw new UserInputException("context length " + contextLength + " must be between 1 and the model's "
                    + "max_position_embeddings (" + config.maxPositions() + ")");
        }
        this.model = model;
        this.batch = batch;
        this.contextLength = contextLength;
        this.device = device;
        this.cache = device == null ? new KvCache(config, contextLength) : null;
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

    /** Logits of the last token run alone (vocab floats from index 0), or of every token when asked for all. */
    public float[] logits() {
        return logits;
    }

    /** Where a device writes this sequence's logits: {@code rows} × vocab. */
    float[] deviceLogits(int rows) {
        int size = rows * config.vocabSize();
        if (deviceLogits == null || deviceLogits.length != size) deviceLogits = new float[size];
        return deviceLogits;
    }

    /** The buffers for running alone, made on first use. */
    Batch solo() {
        if (solo == null) solo = new Batch(model, batch);
        return solo;
    }
}
