package dev.lorillama.runtime.tensor;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.TensorData;

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
        int rows = (int) t.shape()[0];
        int cols = (int) t.shape()[1];
        return switch (t.dtype()) {
            case F32 -> new F32Matrix(t.name(), t.bytes(), rows, cols);
            case BF16 -> new BF16Matrix(t.name(), t.bytes(), rows, cols);
            case F16 -> new F16Matrix(t.name(), t.bytes(), rows, cols);
            case BOOL -> throw new UserInputException(t.describe() + ": a BOOL tensor is a mask, not a weight matrix");
            case Q8_0 -> new Q8_0Matrix(t.name(), t.bytes(), rows, cols);
            case Q4_0 -> new Q4_0Matrix(t.name(), t.bytes(), rows, cols);
            case Q4_1 -> new Q4_1Matrix(t.name(), t.bytes(), rows, cols);
            case Q5_0 -> new Q5_0Matrix(t.name(), t.bytes(), rows, cols);
            case Q5_1 -> new Q5_1Matrix(t.name(), t.bytes(), rows, cols);
            case Q2_K -> new Q2KMatrix(t.name(), t.bytes(), rows, cols);
            case Q3_K -> new Q3KMatrix(t.name(), t.bytes(), rows, cols);
            case Q4_K -> new Q4KMatrix(t.name(), t.bytes(), rows, cols);
            case Q5_K -> new Q5KMatrix(t.name(), t.bytes(), rows, cols);
            case Q6_K -> new Q6KMatrix(t.name(), t.bytes(), rows, cols);
            case IQ4_NL -> new IQ4_NLMatrix(t.name(), t.bytes(), rows, cols);
            case IQ4_XS -> new IQ4_XSMatrix(t.name(), t.bytes(), rows, cols);
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
