package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q5_K: super-blocks of 256 values = f16 d, f16 dmin, 12 bytes packing a 6-bit scale and a
 * 6-bit min for each of 8 sub-blocks of 32 ({@link KScaleMins}), 32 bytes qh, 128 bytes of
 * nibbles. Values 64j..64j+31 are the low nibbles of bytes 32j..32j+31 (sub-block 2j), values
 * 64j+32.. their high nibbles (2j+1); value l of sub-block s takes bit s of qh[l] as its fifth
 * bit; value = d·scale·q − dmin·min.
 */
public final class Q5KMatrix extends BlockQuantizedMatrix {
    private static final int BLOCK = 256;
    private static final int BYTES = 176;
    private static final int SCALES = 4;
    private static final int HIGH_BITS = 16;
    private static final int QUANTS = 48;

    public Q5KMatrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q5_K, data, rows, cols);
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        int s = i / 32, l = i % 32;
        int packed = u8(offset + QUANTS + 32L * (s / 2) + l);
        int q = (s % 2 == 0 ? packed & 0xF : packed >>> 4) + 16 * ((u8(offset + HIGH_BITS + l) >>> s) & 1);
        float scale = f16(offset) * KScaleMins.entry(KScaleMins.scales(data, offset + SCALES), s);
        return scale * q - f16(offset + 2) * KScaleMins.entry(KScaleMins.mins(data, offset + SCALES), s);
    }

    /** Values {@code l .. l+L} of sub-block {@code s} of the super-block at {@code offset}: q as floats. */
    private FloatVector values(long offset, int s, int l) {
        return (FloatVector) quants(offset, s, l).convertShape(VectorOperators.I2F, F, 0);
    }

    private IntVector quants(long offset, int s, int l) {
        return lowBits(offset, s, l).or(fifthBits(offset + HIGH_BITS + l, s));
    }

    /** Bits 0..3 of the same values: the low (even s) or high (odd s) nibbles of their bytes. */
    private IntVector lowBits(long offset, int s, int l) {
        return nibbles(offset + QUANTS + 32L * (s / 2) + l, s % 2 == 0);
    }

    /** Bit {@code bit} of the {@code L} bytes at {@code at}, as 16 or 0. */
    private IntVector fifthBits(long at, int bit) {
        return widen(at).lanewise(VectorOperators.LSHR, bit).and(1).lanewise(VectorOperators.LSHL, 4);
    }

    /** As {@link Q4KMatrix#dotRow}: scale and min once per sub-block, weights in registers, two accumulators taking turns. */
    @Override
    protected float dotRow(long offset, float[] x, int xo) {
        FloatVector recent = FloatVector.zero(F), older = recent;
        for (int b = 0; b < blocks; b++, offset += BYTES, xo += BLOCK) {
            float d = f16(offset), dmin = f16(offset + 2);
            long scales = KScaleMins.scales(data, offset + SCALES), mins = KScaleMins.mins(data, offset + SCALES);
            for (int s = 0; s < 8; s++) {
                float scale = d * KScaleMins.entry(scales, s), min = dmin * KScaleMins.entry(mins, s);
                FloatVector sum = older;
                for (int l = 0; l < 32; l += F.length()) {
                    sum = values(offset, s, l).fma(scale, -min).fma(FloatVector.fromArray(F, x, xo + 32 * s + l), sum);
                }
                older = recent;
                recent = sum;
            }
        }
        return recent.add(older).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeRow(long offset, float[] dst, int at) {
        for (int b = 0; b < blocks; b++, offset += BYTES, at += BLOCK) {
            float d = f16(offset), dmin = f16(offset + 2);
            long scales = KScaleMins.scales(data, offset + SCALES), mins = KScaleMins.mins(data, offset + SCALES);
            for (int s = 0; s < 8; s++) {
                float scale = d * KScaleMins.entry(scales, s), min = dmin * KScaleMins.entry(mins, s);
                for (int l = 0; l < 32; l += F.length()) values(offset, s, l).fma(scale, -min).intoArray(dst, at + 32 * s + l);
            }
        }
    }
}
