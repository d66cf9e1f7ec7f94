package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q4_0: blocks of 32 values = f16 scale d (2 bytes) + 16 bytes of nibbles. Byte j holds
 * value j in its low nibble and value j+16 in its high nibble; value = d·(q − 8).
 */
public final class Q4_0Matrix extends BlockQuantizedMatrix {
    private static final int BLOCK = 32;
    private static final int BYTES = 18;
    private static final int HALF = 16;

    public Q4_0Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q4_0, data, rows, cols);
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        int packed = u8(offset + 2 + i % HALF);
        int q = i < HALF ? packed & 0xF : packed >>> 4;
        return f16(offset) * (q - 8);
    }

    /**
     * Values {@code first .. first+L} of the block at {@code offset}: low nibbles for the first
     * half, high for the second, q − 8 as floats.
     */
    private FloatVector q(long offset, int first) {
        return values(offset + 2 + first % HALF, first < HALF);
    }

    private FloatVector values(long at, boolean low) {
        return (FloatVector) nibbles(at, low).sub(8).convertShape(VectorOperators.I2F, F, 0);
    }

    /** Products summed per block and scaled once (see {@link Q8_0Matrix#dotRow}); two accumulators take turns, one block at a time. */
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
    protected boolean takesBf16Activations() {
        return true;
    }

    /** {@link #dotRow(long, float[], int)} with bf16 activations, for long rows ({@link #LONG_ROW}). */
    @Override
    protected float dotRow(long offset, short[] x, int xo) {
        FloatVector recent = FloatVector.zero(F), older = recent;
        for (int b = 0; b < blocks; b++, offset += BYTES, xo += BLOCK) {
            FloatVector sum = q(offset, 0).mul(bf16(x, xo));
            for (int p = F.length(); p < BLOCK; p += F.length()) sum = q(offset, p).fma(bf16(x, xo + p), sum);
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
