package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** ggml Q8_0: blocks of 32 values = f16 scale d (2 bytes) + 32 signed bytes q; value = d·q. */
public final class Q8_0Matrix extends Block32Matrix {
    private static final int BYTES = 34;

    public Q8_0Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q8_0, data, rows, cols, 1);
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
     * Two blocks per step into two accumulators, so a block's FMA does not wait for the previous
     * block's. Each block's products are summed (FMAs onto zero) and scaled once by its d
     * (read as a float, see {@link Block32Matrix}); the order is {@link Block32Matrix}'s. Float
     * activations: on this Intel machine the bf16 activations of long rows (half the bytes)
     * cost more in widening than they saved (Q8_0 12.5 against 15.5 GB/s on one thread).
     */
    @Override
    protected float dotRow(long offset, float[] x, int xo) {
        FloatVector zero = FloatVector.zero(F), even = zero, odd = zero;
        long s = offset / BYTES * Float.BYTES;
        int b = 0, l = F.length();
        for (; b + 2 <= blocks; b += 2, offset += 2 * BYTES, xo += 2 * BLOCK, s += 2 * Float.BYTES) {
            FloatVector s0 = zero, s1 = zero;
            for (int k = 0; k < BLOCK / l; k++) {
                int p = visit(k);
                s0 = q(offset, p).fma(FloatVector.fromArray(F, x, xo + p), s0);
                s1 = q(offset + BYTES, p).fma(FloatVector.fromArray(F, x, xo + BLOCK + p), s1);
            }
            even = s0.fma(scaleVector(s), even);
            odd = s1.fma(scaleVector(s + Float.BYTES), odd);
        }
        if (b < blocks) {
            FloatVector s0 = zero;
            for (int k = 0; k < BLOCK / l; k++) s0 = q(offset, visit(k)).fma(FloatVector.fromArray(F, x, xo + visit(k)), s0);
            even = s0.fma(scaleVector(s), even);
        }
        return even.add(odd).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeVectors(long offset, int n, float[] dst) {
        for (int b = 0, at = 0; b < n; b++, offset += BYTES, at += BLOCK) {
            for (int p = 0; p < BLOCK; p += F.length()) q(offset, p).intoArray(dst, at + p);
        }
    }

    @Override
    protected void decodeRow(long offset, float[] dst, int at) {
        for (int b = 0; b < blocks; b++, offset += BYTES, at += BLOCK) {
            float d = f16(offset);
            for (int p = 0; p < BLOCK; p += F.length()) q(offset, p).mul(d).intoArray(dst, at + p);
        }
    }
}
