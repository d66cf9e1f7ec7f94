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
     * Written as loops whose body the JIT unrolls (one copy of each vector op keeps the method
     * small enough to compile whole). The scale, one per 16 values and so constant over a
     * vector, is folded in with d; two accumulators take turns. The 16 scales of a super-block
     * become floats in one vector conversion, and each is taken from its lane: converting them
     * one by one in scalar code cost ~40% of the kernel's time (7.0 → 9.0 GB/s per thread with
     * it removed; 6.5 → 7.3 with this).
     */
    @Override
    protected float dotRow(long offset, float[] x, int xo) {
        FloatVector recent = FloatVector.zero(F), older = recent;
        for (int b = 0; b < blocks; b++, offset += BYTES, xo += BLOCK) {
            float d = f16(offset + D);
            FloatVector first = scaleVector(offset, 0).mul(d), second = F.length() < 16 ? scaleVector(offset, 1).mul(d) : first;
            for (int half = 0; half < 2; half++) {
                long ql = offset + 64L * half, qh = offset + HIGH_BITS + 32L * half;
                for (int quarter = 0; quarter < 4; quarter++) {
                    for (int l = 0; l < 32; l += F.length()) {
                        int j = 8 * half + 2 * quarter + l / 16;
                        float scale = (j < F.length() ? first : second).lane(j % F.length());
                        FloatVector next = values(ql, qh, quarter, l).mul(scale)
                                .fma(FloatVector.fromArray(F, x, xo + 128 * half + 32 * quarter + l), older);
                        older = recent;
                        recent = next;
                    }
                }
            }
        }
        return recent.add(older).reduceLanes(VectorOperators.ADD);
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
