package dev.lorillama.lori;

import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.tensor.TensorEncoder;
import java.util.Locale;
import java.util.Optional;

/**
 * The type merged weights {@code W + Σ s·B·A} are stored in. Float bases (F32, F16, BF16) always
 * keep their own type; the choice is for quantized bases.
 */
public enum MergePrecision {
    /**
     * The base's own type: the merged rows are quantized again, as llama.cpp's export-lora does,
     * so decoding reads the same bytes as the base. A type without an encoder here is stored as
     * the nearest one that has one ({@link #storedType}).
     */
    BASE,
    /** BF16: the merge rounded once to 8 bits of mantissa, at 2 bytes a weight. */
    BF16;

    public static MergePrecision parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("merge precision \"" + text + "\" is not supported (base or bf16)");
        }
    }

    /** The type a merged projection whose base is {@code base} is stored in. */
    public DType storedType(DType base) {
        if (!base.isBlockQuantized()) return base;
        if (this == BF16) return DType.BF16;
        return TensorEncoder.canEncode(base) ? base : nearestEncodable(base);
    }

    /** Why a merged projection is not stored in its base's type under this precision, if it is not. */
    public Optional<String> substitution(DType base) {
        DType stored = storedType(base);
        if (stored == base || this == BF16) return Optional.empty();
        return Optional.of("merged " + base + " projections are stored as " + stored + " (" + base
                + " has no encoder here; " + stored + " is the nearest type that does, at "
                + bitsPerWeight(stored) + " bits a weight against " + bitsPerWeight(base) + ")");
    }

    /**
     * The types quantized without an encoder here, mapped to one that has one with at least
     * their precision: the K-quants below Q4_K and IQ4_XS (256-blocks) to Q4_K, IQ4_NL (32-blocks,
     * 18 bytes) to Q4_0 (the same block size and bytes).
     */
    private static DType nearestEncodable(DType base) {
        return switch (base) {
            case Q2_K, Q3_K, IQ4_XS -> DType.Q4_K;
            case IQ4_NL -> DType.Q4_0;
            default -> DType.BF16;
        };
    }

    private static String bitsPerWeight(DType type) {
        return String.format(Locale.ROOT, "%.3g", 8.0 * type.blockBytes() / type.blockElements());
    }

    /** As the CLI writes it. */
    public String flagValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
