package dev.lorillama.runtime.tensor;

import dev.lorillama.runtime.UserInputException;

/** Element types of stored weights, with their names in safetensors headers. */
public enum DType {
    F32(4), F16(2), BF16(2),
    /** One byte, 0 or 1: LoRI masks. */
    BOOL(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytesPerElement() {
        return bytes;
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
