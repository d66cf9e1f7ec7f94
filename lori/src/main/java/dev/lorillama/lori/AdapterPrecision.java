package dev.lorillama.lori;

import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.tensor.FloatArrayMatrix;
import dev.lorillama.runtime.tensor.HeapMatrices;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.util.Locale;

/**
 * The precision an adapter's A and B are held in, and so streamed in at every token when applied
 * unmerged. PEFT files store them as F32; BF16 and F16 halve the bytes per token (the frozen A is
 * most of a LoRI-S adapter's bytes) at the cost of rounding each factor once at load.
 */
public enum AdapterPrecision {
    F32(DType.F32),
    /** bfloat16: F32's range, 8 significant bits. */
    BF16(DType.BF16),
    /** IEEE half: 11 significant bits; entries below 6e-5 lose bits, above 65504 do not fit (trained factors are far inside). */
    F16(DType.F16);

    /** The precision when none is asked for: see docs/BENCHMARKS.md ("LoRI adapters unmerged") for the measurements behind it. */
    public static final AdapterPrecision DEFAULT = F32;

    private final DType dtype;

    AdapterPrecision(DType dtype) {
        this.dtype = dtype;
    }

    public DType dtype() {
        return dtype;
    }

    /** The name on the command line: f32, bf16, f16. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static AdapterPrecision parse(String text) {
        for (AdapterPrecision p : values()) if (p.label().equals(text.trim().toLowerCase(Locale.ROOT))) return p;
        throw new IllegalArgumentException("adapter precision \"" + text + "\" is not supported (f32, bf16 or f16)");
    }

    /**
     * {@code m}'s values held in this precision: F32 as heap floats, BF16/F16 off the heap, freed
     * with the matrix (they run through the base's own BF16/F16 kernels).
     */
    WeightMatrix store(String name, WeightMatrix m) {
        if (this == F32) return m instanceof FloatArrayMatrix f ? f : FloatArrayMatrix.copyOf(m);
        return HeapMatrices.build(name, dtype, m.rows(), m.cols(), Arena.ofAuto(), (r, dst) -> m.readRow(r, dst, 0));
    }
}
