package dev.lorillama.runtime.model;

/**
 * What the forward pass keeps for {@link LlamaModel#backward}: per layer, the activations its
 * backward cannot cheaply recompute (they are stored, not recomputed; the RMSNorm outputs and the
 * SwiGLU product are recomputed, being cheap), plus the backward pass's own buffers. Keys and
 * values are not copied: they stay in the sequence's KV cache.
 *
 * <p>Memory per token and layer: {@code 2·hidden + 2·heads·headDim + 2·intermediate} floats
 * (layer input, residual after attention, rotated queries, attention output, gate before SwiGLU,
 * up); the ~1B shape (2048, 2048, 8192) keeps 96 KiB per token per layer, 1.5 MiB per token over
 * its 16 layers. Inference batches use {@link #NONE}, which keeps nothing.
 */
public class ActivationTape {
    /** Keeps nothing: the forward pass of inference. */
    public static final ActivationTape NONE = new ActivationTape();

    /** One layer's stored activations, each {@code rows × width}. */
    static final class Layer {
        final float[] input;     // x entering the layer, hidden
        final float[] residual;  // x after the attention block, hidden
        final float[] q;         // queries after RoPE, heads·headDim
        final float[] attended;  // attention output, heads·headDim
        final float[] gate;      // gate_proj output before SwiGLU, intermediate
        final float[] up;        // up_proj output, intermediate

        Layer(LlamaConfig c, int rows) {
            input = new float[rows * c.hiddenSize()];
            residual = new float[rows * c.hiddenSize()];
            q = new float[rows * c.queryDim()];
            attended = new float[rows * c.queryDim()];
            gate = new float[rows * c.intermediateSize()];
            up = new float[rows * c.intermediateSize()];
        }
    }

    private final Layer[] layers;
    final int capacity;
    // The backward pass's buffers, rows × width; d* are gradients of the loss.
    final float[] dx, dNormed, normed, dq, dKeys, dValues, dAttended, swiglu, dSwiglu, dGate, dUp, product;

    private ActivationTape() {
        layers = new Layer[0];
        capacity = 0;
        dx = dNormed = normed = dq = dKeys = dValues = dAttended = swiglu = dSwiglu = dGate = dUp = product = null;
    }

    /** A tape for one sequence of up to {@code capacity} tokens of {@code c}'s model. */
    public ActivationTape(LlamaConfig c, int capacity) {
        this.capacity = capacity;
        layers = new Layer[c.numLayers()];
        for (int l = 0; l < layers.length; l++) layers[l] = new Layer(c, capacity);
        int h = capacity * c.hiddenSize(), q = capacity * c.queryDim(), kv = capacity * c.kvDim(), f = capacity * c.intermediateSize();
        dx = new float[h];
        dNormed = new float[h];
        normed = new float[h];
        dq = new float[q];
        dKeys = new float[kv];
        dValues = new float[kv];
        dAttended = new float[q];
        swiglu = new float[f];
        dSwiglu = new float[f];
        dGate = new float[f];
        dUp = new float[f];
        product = new float[capacity * Math.max(Math.max(c.hiddenSize(), c.queryDim()), c.intermediateSize())];
    }

    /** Bytes a tape for {@code capacity} tokens holds (stored activations and backward buffers). */
    public static long bytes(LlamaConfig c, int capacity) {
        long perLayer = 2L * c.hiddenSize() + 2L * c.queryDim() + 2L * c.intermediateSize();
        long buffers = 3L * c.hiddenSize() + 2L * c.queryDim() + 2L * c.kvDim() + 4L * c.intermediateSize()
                + Math.max(Math.max(c.hiddenSize(), c.queryDim()), c.intermediateSize());
        return (long) capacity * (perLayer * c.numLayers() + buffers) * Float.BYTES;
    }

    Layer layer(int l) {
        return layers[l];
    }

    /** Step 2 is about to run on {@code b.x}: keep the layer's input. */
    void layerInput(int l, Batch b) {
        if (this == NONE) return;
        System.arraycopy(b.x, 0, layers[l].input, 0, b.rows() * b.config.hiddenSize());
    }

    /** SwiGLU is about to overwrite the gate: keep what the layer's backward needs. */
    void beforeSwiglu(int l, Batch b) {
        if (this == NONE) return;
        LlamaConfig c = b.config;
        int n = b.rows();
        Layer s = layers[l];
        System.arraycopy(b.x, 0, s.residual, 0, n * c.hiddenSize());
        System.arraycopy(b.q, 0, s.q, 0, n * c.queryDim());
        System.arraycopy(b.attended, 0, s.attended, 0, n * c.queryDim());
        System.arraycopy(b.gate, 0, s.gate, 0, n * c.intermediateSize());
        System.arraycopy(b.up, 0, s.up, 0, n * c.intermediateSize());
    }
}
