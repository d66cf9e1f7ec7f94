package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** 32-bit float weights, read straight from the mapping. */
public final class F32Matrix extends FloatStorageMatrix {
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public F32Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.F32, data, rows, cols);
    }

    @Override
    protected float dotVectors(long index, float[] x, int xo, int length) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0, l = F.length();
        for (; c + 2 * l <= length; c += 2 * l) {
            FloatVector n0 = FloatVector.fromArray(F, x, xo + c).fma(vector(index + c), a2);
            FloatVector n1 = FloatVector.fromArray(F, x, xo + c + l).fma(vector(index + c + l), a3);
            a2 = a0;
            a3 = a1;
            a0 = n0;
            a1 = n1;
        }
        if (c < length) a0 = FloatVector.fromArray(F, x, xo + c).fma(vector(index + c), a0);
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void dotFourRows(long index, float[] x, int xo, int length, float[] y, int yo) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long i1 = index + cols, i2 = i1 + cols, i3 = i2 + cols;
        for (int c = 0; c < length; c += F.length()) {
            FloatVector xc = FloatVector.fromArray(F, x, xo + c);
            a0 = xc.fma(vector(index + c), a0);
            a1 = xc.fma(vector(i1 + c), a1);
            a2 = xc.fma(vector(i2 + c), a2);
            a3 = xc.fma(vector(i3 + c), a3);
        }
        y[yo] = a0.reduceLanes(VectorOperators.ADD);
        y[yo + 1] = a1.reduceLanes(VectorOperators.ADD);
        y[yo + 2] = a2.reduceLanes(VectorOperators.ADD);
        y[yo + 3] = a3.reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeVectors(long index, float[] dst, int at, int length) {
        for (int c = 0; c < length; c += F.length()) vector(index + c).intoArray(dst, at + c);
    }

    /** Decodes {@code F.length()} consecutive elements starting at flat element index {@code index}. */
    private FloatVector vector(long index) {
        return FloatVector.fromMemorySegment(F, data, index * Float.BYTES, ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    protected float loadScalar(long index) {
        return data.get(LE_FLOAT, index * Float.BYTES);
    }
}
