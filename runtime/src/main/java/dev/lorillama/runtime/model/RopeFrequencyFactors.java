package dev.lorillama.runtime.model;

/**
 * Per-frequency divisors of RoPE's inverse frequencies, as GGUF files carry them in the tensor
 * {@code rope_freqs.weight} (llama.cpp's converter writes Llama 3.1's scaling this way).
 */
public record RopeFrequencyFactors(float[] factors) implements RopeScaling {
    public RopeFrequencyFactors {
        factors = factors.clone();
    }

    @Override
    public double apply(int index, double invFreq) {
        return invFreq / factors[index];
    }
}
