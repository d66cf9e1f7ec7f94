package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * IEEE half-precision weights. The vector decode moves exponent and mantissa into float position
 * and rescales by 2^112 (which also handles subnormals); infinities and NaNs, which trained
 * weights do not hold, come out as large finite values there.
 */
public final class F16Matrix extends FloatStorageMatrix {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final float EXPONENT_REBIAS = 0x1p112f;

    public F16Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.F16, data, rows, cols);
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

    /**
     * Decodes {@code F.length()} consecutive elements starting at flat element index
     * {@code index}. Shifted up 13 bits, a half's exponent and mantissa sit where a float's do,
     * and its sign (widened by sign extension) lands on bit 31; the mask drops the sign copies
     * in between, and multiplying by 2^112 rebiases the exponent (subnormals included).
     */
    private FloatVector vector(long index) {
        return FloatVector.broadcast(F, EXPONENT_REBIAS).mul(floatBits(index).reinterpretShape(F, 0));
    }

    private IntVector floatBits(long index) {
        return halfBits(index).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000);
    }

    /** The halves at {@code index..}, sign-extended to ints. */
    private IntVector halfBits(long index) {
        return (IntVector) ShortVector.fromMemorySegment(HALF_WIDTH_SHORTS, data, index * 2, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.S2I, I, 0);
    }

    @Override
    protected float loadScalar(long index) {
        return Float.float16ToFloat(data.get(LE_SHORT, index * 2));
    }
}
