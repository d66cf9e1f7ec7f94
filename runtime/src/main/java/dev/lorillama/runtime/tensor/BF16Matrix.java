package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/** bfloat16 weights: the upper 16 bits of a float32, so decoding is a shift. */
public final class BF16Matrix extends FloatStorageMatrix {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public BF16Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.BF16, data, rows, cols);
    }

    public static float decode(short bits) {
        return Float.intBitsToFloat(bits << 16);
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
        // Added to zero so that the result is known to be of F's exact class (see dotVectors in the base).
        return FloatVector.zero(F).add(floatBits(index).reinterpretShape(F, 0));
    }

    /** The 16-bit patterns moved to the top half of 32 bits: the float they are the upper half of. */
    private IntVector floatBits(long index) {
        return ((IntVector) shorts(index).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16);
    }

    private ShortVector shorts(long index) {
        return ShortVector.fromMemorySegment(HALF_WIDTH_SHORTS, data, index * 2, ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    protected float loadScalar(long index) {
        return decode(data.get(LE_SHORT, index * 2));
    }
}
