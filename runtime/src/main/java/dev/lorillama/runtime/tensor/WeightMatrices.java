package dev.lorillama.runtime.tensor;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.TensorData;
import java.lang.foreign.MemorySegment;

/** Wraps a stored 2-D tensor in the {@link WeightMatrix} of its format. */
public final class WeightMatrices {
    private WeightMatrices() {}

    public static WeightMatrix of(TensorData t) {
        if (t.rank() != 2) {
            throw new UserInputException(t.describe() + ": expected a 2-D weight matrix, found shape " + t.shapeString());
        }
        if (t.shape()[0] > Integer.MAX_VALUE || t.shape()[1] > Integer.MAX_VALUE) {
            throw new UserInputException(t.describe() + ": shape " + t.shapeString() + " is too large");
        }
        if (t.dtype() == DType.BOOL) throw new UserInputException(t.describe() + ": a BOOL tensor is a mask, not a weight matrix");
        return of(t.name(), t.dtype(), t.bytes(), (int) t.shape()[0], (int) t.shape()[1]);
    }

    /** The matrix of {@code dtype} over {@code bytes} (rows × cols in that type's layout). */
    public static WeightMatrix of(String name, DType dtype, MemorySegment bytes, int rows, int cols) {
        return switch (dtype) {
            case F32 -> new F32Matrix(name, bytes, rows, cols);
            case BF16 -> new BF16Matrix(name, bytes, rows, cols);
            case F16 -> new F16Matrix(name, bytes, rows, cols);
            case BOOL -> throw new IllegalArgumentException(name + ": BOOL is not a weight type");
            case Q8_0 -> new Q8_0Matrix(name, bytes, rows, cols);
            case Q4_0 -> new Q4_0Matrix(name, bytes, rows, cols);
            case Q4_1 -> new Q4_1Matrix(name, bytes, rows, cols);
            case Q5_0 -> new Q5_0Matrix(name, bytes, rows, cols);
            case Q5_1 -> new Q5_1Matrix(name, bytes, rows, cols);
            case Q2_K -> new Q2KMatrix(name, bytes, rows, cols);
            case Q3_K -> new Q3KMatrix(name, bytes, rows, cols);
            case Q4_K -> new Q4KMatrix(name, bytes, rows, cols);
            case Q5_K -> new Q5KMatrix(name, bytes, rows, cols);
            case Q6_K -> new Q6KMatrix(name, bytes, rows, cols);
            case IQ4_NL -> new IQ4_NLMatrix(name, bytes, rows, cols);
            case IQ4_XS -> new IQ4_XSMatrix(name, bytes, rows, cols);
        };
    }

    /** Decodes a 1-D tensor (norm weights) into a float array; these are tiny. */
    public static float[] vector(TensorData t, int expectedLength) {
        if (t.rank() != 1 || t.shape()[0] != expectedLength) {
            throw new UserInputException(t.describe() + ": expected shape [" + expectedLength + "], found " + t.shapeString());
        }
        WeightMatrix asRow = of(new TensorData(t.name(), t.dtype(), new long[] {1, expectedLength}, t.bytes(), t.file(), t.fileOffset()));
        float[] v = new float[expectedLength];
        asRow.readRow(0, v, 0);
        return v;
    }
}
