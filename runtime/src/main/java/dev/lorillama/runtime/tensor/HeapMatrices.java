package dev.lorillama.runtime.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Weight matrices computed at run time (merged or combined weights), stored off the Java heap. */
public final class HeapMatrices {
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private HeapMatrices() {}

    /** Fills a new matrix of {@code dtype} row by row; rows are given as floats and rounded to the type. */
    public interface RowSource {
        void row(int r, float[] dst);
    }

    public static WeightMatrix build(String name, DType dtype, int rows, int cols, Arena arena, RowSource source) {
        MemorySegment data = arena.allocate((long) rows * cols * dtype.bytesPerElement(), 64);
        java.util.stream.IntStream.range(0, rows).parallel().forEach(r -> {
            float[] row = new float[cols];
            source.row(r, row);
            long base = (long) r * cols;
            for (int c = 0; c < cols; c++) store(data, dtype, base + c, row[c]);
        });
        return switch (dtype) {
            case F32 -> new F32Matrix(name, data, rows, cols);
            case BF16 -> new BF16Matrix(name, data, rows, cols);
            case F16 -> new F16Matrix(name, data, rows, cols);
            case BOOL -> throw new IllegalArgumentException("BOOL is not a weight type");
        };
    }

    /** Writes one element of {@code dtype} at flat index {@code i}, rounding to nearest even. */
    public static void store(MemorySegment data, DType dtype, long i, float v) {
        switch (dtype) {
            case F32 -> data.set(LE_FLOAT, i * 4, v);
            case F16 -> data.set(LE_SHORT, i * 2, Float.floatToFloat16(v));
            case BF16 -> data.set(LE_SHORT, i * 2, toBf16(v));
            case BOOL -> data.set(ValueLayout.JAVA_BYTE, i, (byte) (v != 0f ? 1 : 0));
        }
    }

    /** float → bfloat16 with round-to-nearest-even (as torch's .to(torch.bfloat16)). */
    public static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
