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

    /** Each super-block's 8 scales and 8 mins, unpacked at load (16 bytes per 176: +9% memory). */
    private final byte[] scaleMins;

    public Q5KMatrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q5_K, data, rows, cols);
        this.scaleMins = KScaleMins.unpackAll(data, rows * blocks, BYTES, SCALES);
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

    /** As Q4_K's decode (Q4KMatrix#dotRows): scales unpacked at load, mins through the activations' sums. */
    @Override
    protected void dotRows(float[] x, int xo, float[] y, int yo, int rowFrom, int rowTo) {
        float[] sums = ActivationSums.facingMins(x, xo, cols);
        float[] scales = ActivationSums.scales(8 * blocks);
        for (int r = rowFrom; r < rowTo; r++) y[yo + r] = dotRow(r * rowBytes, x, xo, sums, scales);
    }

    @Override
    protected float dotRow(long offset, float[] x, int xo) {
        return dotRow(offset, x, xo, ActivationSums.facingMins(x, xo, cols), ActivationSums.scales(8 * blocks));
    }

    /**
     * As Q4_K's: float scales and the mins' part from {@link KScaleMins#floatScales}, then one flat
     * loop over pairs of sub-blocks. The fifth bits of sub-blocks s and s+1 are bits s and s+1 of
     * qh, moved to bit 4 by one shift of qh·16 each.
     */
    private float dotRow(long offset, float[] x, int xo, float[] sums, float[] scales) {
        float mins = KScaleMins.floatScales(data, offset, blocks, BYTES, scaleMins, (int) (offset / BYTES) * KScaleMins.UNPACKED, sums, 0, scales);
        FloatVector even = FloatVector.zero(F), odd = even;
        for (int p = 0; p < 4 * blocks; p++) {
            long block = offset + (long) (p >> 2) * BYTES, at = block + QUANTS + 32 * (p & 3);
            int shift = 2 * (p & 3);
            FloatVector low = FloatVector.zero(F), high = low;
            for (int l = 0; l < 32; l += F.length()) {
                IntVector bytes = widen(at + l), fifth = widen(block + HIGH_BITS + l).lanewise(VectorOperators.LSHL, 4);
                FloatVector lowQ = (FloatVector) bytes.and(0xF).or(fifth.lanewise(VectorOperators.LSHR, shift).and(0x10))
                        .convertShape(VectorOperators.I2F, F, 0);
                FloatVector highQ = (FloatVector) bytes.lanewise(VectorOperators.LSHR, 4).or(fifth.lanewise(VectorOperators.LSHR, shift + 1).and(0x10))
                        .convertShape(VectorOperators.I2F, F, 0);
                low = lowQ.fma(FloatVector.fromArray(F, x, xo + 64 * p + l), low);
                high = highQ.fma(FloatVector.fromArray(F, x, xo + 64 * p + 32 + l), high);
            }
            even = low.fma(FloatVector.broadcast(F, scales[2 * p]), even);
            odd = high.fma(FloatVector.broadcast(F, scales[2 * p + 1]), odd);
        }
        return even.add(odd).reduceLanes(VectorOperators.ADD) - mins;
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
