package dev.lorillama.lori;

import dev.lorillama.runtime.tensor.DType;
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

    /**
     * The precision when none is asked for. BF16: LoRI trains its adapters in bf16 mixed precision,
     * and on the 1B shape (Q8_0, LoRI-S and LoRI-D r=64) it moved logits by at most 2e-3 and 6e-3
     * against F32 while halving the adapters' bytes and their decode cost; F16 is 7× closer to
     * F32 but its decode is slower here. Measurements: docs/BENCHMARKS.md, "LoRI adapters unmerged".
     */
    public static final AdapterPrecision DEFAULT = BF16;

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
     * {@code m}'s values held in this precision, off the heap and freed with the matrix: A's rows
     * are long (the model's width), so they run through the weights' own F32/BF16/F16 kernels,
     * which keep several sums in flight (a plain dot product per row, as the heap F32 matrices
     * have, ran A·x at about 8 GB/s against 20+).
     */
    WeightMatrix store(String name, WeightMatrix m) {
        return HeapMatrices.build(name, dtype, m.rows(), m.cols(), Arena.ofAuto(), (r, dst) -> m.readRow(r, dst, 0));
    }
}
