package dev.lorillama.gpu;

import dev.lorillama.runtime.backend.DeviceSequence;
import dev.lorillama.runtime.model.LinearProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One sequence on the device: which KV cache it holds (if it still does), and the tokens in it
 * with the projections each stretch was run with, so that a cache lent to another sequence can
 * be recomputed exactly.
 */
final class TornadoSequence implements DeviceSequence {
    /** Tokens from {@code from} on were run with {@code linears}. */
    record Stretch(int from, LinearProvider linears) {}

    private final TornadoModel model;
    int slot = -1;
    int[] history = new int[64];
    final List<Stretch> stretches = new ArrayList<>();

    TornadoSequence(TornadoModel model) {
        this.model = model;
    }

    @Override
    public void forward(int[] tokens, int offset, int n, int position, LinearProvider linears, boolean allLogits, float[] logits) {
        model.forward(this, tokens, offset, n, position, linears, allLogits, logits);
    }

    /** Keeps what the cache now holds: positions before {@code position}, then these tokens. */
    void record(int[] tokens, int offset, int n, int position, LinearProvider linears) {
        while (!stretches.isEmpty() && stretches.getLast().from() >= position) stretches.removeLast();
        if (stretches.isEmpty() || stretches.getLast().linears() != linears) stretches.add(new Stretch(position, linears));
        if (position + n > history.length) history = Arrays.copyOf(history, Math.max(2 * history.length, position + n));
        System.arraycopy(tokens, offset, history, position, n);
    }
}
