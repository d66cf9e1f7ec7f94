package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;

/** 32-bit float weights, read straight from the mapping. */
public final class F32Matrix extends FloatStorageMatrix {
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public F32Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.F32, data, rows, cols);
    }

    @Override
    protected FloatVector loadVector(long index) {
        return FloatVector.fromMemorySegment(F, data, index * Float.BYTES, ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    protected float loadScalar(long index) {
        return data.get(LE_FLOAT, index * Float.BYTES);
    }
}
