package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * ggml Q3_K: super-blocks of 256 values = 32 bytes hmask, 64 bytes of 2-bit quants, 12 bytes
 * packing 16 six-bit scales (one per 16 values), f16 d. Each half of 128 values uses 32 bytes of
 * quants: value 32·j + l of the half (j < 4, l < 32) takes bits 2j, 2j+1 of byte l and, as its
 * third bit, bit 4·half + j of hmask[l]; its scale is number 8·half + 2·j + l/16. Scale k has its
 * low 4 bits in nibble k/8 of byte k%8 and its high 2 bits in bits 2·(k/4) of byte 8 + k%4.
 * value = d·(scale − 32)·(q − 4), q the 3-bit number.
 */
public final class Q3KMatrix extends BlockQuantizedMatrix {
    private static final int BLOCK = 256;
    private static final int BYTES = 110;
    private static final int QUANTS = 32;
    private static final int SCALES = 96;
    private static final int D = 108;

    /** Two longs: the 16 unpacked scale bytes of a super-block. */
    private static final VectorSpecies<Long> SCALE_LONGS = LongVector.SPECIES_128;

    public Q3KMatrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q3_K, data, rows, cols);
    }

    /**
     * Scales 8·which .. 8·which+7 of the super-block at {@code offset}, one per byte (minus 32 not
     * yet applied), unpacked from three ints as ggml does.
     */
    private long scales(long offset, int which) {
        int a0 = data.get(LE_INT, offset + SCALES), a1 = data.get(LE_INT, offset + SCALES + 4);
        int high = data.get(LE_INT, offset + SCALES + 8) >>> (4 * which);
        long first = ((a0 >>> (4 * which)) & 0x0F0F0F0F) | ((high & 0x03030303) << 4);
        long last = ((a1 >>> (4 * which)) & 0x0F0F0F0F) | (((high >>> 2) & 0x03030303) << 4);
        return (first & 0xFFFFFFFFL) | last << 32;
    }

    private static int scale(long scales, int k) {
        return ((int) (scales >>> (8 * k)) & 0xFF) - 32;
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        int half = i / 128, j = i % 128 / 32, l = i % 32;
        int low = (u8(offset + QUANTS + 32 * half + l) >>> (2 * j)) & 3;
        int third = (u8(offset + l) >>> (4 * half + j)) & 1;
        int k = 8 * half + 2 * j + l / 16;
        return f16(offset + D) * scale(scales(offset, k / 8), k % 8) * (low - (third == 1 ? 0 : 4));
    }

    /**
     * Values of quarter {@code j} of a half: q − 4 as floats, for the {@code L} values whose low
     * bits are in the bytes at {@code at} and whose third bits are bit {@code bit} of the bytes at {@code mask}.
     */
    private FloatVector values(long at, int j, long mask, int bit) {
        return (FloatVector) quants(at, j, mask, bit).convertShape(VectorOperators.I2F, F, 0);
    }

    private IntVector quants(long at, int j, long mask, int bit) {
        return lowBits(at, j).or(thirdBits(mask, bit)).sub(4);
    }

    /** Bits 2j, 2j+1 of the {@code L} bytes at {@code at}. */
    private IntVector lowBits(long at, int j) {
        return widen(at).lanewise(VectorOperators.LSHR, 2 * j).and(3);
    }

    /** Bit {@code bit} of the {@code L} bytes at {@code at}, as 4 or 0. */
    private IntVector thirdBits(long at, int bit) {
        return widen(at).lanewise(VectorOperators.LSHR, bit).and(1).lanewise(VectorOperators.LSHL, 2);
    }

    /** Decode: the activations' sums per group of 16 (one scale each) are taken once per call for all rows. */
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

    /** The 16 unpacked scales of a super-block ({@link #scales}: 8 in {@code first}, 8 in {@code second}) as one byte vector. */
    private static ByteVector scaleBytes(long first, long second) {
        return LongVector.zero(SCALE_LONGS).withLane(0, first).withLane(1, second).reinterpretAsBytes();
    }

    /**
     * One row · x, given the activations' {@link ActivationSums#of16}: Σ w·x = Σ_k d·(scale_k − 32)·
     * (Σ q·x)_k − 4·Σ_k d·(scale_k − 32)·(Σ x)_k, q the 3-bit number. A first pass unpacks each
     * super-block's 16 scales in two longs and converts them in one vector conversion, times d,
     * into {@code scales}, and meets them with the sums. The second is one flat loop over halves
     * of super-blocks: each 16 bytes of quants and of hmask widened once for the four quarters
     * that share them, each vector of 16 values scaled by a broadcast load.
     */
    private float dotRow(long offset, float[] x, int xo, float[] sums, float[] scales) {
        FloatVector biases = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long at = offset + (long) b * BYTES;
            ByteVector packed = scaleBytes(scales(at, 0), scales(at, 1));
            float d = f16(at + D);
            for (int part = 0; part < 16; part += F.length()) {
                FloatVector scale = ((FloatVector) packed.convertShape(VectorOperators.B2F, F, part / F.length())).sub(32).mul(d);
                scale.intoArray(scales, 16 * b + part);
                biases = scale.fma(FloatVector.fromArray(F, sums, 16 * b + part), biases);
            }
        }
        FloatVector even = FloatVector.zero(F), odd = even;
        for (int h = 0; h < 2 * blocks; h++) {
            long block = offset + (long) (h >> 1) * BYTES, quants = block + QUANTS + 32 * (h & 1);
            int shift = 4 * (h & 1);
            for (int l = 0; l < 32; l += F.length()) {
                IntVector bytes = widen(quants + l), third = widen(block + l).lanewise(VectorOperators.LSHR, shift).lanewise(VectorOperators.LSHL, 2);
                FloatVector q0 = (FloatVector) bytes.and(3).or(third.and(4)).convertShape(VectorOperators.I2F, F, 0);
                FloatVector q1 = (FloatVector) bytes.lanewise(VectorOperators.LSHR, 2).and(3).or(third.lanewise(VectorOperators.LSHR, 1).and(4))
                        .convertShape(VectorOperators.I2F, F, 0);
                FloatVector q2 = (FloatVector) bytes.lanewise(VectorOperators.LSHR, 4).and(3).or(third.lanewise(VectorOperators.LSHR, 2).and(4))
                        .convertShape(VectorOperators.I2F, F, 0);
                FloatVector q3 = (FloatVector) bytes.lanewise(VectorOperators.LSHR, 6).or(third.lanewise(VectorOperators.LSHR, 3).and(4))
                        .convertShape(VectorOperators.I2F, F, 0);
                int s = 8 * h + l / 16, xs = xo + 128 * h + l;
                even = q0.mul(FloatVector.fromArray(F, x, xs)).fma(FloatVector.broadcast(F, scales[s]), even);
                odd = q1.mul(FloatVector.fromArray(F, x, xs + 32)).fma(FloatVector.broadcast(F, scales[s + 2]), odd);
                even = q2.mul(FloatVector.fromArray(F, x, xs + 64)).fma(FloatVector.broadcast(F, scales[s + 4]), even);
                odd = q3.mul(FloatVector.fromArray(F, x, xs + 96)).fma(FloatVector.broadcast(F, scales[s + 6]), odd);
            }
        }
        return even.add(odd).sub(biases.mul(4)).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeRow(long offset, float[] dst, int at) {
        for (int b = 0; b < blocks; b++, offset += BYTES, at += BLOCK) {
            float d = f16(offset + D);
            for (int half = 0; half < 2; half++) {
                long scales = scales(offset, half);
                for (int s = 0; s < 8; s++) {
                    float dl = d * scale(scales, s);
                    int l = 16 * (s % 2), j = s / 2;
                    for (int p = 0; p < 16; p += F.length()) {
                        values(offset + QUANTS + 32L * half + l + p, j, offset + l + p, 4 * half + j).mul(dl)
                                .intoArray(dst, at + 128 * half + 16 * s + p);
                    }
                }
            }
        }
    }
}
