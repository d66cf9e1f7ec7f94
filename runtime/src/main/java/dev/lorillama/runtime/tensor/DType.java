package dev.lorillama.runtime.tensor;

import dev.lorillama.runtime.UserInputException;

/**
 * Element types of stored weights. Float types store one element at a time; the ggml block types
 * store {@code blockElements} values in {@code blockBytes} (scales and packed integers). Each
 * type carries its ggml type id, as GGUF files name it.
 */
public enum DType {
    F32(0, 1, 4), F16(1, 1, 2), BF16(30, 1, 2),
    /** 32 values: f16 scale d, 32 × int8 q; value = d·q. */
    Q8_0(8, 32, 34),
    /** 32 values: f16 scale d, 16 bytes of nibbles (low nibbles = values 0..15, high = 16..31); value = d·(q−8). */
    Q4_0(2, 32, 18),
    /** 32 values: f16 d, f16 m, 16 bytes of nibbles as Q4_0; value = d·q + m. */
    Q4_1(3, 32, 20),
    /** 32 values: f16 d, 32 fifth bits, 16 bytes of nibbles; value = d·(q−16). */
    Q5_0(6, 32, 22),
    /** 32 values: f16 d, f16 m, 32 fifth bits, 16 bytes of nibbles; value = d·q + m. */
    Q5_1(7, 32, 24),
    /** 256 values: 16 bytes of 4-bit scales/mins, 64 bytes of 2-bit quants, f16 d, f16 dmin. */
    Q2_K(10, 256, 84),
    /** 256 values: 32 bytes of third bits, 64 bytes of 2-bit quants, 12 bytes of 6-bit scales, f16 d. */
    Q3_K(11, 256, 110),
    /** 256 values: f16 d, f16 dmin, 12 bytes of 6-bit scales/mins for 8 sub-blocks, 128 bytes of nibbles. */
    Q4_K(12, 256, 144),
    /** 256 values: f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 32 bytes of fifth bits, 128 bytes of nibbles. */
    Q5_K(13, 256, 176),
    /** 256 values: 128 bytes low nibbles, 64 bytes high 2-bit pairs, 16 int8 scales, f16 d. */
    Q6_K(14, 256, 210),
    /** 32 values: f16 d, 16 bytes of nibbles indexing 16 non-linear levels; value = d·level[q]. */
    IQ4_NL(20, 32, 18),
    /** 256 values: f16 d, 8 six-bit sub-block scales (2 + 4 bytes), 128 bytes of IQ4_NL nibbles. */
    IQ4_XS(23, 256, 136),
    /** One byte, 0 or 1: LoRI masks (safetensors only; no ggml id). */
    BOOL(-1, 1, 1);

    private final int ggmlType;
    private final int blockElements;
    private final int blockBytes;

    DType(int ggmlType, int blockElements, int blockBytes) {
        this.ggmlType = ggmlType;
        this.blockElements = blockElements;
        this.blockBytes = blockBytes;
    }

    /** Bytes of one element; only for the float types, which store elements one by one. */
    public int bytesPerElement() {
        if (blockElements != 1) throw new IllegalStateException(this + " is a block type");
        return blockBytes;
    }

    public int blockElements() {
        return blockElements;
    }

    public int blockBytes() {
        return blockBytes;
    }

    public boolean isBlockQuantized() {
        return blockElements > 1;
    }

    public int ggmlType() {
        return ggmlType;
    }

    /** Bytes that {@code elements} values take; {@code elements} must be a whole number of blocks. */
    public long byteSize(long elements) {
        if (elements % blockElements != 0) {
            throw new IllegalArgumentException(elements + " elements are not whole " + this + " blocks of " + blockElements);
        }
        return Math.multiplyExact(elements / blockElements, (long) blockBytes);
    }

    /** The type with ggml id {@code id}; {@code where} names the file and tensor for the error. */
    public static DType fromGgml(long id, String where) {
        for (DType t : values()) if (t.ggmlType == id) return t;
        StringBuilder supported = new StringBuilder();
        for (DType t : values()) if (t.ggmlType >= 0) supported.append(supported.isEmpty() ? "" : ", ").append(t);
        throw new UserInputException(where + ": unsupported tensor type " + ggmlTypeName(id) + " (ggml type " + id
                + "; supported: " + supported + ")");
    }

    private static String ggmlTypeName(long id) {
        String[] names = {"F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K", "Q3_K",
                "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S",
                "IQ4_XS", "I8", "I16", "I32", "I64", "F64", "IQ1_M", "BF16", "Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8", "TQ1_0",
                "TQ2_0", "IQ4_NL_4_4", "IQ4_NL_4_8", "IQ4_NL_8_8"};
        return id >= 0 && id < names.length ? names[(int) id] : "unknown";
    }

    /** The dtype string in safetensors headers. */
    public String safetensorsName() {
        return name();
    }

    /** Parses a safetensors dtype string; {@code where} names the file and tensor for the error. */
    public static DType fromSafetensors(String name, String where) {
        return switch (name) {
            case "F32" -> F32;
            case "F16" -> F16;
            case "BF16" -> BF16;
            case "BOOL" -> BOOL;
            default -> throw new UserInputException(where + ": unsupported dtype \"" + name
                    + "\" (supported: F32, F16, BF16, BOOL)");
        };
    }
}
