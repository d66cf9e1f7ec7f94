package dev.lorillama.gpu;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.backend.DeviceModel;
import dev.lorillama.runtime.backend.DeviceSequence;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaModel;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * A Llama resident on a TornadoVM device: the {@link ForwardGraph}, a fixed number of KV caches
 * lent to sequences (least recently used first), and the adapter coefficients of each mix seen.
 * One pass runs at a time; sessions on several threads take turns, as on the CPU.
 */
final class TornadoModel implements DeviceModel {
    private final LlamaModel model;
    private final LinearProvider weights;
    private final ResidentAdapters adapters;
    private final ForwardGraph graph;
    private final String description;
    private final TornadoSequence[] holders;
    private final long[] lastUse;
    private final Map<LinearProvider, float[]> mixes = new WeakHashMap<>();
    private long clock;

    TornadoModel(LlamaModel model, LinearProvider weights, ResidentAdapters adapters, ForwardGraph graph, int sequences,
                 String description) {
        this.model = model;
        this.weights = weights;
        this.adapters = adapters;
        this.graph = graph;
        this.description = description;
        this.holders = new TornadoSequence[sequences];
        this.lastUse = new long[sequences];
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public DeviceSequence newSequence(int contextLength, int batch) {
        if (contextLength > graph.contextLength()) {
            throw new UserInputException("context length " + contextLength + " is more than the GPU's KV caches hold ("
                    + graph.contextLength() + ", the context length given when the model was loaded)");
        }
        if (batch > graph.batch()) throw new IllegalArgumentException("batch " + batch + " > the device's " + graph.batch());
        return new TornadoSequence(this);
    }

    synchronized void forward(TornadoSequence s, int[] tokens, int offset, int n, int position, LinearProvider linears,
                              boolean allLogits, float[] logits) {
        float[] mix = mixFor(linears);
        if (s.slot < 0 || holders[s.slot] != s) claimCache(s, position);
        lastUse[s.slot] = ++clock;
        graph.run(tokens, offset, n, position, s.slot, mix, allLogits, logits);
        s.record(tokens, offset, n, position, linears);
    }

    private float[] mixFor(LinearProvider linears) {
        float[] mix = mixes.get(linears);
        if (mix == null) {
            mix = adapters.coefficients(linears, weights, model);
            mixes.put(linears, mix);
        }
        return mix;
    }

    /** Takes a free KV cache or the least recently used one, and recomputes this sequence's positions before {@code position}. */
    private void claimCache(TornadoSequence s, int position) {
        int slot = 0;
        for (int i = 0; i < holders.length; i++) {
            if (holders[i] == null) {
                slot = i;
                break;
            }
            if (lastUse[i] < lastUse[slot]) slot = i;
        }
        holders[slot] = s;
        s.slot = slot;
        float[] discarded = new float[model.config().vocabSize()];
        for (int i = 0; i < s.stretches.size(); i++) {
            int from = s.stretches.get(i).from();
            int to = i + 1 < s.stretches.size() ? s.stretches.get(i + 1).from() : position;
            float[] mix = mixFor(s.stretches.get(i).linears());
            for (int at = from; at < to; at += graph.batch()) {
                graph.run(s.history, at, Math.min(graph.batch(), to - at), at, slot, mix, false, discarded);
            }
        }
    }

    @Override
    public synchronized void close() {
        graph.close();
    }
}
