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
     * Two blocks per step into two accumulators, so a block's FMA does not wait for the previous
     * block's (one chain capped a thread at ~13 GB/s). Each block's products are summed (the first
     * a multiply: an FMA onto zero is not folded away) and scaled once by d. The same loop with
     * accumulators taking turns one block at a time ran 24 → 15 GB/s from DRAM; for Q4_0, whose
     * unpacking is heavier, two blocks per step grow the method past the JIT's inlining budget.
     */
    @Override
    protected float dotRow(long offset, float[] x, int xo) {
        FloatVector even = FloatVector.zero(F), odd = even;
        int b = 0;
        for (; b + 2 <= blocks; b += 2, offset += 2 * BYTES, xo += 2 * BLOCK) {
            FloatVector s0 = q(offset, 0).mul(FloatVector.fromArray(F, x, xo));
            FloatVector s1 = q(offset + BYTES, 0).mul(FloatVector.fromArray(F, x, xo + BLOCK));
            for (int p = F.length(); p < BLOCK; p += F.length()) {
                s0 = q(offset, p).fma(FloatVector.fromArray(F, x, xo + p), s0);
                s1 = q(offset + BYTES, p).fma(FloatVector.fromArray(F, x, xo + BLOCK + p), s1);
            }
            even = s0.fma(broadcastF16(offset), even);
            odd = s1.fma(broadcastF16(offset + BYTES), odd);
        }
        for (; b < blocks; b++, offset += BYTES, xo += BLOCK) {
            FloatVector s0 = q(offset, 0).mul(FloatVector.fromArray(F, x, xo));
            for (int p = F.length(); p < BLOCK; p += F.length()) s0 = q(offset, p).fma(FloatVector.fromArray(F, x, xo + p), s0);
            even = s0.fma(broadcastF16(offset), even);
        }
        return even.add(odd).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected boolean takesBf16Activations() {
        return true;
    }

    /** {@link #dotRow(long, float[], int)} with bf16 activations, for long rows ({@link #LONG_ROW}). */
    @Override
    protected float dotRow(long offset, short[] x, int xo) {
        FloatVector even = FloatVector.zero(F), odd = even;
        int b = 0;
        for (; b + 2 <= blocks; b += 2, offset += 2 * BYTES, xo += 2 * BLOCK) {
            FloatVector s0 = q(offset, 0).mul(bf16(x, xo));
            FloatVector s1 = q(offset + BYTES, 0).mul(bf16(x, xo + BLOCK));
            for (int p = F.length(); p < BLOCK; p += F.length()) {
                s0 = q(offset, p).fma(bf16(x, xo + p), s0);
                s1 = q(offset + BYTES, p).fma(bf16(x, xo + BLOCK + p), s1);
            }
            even = s0.fma(broadcastF16(offset), even);
            odd = s1.fma(broadcastF16(offset + BYTES), odd);
        }
        for (; b < blocks; b++, offset += BYTES, xo += BLOCK) {
            FloatVector s0 = q(offset, 0).mul(bf16(x, xo));
            for (int p = F.length(); p < BLOCK; p += F.length()) s0 = q(offset, p).fma(bf16(x, xo + p), s0);
            even = s0.fma(broadcastF16(offset), even);
        }
        return even.add(odd).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeRow(long offset, float[] dst, int at) {
        for (int b = 0; b < blocks; b++, offset += BYTES, at += BLOCK) {
            float d = f16(offset);
            for (int p = 0; p < BLOCK; p += F.length()) q(offset, p).mul(d).intoArray(dst, at + p);
        }
    }
}
