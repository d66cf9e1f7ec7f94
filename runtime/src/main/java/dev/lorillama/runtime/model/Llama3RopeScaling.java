package dev.lorillama.runtime.model;

/**
 * Llama 3.1's "llama3" RoPE scaling as Hugging Face configs state it: low frequencies are divided
 * by {@code factor}, high frequencies kept, and the band between blended smoothly
 * (HF {@code _compute_llama3_parameters}).
 */
public record Llama3RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions)
        implements RopeScaling {

    @Override
    public double apply(int index, double invFreq) {
        return invFreq / divisor(invFreq);
    }

    /**
     * What {@code invFreq} is divided by: 1 for short wavelengths, {@code factor} for long ones, a
     * blend between. GGUF files store these divisors per frequency as the tensor rope_freqs.weight.
     */
    public double divisor(double invFreq) {
        double lowFreqWavelen = originalMaxPositions / lowFreqFactor;
        double highFreqWavelen = originalMaxPositions / highFreqFactor;
        double wavelen = 2 * Math.PI / invFreq;
        if (wavelen < highFreqWavelen) return 1;
        if (wavelen > lowFreqWavelen) return factor;
        double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        return 1 / ((1 - smooth) / factor + smooth);
    }
}
