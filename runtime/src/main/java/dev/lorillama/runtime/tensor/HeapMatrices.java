package dev.lorillama.runtime.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Weight matrices computed at run time (merged or combined weights), stored off the Java heap in a float type. */
public final class HeapMatrices {

    private HeapMatrices() {}

    /** Fills a new matrix of {@code dtype} row by row; rows are given as floats and rounded to the type. */
    public static WeightMatrix build(String name, DType dtype, int rows, int cols, Arena arena, RowSource source) {
        MemorySegment data = arena.allocate(dtype.byteSize((long) rows * cols), 64);
        long rowBytes = dtype.byteSize(cols);
        java.util.stream.IntStream.range(0, rows).parallel().forEach(r -> {
            float[] row = new float[cols];
            byte[] encoded = new byte[(int) rowBytes];
            source.row(r, row);
            TensorEncoder.encode(dtype, row, 0, cols, encoded, 0);
            MemorySegment.copy(encoded, 0, data, ValueLayout.JAVA_BYTE, r * rowBytes, encoded.length);
        });
        return switch (dtype) {
            case F32 -> new F32Matrix(name, data, rows, cols);
            case BF16 -> new BF16Matrix(name, data, rows, cols);
            case F16 -> new F16Matrix(name, data, rows, cols);
            default -> throw new IllegalArgumentException(dtype + " is not a float type");
        };
    }
}
