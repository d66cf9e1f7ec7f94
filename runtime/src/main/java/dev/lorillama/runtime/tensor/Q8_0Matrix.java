package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** ggml Q8_0: blocks of 32 values = f16 scale d (2 bytes) + 32 signed bytes q; value = d·q. */
public final class Q8_0Matrix extends BlockQuantizedMatrix {
    private static final int BLOCK = 32;
    private static final int BYTES = 34;

    public Q8_0Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q8_0, data, rows, cols);
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        return f16(offset) * data.get(ValueLayout.JAVA_BYTE, offset + 2 + i);
    }

    /** Values {@code first .. first+L} of the block at {@code offset}: the signed bytes as floats. */
    private FloatVector q(long offset, int first) {
        return (FloatVector) ByteVector.fromMemorySegment(B, data, offset + 2 + first, LE).convertShape(VectorOperators.B2F, F, 0);
    }

    /**
     * Each block's products are summed (the first a multiply: an FMA onto zero is not folded
     * and cost 20%), then scaled once by d into one of two accumulators that
     * take turns, so a block's FMA does not wait for the previous block's (4 cycles): one chain
     * capped a thread at about 13 GB/s, two at ~25.
     */
    @Override
    protected float dotRow(long offset, float[] x, int xo) {
        FloatVector recent = FloatVector.zero(F), older = recent;
        for (int b = 0; b < blocks; b++, offset += BYTES, xo += BLOCK) {
            FloatVector sum = q(offset, 0).mul(FloatVector.fromArray(F, x, xo));
            for (int p = F.length(); p < BLOCK; p += F.length()) sum = q(offset, p).fma(FloatVector.fromArray(F, x, xo + p), sum);
            FloatVector next = sum.fma(broadcastF16(offset), older);
            older = recent;
            recent = next;
        }
        return recent.add(older).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeRow(long offset, float[] dst, int at) {
        for (int b = 0; b < blocks; b++, offset += BYTES, at += BLOCK) {
            float d = f16(offset);
            for (int p = 0; p < BLOCK; p += F.length()) q(offset, p).mul(d).intoArray(dst, at + p);
        }
    }
}
