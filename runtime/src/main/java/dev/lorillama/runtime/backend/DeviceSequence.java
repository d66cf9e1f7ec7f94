package dev.lorillama.runtime.backend;

import dev.lorillama.runtime.model.LinearProvider;

/**
 * One sequence's KV cache on a device. A device keeps a fixed number of caches; when more
 * sequences are alive than that, the least recently used one lends its cache and recomputes it
 * from its tokens when it runs again (so any number of sequences give exact results).
 */
public interface DeviceSequence {
    /**
     * Runs {@code n} tokens {@code tokens[offset..]} at positions {@code position ..} (the cache
     * already holds positions {@code 0 .. position-1} of this sequence) with the projections of
     * {@code linears}, and writes into {@code logits} the logits of the last token, or with
     * {@code allLogits} of every token (n × vocab).
     */
    void forward(int[] tokens, int offset, int n, int position, LinearProvider linears, boolean allLogits, float[] logits);
}
