package dev.lorillama.runtime.format.gguf;

/** Types of GGUF metadata values, by their id in the file, with their size (0 = variable). */
public enum GgufValueType {
    UINT8(1), INT8(1), UINT16(2), INT16(2), UINT32(4), INT32(4), FLOAT32(4), BOOL(1), STRING(0), ARRAY(0),
    UINT64(8), INT64(8), FLOAT64(8);

    private final int size;

    GgufValueType(int size) {
        this.size = size;
    }

    /** Bytes of one value; strings and arrays are prefixed with their length and vary. */
    public int size() {
        return size;
    }

    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    public static GgufValueType byId(long id) {
        return id >= 0 && id < values().length ? values()[(int) id] : null;
    }
}
