package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q2_K: super-blocks of 256 values = 16 bytes of sub-block scales (low nibble: scale, high
 * nibble: min, one byte per 16 values), 64 bytes of 2-bit quants, f16 d, f16 dmin. Each half of
 * 128 values uses 32 bytes of quants: value 32·j + l of the half (j < 4, l < 32) is bits 2j, 2j+1
 * of byte l, in sub-block 8·half + 2·j + l/16; value = d·scale·q − dmin·min.
 */
public final class Q2KMatrix extends BlockQuantizedMatrix {
    private static final int BLOCK = 256;
    private static final int BYTES = 84;
    private static final int QUANTS = 16;
    private static final int D = 80;

    public Q2KMatrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q2_K, data, rows, cols);
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        int half = i / 128, j = i % 128 / 32, l = i % 32;
        int scaleMin = u8(offset + 8 * half + 2 * j + l / 16);
        int q = (u8(offset + QUANTS + 32 * half + l) >>> (2 * j)) & 3;
        return f16(offset + D) * (scaleMin & 0xF) * q - f16(offset + D + 2) * (scaleMin >>> 4);
    }

    /** The scale/min bytes of sub-blocks 8·which .. 8·which+7, read as one long once per super-block. */
    private long scaleMins(long offset, int which) {
        return data.get(LE_LONG, offset + 8L * which);
    }

    /** Values {@code l .. l+L} of quarter {@code j} of a half whose quants start at {@code at}: q as floats. */
    private FloatVector values(long at, int j, int l) {
        return (FloatVector) crumbs(at + l, j).convertShape(VectorOperators.I2F, F, 0);
    }

    /** Bits 2j, 2j+1 of the {@code L} bytes at {@code at}. */
    private IntVector crumbs(long at, int j) {
        return widen(at).lanewise(VectorOperators.LSHR, 2 * j).and(3);
    }

    /** Decode: the activations' sums per group of 16 (one scale and min each) are taken once per call for all rows. */
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
     * One row · x, given the activations' {@link ActivationSums#of16}: Σ w·x = Σ_j d·scale_j·(Σ q·x)_j
     * − Σ_j dmin·min_j·(Σ x)_j. A first pass widens each super-block's 16 scale/min bytes once:
     * the scales times d go to {@code scales}, the mins meet the sums. The second is one flat
     * loop over halves of super-blocks: each 16 bytes of quants widened once for the four
     * quarters that share them, each vector of 16 values scaled by a broadcast load.
     */
    private float dotRow(long offset, float[] x, int xo, float[] sums, float[] scales) {
        FloatVector mins = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long at = offset + (long) b * BYTES;
            FloatVector d = broadcastF16(at + D), dmin = broadcastF16(at + D + 2);
            for (int part = 0; part < 16; part += F.length()) {
                IntVector packed = widen(at + part);
                FloatVector scale = (FloatVector) packed.and(0xF).convertShape(VectorOperators.I2F, F, 0);
                FloatVector min = (FloatVector) packed.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0);
                scale.mul(d).intoArray(scales, 16 * b + part);
                mins = min.mul(FloatVector.fromArray(F, sums, 16 * b + part)).fma(dmin, mins);
            }
        }
        FloatVector even = FloatVector.zero(F), odd = even;
        for (int h = 0; h < 2 * blocks; h++) {
            long quants = offset + (long) (h >> 1) * BYTES + QUANTS + 32 * (h & 1);
            for (int l = 0; l < 32; l += F.length()) {
                IntVector bytes = widen(quants + l);
                FloatVector q0 = (FloatVector) bytes.and(3).convertShape(VectorOperators.I2F, F, 0);
                FloatVector q1 = (FloatVector) bytes.lanewise(VectorOperators.LSHR, 2).and(3).convertShape(VectorOperators.I2F, F, 0);
                FloatVector q2 = (FloatVector) bytes.lanewise(VectorOperators.LSHR, 4).and(3).convertShape(VectorOperators.I2F, F, 0);
                FloatVector q3 = (FloatVector) bytes.lanewise(VectorOperators.LSHR, 6).convertShape(VectorOperators.I2F, F, 0);
                int s = 8 * h + l / 16, at = xo + 128 * h + l;
                even = q0.mul(FloatVector.fromArray(F, x, at)).fma(FloatVector.broadcast(F, scales[s]), even);
                odd = q1.mul(FloatVector.fromArray(F, x, at + 32)).fma(FloatVector.broadcast(F, scales[s + 2]), odd);
                even = q2.mul(FloatVector.fromArray(F, x, at + 64)).fma(FloatVector.broadcast(F, scales[s + 4]), even);
                odd = q3.mul(FloatVector.fromArray(F, x, at + 96)).fma(FloatVector.broadcast(F, scales[s + 6]), odd);
            }
        }
        return even.add(odd).sub(mins).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeRow(long offset, float[] dst, int at) {
        for (int b = 0; b < blocks; b++, offset += BYTES, at += BLOCK) {
            float d = f16(offset + D), dmin = f16(offset + D + 2);
            for (int half = 0; half < 2; half++) {
                long scaleMins = scaleMins(offset, half), quants = offset + QUANTS + 32L * half;
                for (int s = 0; s < 8; s++) {
                    int packed = (int) (scaleMins >>> (8 * s)) & 0xFF;
                    float scale = d * (packed & 0xF), min = dmin * (packed >>> 4);
                    for (int l = 16 * (s % 2); l < 16 * (s % 2) + 16; l += F.length()) {
                        values(quants, s / 2, l).fma(scale, -min).intoArray(dst, at + 128 * half + 16 * s + l % 16);
                    }
                }
            }
        }
    }
}
