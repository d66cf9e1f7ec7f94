package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q4_K: super-blocks of 256 values = f16 d, f16 dmin, 12 bytes packing a 6-bit scale and a
 * 6-bit min for each of 8 sub-blocks of 32, then 128 bytes of nibbles. Values 64j..64j+31 are the
 * low nibbles of bytes 32j..32j+31 (sub-block 2j), values 64j+32.. their high nibbles (2j+1);
 * value = d·scale·q − dmin·min.
 */
public final class Q4KMatrix extends BlockQuantizedMatrix {
    private static final int BLOCK = 256;
    private static final int BYTES = 144;
    private static final int SCALES = 4;
    private static final int QUANTS = 16;

    /** Each super-block's 8 scales and 8 mins, unpacked at load (16 bytes per 144: +11% memory). */
    private final byte[] scaleMins;

    public Q4KMatrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q4_K, data, rows, cols);
        this.scaleMins = KScaleMins.unpackAll(data, rows * blocks, BYTES, SCALES);
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        int sub = i / 32;
        int packed = u8(offset + QUANTS + (i / 64) * 32 + i % 32);
        int q = sub % 2 == 0 ? packed & 0xF : packed >>> 4;
        float scale = f16(offset) * KScaleMins.entry(KScaleMins.scales(data, offset + SCALES), sub);
        return scale * q - f16(offset + 2) * KScaleMins.entry(KScaleMins.mins(data, offset + SCALES), sub);
    }

    /** Byte offset of the 32 bytes of nibbles that sub-block j shares with its neighbour (low nibbles: even j, high: odd j). */
    private static long quants(long offset, int j) {
        return offset + QUANTS + 32L * (j / 2);
    }

    /**
     * Decode with the 6-bit scales and mins unpacked at load ({@link #scaleMins}) and the mins
     * applied through per-sub-block sums of the activations: Σ w·x = d·Σ_j scale_j·(Σ q·x)_j −
     * dmin·Σ_j min_j·(Σ x)_j. Unpacking the packed 12 bytes in the loop took ~45% of the kernel's
     * time, and the per-vector "q·scale − min" one more operation per 16 weights. The sums of
     * the activations are taken once per call for all rows; each row pass calls the kernel below.
     */
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
     * One row · x, given the activations' {@link ActivationSums#facingMins}, in two passes. The
     * first ({@link KScaleMins#floatScales}) writes the row's scales as floats and sums up the
     * mins' part. The second is one flat loop over pairs of sub-blocks (32 bytes of
     * nibbles: low nibbles sub-block 2p, high 2p+1), each byte widened once for both, each
     * sub-block's sum scaled by a broadcast load; two chains. Loops nested per super-block ran
     * ~25% slower: the JIT did not unroll the inner one and set up its bounds checks each time.
     */
    private float dotRow(long offset, float[] x, int xo, float[] sums, float[] scales) {
        float mins = KScaleMins.floatScales(data, offset, blocks, BYTES, scaleMins, (int) (offset / BYTES) * KScaleMins.UNPACKED, sums, 0, scales);
        FloatVector even = FloatVector.zero(F), odd = even;
        for (int p = 0; p < 4 * blocks; p += 2) {
            long at = offset + (long) (p >> 2) * BYTES + QUANTS + 32 * (p & 3);
            FloatVector low = FloatVector.zero(F), high = low, low2 = low, high2 = low;
            for (int l = 0; l < 32; l += F.length()) {
                IntVector bytes = widen(at + l), bytes2 = widen(at + 32 + l);
                FloatVector lowQ = (FloatVector) bytes.and(0xF).convertShape(VectorOperators.I2F, F, 0);
                FloatVector highQ = (FloatVector) bytes.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0);
                FloatVector lowQ2 = (FloatVector) bytes2.and(0xF).convertShape(VectorOperators.I2F, F, 0);
                FloatVector highQ2 = (FloatVector) bytes2.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0);
                low = lowQ.fma(FloatVector.fromArray(F, x, xo + 64 * p + l), low);
                high = highQ.fma(FloatVector.fromArray(F, x, xo + 64 * p + 32 + l), high);
                low2 = lowQ2.fma(FloatVector.fromArray(F, x, xo + 64 * p + 64 + l), low2);
                high2 = highQ2.fma(FloatVector.fromArray(F, x, xo + 64 * p + 96 + l), high2);
            }
            even = low.fma(FloatVector.broadcast(F, scales[2 * p]), even);
            odd = high.fma(FloatVector.broadcast(F, scales[2 * p + 1]), odd);
            even = low2.fma(FloatVector.broadcast(F, scales[2 * p + 2]), even);
            odd = high2.fma(FloatVector.broadcast(F, scales[2 * p + 3]), odd);
        }
        return even.add(odd).reduceLanes(VectorOperators.ADD) - mins;
    }

    /**
     * Decode of several sequences: two tokens at a time through a group kernel that widens and
     * converts each weight once for both (a last odd token alone). Each token meets the
     * operations of the single-token kernel in their order, so it gets what it gets alone.
     */
    @Override
    public void multiplyDecodeRows(float[] x, int[] tokens, int count, float[] y, int rowFrom, int rowTo) {
        int i = 0;
        for (; i + GROUP <= count; i += GROUP) {
            int a = tokens[i], b = tokens[i + 1];
            float[] sums = ActivationSums.facingMins(x, a * cols, b * cols, cols);
            float[] scales = ActivationSums.scales(8 * blocks);
            for (int r = rowFrom; r < rowTo; r++) dotRow(r * rowBytes, x, a * cols, b * cols, sums, scales, y, a * rows + r, b * rows + r);
        }
        for (; i < count; i++) multiplyRows(x, tokens[i], tokens[i] + 1, y, rowFrom, rowTo);
    }

    /** One row · the activations of two tokens (at xa, xb), into y[ya], y[yb]: the single-token kernel's steps, a pair of sub-blocks per iteration. */
    private void dotRow(long offset, float[] x, int xa, int xb, float[] sums, float[] scales, float[] y, int ya, int yb) {
        int side = (int) (offset / BYTES) * KScaleMins.UNPACKED;
        float minsA = KScaleMins.floatScales(data, offset, blocks, BYTES, scaleMins, side, sums, 0, scales);
        float minsB = KScaleMins.floatScales(data, offset, blocks, BYTES, scaleMins, side, sums, ActivationSums.facingMinsLength(cols), scales);
        FloatVector evenA = FloatVector.zero(F), oddA = evenA, evenB = evenA, oddB = evenA;
        for (int p = 0; p < 4 * blocks; p++) {
            long at = offset + (long) (p >> 2) * BYTES + QUANTS + 32 * (p & 3);
            FloatVector lowA = FloatVector.zero(F), highA = lowA, lowB = lowA, highB = lowA;
            for (int l = 0; l < 32; l += F.length()) {
                IntVector bytes = widen(at + l);
                FloatVector lowQ = (FloatVector) bytes.and(0xF).convertShape(VectorOperators.I2F, F, 0);
                FloatVector highQ = (FloatVector) bytes.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0);
                lowA = lowQ.fma(FloatVector.fromArray(F, x, xa + 64 * p + l), lowA);
                highA = highQ.fma(FloatVector.fromArray(F, x, xa + 64 * p + 32 + l), highA);
                lowB = lowQ.fma(FloatVector.fromArray(F, x, xb + 64 * p + l), lowB);
                highB = highQ.fma(FloatVector.fromArray(F, x, xb + 64 * p + 32 + l), highB);
            }
            FloatVector low = FloatVector.broadcast(F, scales[2 * p]), high = FloatVector.broadcast(F, scales[2 * p + 1]);
            evenA = lowA.fma(low, evenA);
            oddA = highA.fma(high, oddA);
            evenB = lowB.fma(low, evenB);
            oddB = highB.fma(high, oddB);
        }
        y[ya] = evenA.add(oddA).reduceLanes(VectorOperators.ADD) - minsA;
        y[yb] = evenB.add(oddB).reduceLanes(VectorOperators.ADD) - minsB;
    }

    @Override
    protected void decodeRow(long offset, float[] dst, int at) {
        for (int b = 0; b < blocks; b++, offset += BYTES, at += BLOCK) {
            float d = f16(offset), dmin = f16(offset + 2);
            long scales = KScaleMins.scales(data, offset + SCALES), mins = KScaleMins.mins(data, offset + SCALES);
            for (int j = 0; j < 8; j++) {
                float scale = d * KScaleMins.entry(scales, j), min = dmin * KScaleMins.entry(mins, j);
                for (int lane = 0; lane < 32; lane += F.length()) {
                    FloatVector q = (FloatVector) nibbles(quants(offset, j) + lane, j % 2 == 0).convertShape(VectorOperators.I2F, F, 0);
                    q.fma(scale, -min).intoArray(dst, at + 32 * j + lane);
                }
            }
        }
    }
}
