package dev.lorillama.runtime.format.gguf;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.tensor.DType;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The file types {@code convert --type} writes, with llama.cpp's {@code general.file_type}
 * numbers. A plain type stores every matrix in it (rows that are not whole blocks in F16). The
 * K-quant mixes choose a type per tensor as llama-quantize does ({@code llama_tensor_get_type}
 * in llama-quant.cpp, Feb 2025, Llama without experts, no importance matrix): the LM head in
 * Q6_K; in Q4_K_M and Q5_K_M the value and down projections of the layers
 * {@link #useMoreBits} picks in Q6_K; rows that are not whole 256-blocks in llama-quantize's
 * fallback (Q4_K → Q5_0, Q5_K → Q5_1, Q6_K → Q8_0, then F16).
 */
public enum GgufFileType {
    F32(0, DType.F32), F16(1, DType.F16), BF16(32, DType.BF16), Q8_0(7, DType.Q8_0), Q4_0(2, DType.Q4_0),
    Q4_K_M(15, DType.Q4_K), Q5_K_M(17, DType.Q5_K), Q6_K(18, DType.Q6_K);

    private final int number;
    private final DType base;

    GgufFileType(int number, DType base) {
        this.number = number;
        this.base = base;
    }

    /** {@code general.file_type}. */
    public int number() {
        return number;
    }

    /** The type most matrices get. */
    public DType base() {
        return base;
    }

    /** The type of matrix {@code name} ({@code blk.N.attn_v.weight}, {@code output.weight}, ...) of layer {@code layer} of {@code layers}. */
    public DType tensorType(String name, int layer, int layers, int cols) {
        if (base.blockElements() != 256) return cols % base.blockElements() == 0 ? base : DType.F16;
        DType type = base;
        if (name.equals("output.weight")) {
            type = cols % 256 == 0 ? DType.Q6_K : DType.Q8_0;
        } else if ((name.endsWith(".attn_v.weight") || name.endsWith(".ffn_down.weight"))
                && (this == Q4_K_M || this == Q5_K_M) && useMoreBits(layer, layers)) {
            type = DType.Q6_K;
        }
        if (cols % type.blockElements() == 0) return type;
        DType fallback = switch (type) {
            case Q4_K -> DType.Q5_0;
            case Q5_K -> DType.Q5_1;
            case Q6_K -> DType.Q8_0;
            default -> type;
        };
        return cols % fallback.blockElements() == 0 ? fallback : DType.F16;
    }

    /** llama.cpp's choice of layers for more bits: the first and last eighth, and every third in between. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    /** By the name users type: f32, f16, bf16, q8_0, q4_0, q4_k_m, q5_k_m, q6_k (any case). */
    public static GgufFileType parse(String name) {
        for (GgufFileType t : values()) {
            if (t.name().equalsIgnoreCase(name)) return t;
        }
        throw new UserInputException("--type: \"" + name + "\" is not one of " + names());
    }

    public static String names() {
        return Arrays.stream(values()).map(t -> t.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
    }
}
