package dev.lorillama.runtime.format;

import dev.lorillama.runtime.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One tensor as it lies in a file: its name, element type, shape, and the memory-mapped bytes
 * (a slice of the file mapping, never a heap copy).
 *
 * @param fileOffset where {@code bytes} start in {@code file} (−1 when not known): a device backend
 *                   maps each tensor on its own from there
 */
public record TensorData(String name, DType dtype, long[] shape, MemorySegment bytes, Path file, long fileOffset) {

    public TensorData(String name, DType dtype, long[] shape, MemorySegment bytes, Path file) {
        this(name, dtype, shape, bytes, file, -1);
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public int rank() {
        return shape.length;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    /** Where this tensor came from, for error messages. */
    public String describe() {
        return file.getFileName() + ":" + name;
    }
}
