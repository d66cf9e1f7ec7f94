package dev.lorillama.runtime.tensor;

import dev.lorillama.runtime.format.AnonymousMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Weight matrices computed at run time (merged or combined weights), stored off the Java heap in any type {@link TensorEncoder} writes. */
public final class HeapMatrices {

    private HeapMatrices() {}

    /**
     * Fills a new matrix of {@code dtype} row by row; rows are given as floats and rounded or
     * quantized to the type ({@code cols} a whole number of its blocks).
     */
    public static WeightMatrix build(String name, DType dtype, int rows, int cols, Arena arena, RowSource source) {
        if (!TensorEncoder.canEncode(dtype)) throw new IllegalArgumentException("cannot write " + dtype + " weights");
        if (cols % dtype.blockElements() != 0) {
            throw new IllegalArgumentException(name + ": rows of " + cols + " are not whole " + dtype + " blocks of " + dtype.blockElements());
        }
        // in huge pages where the kernel gives them, like weights read with --no-mmap: decoding streams them every token
        MemorySegment data = AnonymousMemory.allocate(dtype.byteSize((long) rows * cols), arena);
        long rowBytes = dtype.byteSize(cols);
        java.util.stream.IntStream.range(0, rows).parallel().forEach(r -> {
            float[] row = new float[cols];
            byte[] encoded = new byte[(int) rowBytes];
            source.row(r, row);
            TensorEncoder.encode(dtype, row, 0, cols, encoded, 0);
            MemorySegment.copy(encoded, 0, data, ValueLayout.JAVA_BYTE, r * rowBytes, encoded.length);
        });
        return WeightMatrices.of(name, dtype, data, rows, cols);
    }
}
