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

    /**
     * Decode of several sequences: two tokens at a time through a group kernel that converts
     * each quantized weight once for both (the single-token loop converts it once per token, and
     * at 8 sequences a step was bound by that, not by memory); a last odd token alone. Each token
     * meets the operations of {@link #dotRow(long, float[], int)} in their order: a block's
     * products summed, scaled and added to the accumulator of even or of odd blocks (here the two
     * take turns, block by block), the two added at the end. So it gets what it gets alone.
     * The group kernels are overloads of dotRow so that the launcher's {@code dontinline} of dotRow
     * compiles each on its own; a kernel for four tokens passed the JIT's node budget, its
     * helpers stayed calls and boxed their vectors (KernelAllocationTest), and ran slower than
     * one token at a time. Q4_0's two-token kernel of the same shape still boxed, so Q4_0 decodes
     * its tokens one by one (WeightMatrix's default).
     */
    @Override
    public void multiplyDecodeRows(float[] x, int[] tokens, int count, float[] y, int rowFrom, int rowTo) {
        int i = 0;
        for (; i + GROUP <= count; i += GROUP) {
            int a = tokens[i], b = tokens[i + 1];
            if (cols > LONG_ROW) {
                short[] h = groupHalves(x, a * cols, b * cols);
                for (int r = rowFrom; r < rowTo; r++) dotRow(r * rowBytes, h, y, a * rows + r, b * rows + r);
            } else {
                for (int r = rowFrom; r < rowTo; r++) dotRow(r * rowBytes, x, a * cols, b * cols, y, a * rows + r, b * rows + r);
            }
        }
        for (; i < count; i++) multiplyRows(x, tokens[i], tokens[i] + 1, y, rowFrom, rowTo);
    }

    /** One weight row · the activations of two tokens (at xa, xb), into y[ya], y[yb]. */
    private void dotRow(long offset, float[] x, int xa, int xb, float[] y, int ya, int yb) {
        FloatVector ra = FloatVector.zero(F), la = ra, rb = ra, lb = ra; // recent and older accumulators
        for (int b = 0, o = 0; b < blocks; b++, offset += BYTES, o += BLOCK) {
            FloatVector q = q(offset, 0);
            FloatVector sa = q.mul(FloatVector.fromArray(F, x, xa + o)), sb = q.mul(FloatVector.fromArray(F, x, xb + o));
            for (int p = F.length(); p < BLOCK; p += F.length()) {
                q = q(offset, p);
                sa = q.fma(FloatVector.fromArray(F, x, xa + o + p), sa);
                sb = q.fma(FloatVector.fromArray(F, x, xb + o + p), sb);
            }
            FloatVector d = broadcastF16(offset);
            FloatVector na = sa.fma(d, la), nb = sb.fma(d, lb);
            la = ra;
            ra = na;
            lb = rb;
            rb = nb;
        }
        y[ya] = ra.add(la).reduceLanes(VectorOperators.ADD);
        y[yb] = rb.add(lb).reduceLanes(VectorOperators.ADD);
    }

    /** The same with the two tokens' bf16 activations side by side in {@code h}. */
    private void dotRow(long offset, short[] h, float[] y, int ya, int yb) {
        FloatVector ra = FloatVector.zero(F), la = ra, rb = ra, lb = ra;
        for (int b = 0, o = 0; b < blocks; b++, offset += BYTES, o += BLOCK) {
            FloatVector q = q(offset, 0);
            FloatVector sa = q.mul(bf16(h, o)), sb = q.mul(bf16(h, cols + o));
            for (int p = F.length(); p < BLOCK; p += F.length()) {
                q = q(offset, p);
                sa = q.fma(bf16(h, o + p), sa);
                sb = q.fma(bf16(h, cols + o + p), sb);
            }
            FloatVector d = broadcastF16(offset);
            FloatVector na = sa.fma(d, la), nb = sb.fma(d, lb);
            la = ra;
            ra = na;
            lb = rb;
            rb = nb;
        }
        y[ya] = ra.add(la).reduceLanes(VectorOperators.ADD);
        y[yb] = rb.add(lb).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeRow(long offset, float[] dst, int at) {
        for (int b = 0; b < blocks; b++, offset += BYTES, at += BLOCK) {
            float d = f16(offset);
            for (int p = 0; p < BLOCK; p += F.length()) q(offset, p).mul(d).intoArray(dst, at + p);
        }
    }
}
