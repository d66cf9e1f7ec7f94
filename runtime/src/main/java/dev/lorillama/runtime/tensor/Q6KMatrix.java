package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q6_K: super-blocks of 256 values = 128 bytes of low nibbles (ql), 64 bytes of 2-bit high
 * parts (qh), 16 signed 8-bit scales (one per 16 values), f16 d. Each half of 128 values uses 64
 * bytes of ql and 32 of qh: for l < 32, value l takes ql[l] low nibble and qh[l] bits 0-1, value
 * l+32 ql[l+32] low and bits 2-3, value l+64 ql[l] high and bits 4-5, value l+96 ql[l+32] high
 * and bits 6-7; value = d·scale·(q − 32).
 */
public final class Q6KMatrix extends BlockQuantizedMatrix {
    private static final int BLOCK = 256;
    private static final int BYTES = 210;
    private static final int HIGH_BITS = 128;
    private static final int SCALES = 192;
    private static final int D = 208;

    public Q6KMatrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q6_K, data, rows, cols);
    }

    /** Signed scale j (0..15) of the super-block whose scale bytes 0..7 are {@code low} and 8..15 {@code high}. */
    private static int scale(long low, long high, int j) {
        return (byte) ((j < 8 ? low : high) >>> (8 * (j % 8)));
    }

    /** The 16 scale bytes are read as two longs once per super-block: byte loads from the mapping cost more than the vector work. */
    private long scales(long offset, int which) {
        return data.get(LE_LONG, offset + SCALES + 8L * which);
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        int half = i / 128, k = i % 128, quarter = k / 32, l = k % 32;
        int low = u8(offset + 64L * half + l + (quarter % 2) * 32);
        int lowNibble = quarter < 2 ? low & 0xF : low >>> 4;
        int high = (u8(offset + HIGH_BITS + 32L * half + l) >>> (2 * quarter)) & 3;
        int q = (lowNibble | high << 4) - 32;
        return f16(offset + D) * scale(scales(offset, 0), scales(offset, 1), 8 * half + l / 16 + 2 * quarter) * q;
    }

    /** Bits 0..3 of values {@code 32·quarter + l ..} of a half: the low (quarters 0, 1) or high (2, 3) nibbles of ql[l + 32·(quarter % 2)]. */
    private IntVector lowBits(long ql, int quarter, int l) {
        return nibbles(ql + 32 * (quarter % 2) + l, quarter < 2);
    }

    /** Bits 4..5 of the same values: bits 2·quarter.. of qh[l]. */
    private IntVector highBits(long qh, int quarter, int l) {
        return widen(qh + l).lanewise(VectorOperators.LSHR, 2 * quarter).and(3).lanewise(VectorOperators.LSHL, 4);
    }

    /** Values {@code 32·quarter + l .. +L} of a half whose low bits start at {@code ql} and high bits at {@code qh}: q − 32 as floats. */
    private FloatVector values(long ql, long qh, int quarter, int l) {
        return (FloatVector) quants(ql, qh, quarter, l).convertShape(VectorOperators.I2F, F, 0);
    }

    private IntVector quants(long ql, long qh, int quarter, int l) {
        return lowBits(ql, quarter, l).or(highBits(qh, quarter, l)).sub(32);
    }

    /** Scales {@code L·part ..} of the super-block at {@code offset} as floats (signed bytes). */
    private FloatVector scaleVector(long offset, int part) {
        return (FloatVector) scaleBytes(offset + (long) part * F.length()).convertShape(VectorOperators.B2F, F, 0);
    }

    private ByteVector scaleBytes(long offset) {
        return ByteVector.fromMemorySegment(B, data, offset + SCALES, LE);
    }

    /**
     * Decode: the sums of the activations over each group of 16 (one scale each) are taken once
     * per call for all rows, so that the −32 of every weight becomes one term per group.
     */
    @Override
    protected void dotRows(float[] x, int xo, float[] y, int yo, int rowFrom, int rowTo) {
        float[] sums = ActivationSums.of16(x, xo, cols);
        float[] scales = ActivationSums.scales(16 * blocks);
        for (int r = rowFrom; r < rowTo; r++) y[yo + r] = dotRow(r * rowBytes, x, xo, sums, scales);
    }

    @Override
    protected float dotRow(long offset, float[] x, int xo) {
        return dotRow(offset, x, xo, ActivationSums.of16(x, xo, cols), ActivationSums.scales(16 * blocks));
    }

    /**
     * One row · x, given the activations' {@link ActivationSums#of16}: Σ w·x = Σ_j d·scale_j·
     * (Σ q·x)_j − 32·Σ_j d·scale_j·(Σ x)_j. A first pass ({@link #floatScales}) writes the scales
     * as floats and sums up the second term. The second is one flat loop over halves of super-blocks (128 values): each 16 bytes
     * of ql and of qh are widened once for the four quarters that share them, and each vector
     * of 16 values is scaled by a broadcast load. Converting the scales one by one in scalar
     * code, and the −32 and the scale per weight, had cost most of the kernel's time.
     */
    private float dotRow(long offset, float[] x, int xo, float[] sums, float[] scales) {
        float bias = floatScales(offset, sums, 0, scales);
        FloatVector even = FloatVector.zero(F), odd = even;
        for (int h = 0; h < 2 * blocks; h++) {
            long block = offset + (long) (h >> 1) * BYTES, ql = block + 64 * (h & 1), qh = block + HIGH_BITS + 32 * (h & 1);
            for (int l = 0; l < 32; l += F.length()) {
                IntVector first = widen(ql + l), second = widen(ql + 32 + l), high = widen(qh + l);
                FloatVector q0 = (FloatVector) first.and(0xF).or(high.lanewise(VectorOperators.LSHL, 4).and(0x30))
                        .convertShape(VectorOperators.I2F, F, 0);
                FloatVector q1 = (FloatVector) second.and(0xF).or(high.lanewise(VectorOperators.LSHL, 2).and(0x30))
                        .convertShape(VectorOperators.I2F, F, 0);
                FloatVector q2 = (FloatVector) first.lanewise(VectorOperators.LSHR, 4).or(high.and(0x30))
                        .convertShape(VectorOperators.I2F, F, 0);
                FloatVector q3 = (FloatVector) second.lanewise(VectorOperators.LSHR, 4).or(high.lanewise(VectorOperators.LSHR, 2).and(0x30))
                        .convertShape(VectorOperators.I2F, F, 0);
                int s = 8 * h + l / 16, at = xo + 128 * h + l;
                even = q0.mul(FloatVector.fromArray(F, x, at)).fma(FloatVector.broadcast(F, scales[s]), even);
                odd = q1.mul(FloatVector.fromArray(F, x, at + 32)).fma(FloatVector.broadcast(F, scales[s + 2]), odd);
                even = q2.mul(FloatVector.fromArray(F, x, at + 64)).fma(FloatVector.broadcast(F, scales[s + 4]), even);
                odd = q3.mul(FloatVector.fromArray(F, x, at + 96)).fma(FloatVector.broadcast(F, scales[s + 6]), odd);
            }
        }
        return even.add(odd).reduceLanes(VectorOperators.ADD) - bias;
    }

    /**
     * The first pass of the decode kernels over the row at {@code offset}: the 16 signed scales of
     * each super-block as floats in one vector conversion, times d, into {@code scales}; returns
     * 32·Σ d·scale·(Σ x) with the activations' sums from {@code sums[sumsAt]}.
     */
    private float floatScales(long offset, float[] sums, int sumsAt, float[] scales) {
        FloatVector biases = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long at = offset + (long) b * BYTES;
            FloatVector d = broadcastF16(at + D);
            for (int part = 0; part < 16; part += F.length()) {
                FloatVector scale = scaleVector(at, part / F.length()).mul(d);
                scale.intoArray(scales, 16 * b + part);
                biases = scale.fma(FloatVector.fromArray(F, sums, sumsAt + 16 * b + part), biases);
            }
        }
        return 32 * biases.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Decode of several sequences: two tokens at a time through a group kernel that decodes each
     * weight once for both (a last odd token alone); each token meets the single-token kernel's
     * operations in their order, so it gets what it gets alone.
     */
    @Override
    public void multiplyDecodeRows(float[] x, int[] tokens, int count, float[] y, int rowFrom, int rowTo) {
        int i = 0;
        for (; i + GROUP <= count; i += GROUP) {
            int a = tokens[i], b = tokens[i + 1];
            float[] sums = ActivationSums.of16(x, a * cols, b * cols, cols);
            float[] scales = ActivationSums.scales(16 * blocks);
            for (int r = rowFrom; r < rowTo; r++) dotRow(r * rowBytes, x, a * cols, b * cols, sums, scales, y, a * rows + r, b * rows + r);
        }
        for (; i < count; i++) multiplyRows(x, tokens[i], tokens[i] + 1, y, rowFrom, rowTo);
    }

    /** One row · the activations of two tokens (at xa, xb), into y[ya], y[yb]. */
    private void dotRow(long offset, float[] x, int xa, int xb, float[] sums, float[] scales, float[] y, int ya, int yb) {
        float biasA = floatScales(offset, sums, 0, scales), biasB = floatScales(offset, sums, cols / 16, scales);
        FloatVector evenA = FloatVector.zero(F), oddA = evenA, evenB = evenA, oddB = evenA;
        for (int h = 0; h < 2 * blocks; h++) {
            long block = offset + (long) (h >> 1) * BYTES, ql = block + 64 * (h & 1), qh = block + HIGH_BITS + 32 * (h & 1);
            for (int l = 0; l < 32; l += F.length()) {
                IntVector first = widen(ql + l), second = widen(ql + 32 + l), high = widen(qh + l);
                FloatVector q0 = (FloatVector) first.and(0xF).or(high.lanewise(VectorOperators.LSHL, 4).and(0x30))
                        .convertShape(VectorOperators.I2F, F, 0);
                FloatVector q1 = (FloatVector) second.and(0xF).or(high.lanewise(VectorOperators.LSHL, 2).and(0x30))
                        .convertShape(VectorOperators.I2F, F, 0);
                FloatVector q2 = (FloatVector) first.lanewise(VectorOperators.LSHR, 4).or(high.and(0x30))
                        .convertShape(VectorOperators.I2F, F, 0);
                FloatVector q3 = (FloatVector) second.lanewise(VectorOperators.LSHR, 4).or(high.lanewise(VectorOperators.LSHR, 2).and(0x30))
                        .convertShape(VectorOperators.I2F, F, 0);
                int s = 8 * h + l / 16, a = xa + 128 * h + l, b = xb + 128 * h + l;
                FloatVector s0 = FloatVector.broadcast(F, scales[s]), s1 = FloatVector.broadcast(F, scales[s + 2]);
                FloatVector s2 = FloatVector.broadcast(F, scales[s + 4]), s3 = FloatVector.broadcast(F, scales[s + 6]);
                evenA = q0.mul(FloatVector.fromArray(F, x, a)).fma(s0, evenA);
                oddA = q1.mul(FloatVector.fromArray(F, x, a + 32)).fma(s1, oddA);
                evenA = q2.mul(FloatVector.fromArray(F, x, a + 64)).fma(s2, evenA);
                oddA = q3.mul(FloatVector.fromArray(F, x, a + 96)).fma(s3, oddA);
                evenB = q0.mul(FloatVector.fromArray(F, x, b)).fma(s0, evenB);
                oddB = q1.mul(FloatVector.fromArray(F, x, b + 32)).fma(s1, oddB);
                evenB = q2.mul(FloatVector.fromArray(F, x, b + 64)).fma(s2, evenB);
                oddB = q3.mul(FloatVector.fromArray(F, x, b + 96)).fma(s3, oddB);
            }
        }
        y[ya] = evenA.add(oddA).reduceLanes(VectorOperators.ADD) - biasA;
        y[yb] = evenB.add(oddB).reduceLanes(VectorOperators.ADD) - biasB;
    }

    @Override
    protected void decodeRow(long offset, float[] dst, int at) {
        for (int b = 0; b < blocks; b++, offset += BYTES, at += BLOCK) {
            float d = f16(offset + D);
            long low = scales(offset, 0), high = scales(offset, 1);
            for (int half = 0; half < 2; half++) {
                long ql = offset + 64L * half, qh = offset + HIGH_BITS + 32L * half;
                for (int quarter = 0; quarter < 4; quarter++) {
                    for (int l = 0; l < 32; l += F.length()) {
                        float scale = d * scale(low, high, 8 * half + 2 * quarter + l / 16);
                        values(ql, qh, quarter, l).mul(scale).intoArray(dst, at + 128 * half + 32 * quarter + l);
                    }
                }
            }
        }
    }
}
