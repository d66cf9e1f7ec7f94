package dev.lorillama.runtime.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml's legacy formats of 32-value blocks (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL): each block
 * starts with its f16 scale d (and, in Q4_1 and Q5_1, an f16 offset m).
 *
 * <p><b>Scales as floats.</b> At construction each block's d (and m) are converted once to floats
 * kept beside the mapped file ({@link #scales}: 4 bytes per block and field, off the heap), so the
 * decode kernels broadcast a float from memory instead of converting an f16 for every block and
 * row. On this Intel machine (AVX-512, where only two ports run 512-bit vector work) that
 * conversion and its broadcast took about a quarter of Q8_0's decode time.
 *
 * <p><b>One order of operations for one token and for several.</b> Every format's single-token
 * kernel ({@link #dotRow(long, float[], int)}) computes, for each block, the sum of its weights'
 * integer values (without d) times the activations — by FMAs onto zero, in the order of
 * {@link #visit} — and adds that sum times d to one of two accumulators, even blocks to one
 * and odd blocks to the other; the two are added at the end (Q4_1 and Q5_1: see {@link #dotRowWithOffsets}). Decode of several sequences
 * ({@link #multiplyDecodeRows}) decodes a row's integer values once into a per-thread buffer
 * ({@link #decodeVectors}) and runs, for each token, exactly those operations on the buffer, so
 * each token gets the bits it gets alone while the unpacking is done once for all.
 */
public abstract sealed class Block32Matrix extends BlockQuantizedMatrix
        permits Q8_0Matrix, Q4_0Matrix, Q4_1Matrix, Q5_0Matrix, Q5_1Matrix, IQ4_NLMatrix {
    protected static final int BLOCK = 32;
    protected static final int HALF = 16;
    /** Per-thread row of decoded integer values for {@link #multiplyDecodeRows}. */
    private static final ThreadLocal<float[]> DECODED = ThreadLocal.withInitial(() -> new float[0]);

    /** Each block's f16 fields (d, or d then m) as floats, block after block. */
    protected final MemorySegment scales;
    /** Fields per block in {@link #scales}: 1 (d) or 2 (d, m). */
    private final int fields;

    protected Block32Matrix(String name, DType dtype, MemorySegment data, int rows, int cols, int fields) {
        super(name, dtype, data, rows, cols);
        this.fields = fields;
        long count = (long) rows * blocks * fields;
        this.scales = Arena.ofAuto().allocate(count * Float.BYTES, 64);
        for (long block = 0, i = 0; i < count; block++) {
            for (int f = 0; f < fields; f++, i++) scales.setAtIndex(ValueLayout.JAVA_FLOAT, i, f16(block * dtype.blockBytes() + 2L * f));
        }
    }

    /** Byte offset in {@link #scales} of the fields of the block at byte {@code offset} of the data. */
    protected final long scaleOffset(long offset) {
        return offset / dtype.blockBytes() * fields * Float.BYTES;
    }

    /** The float at byte {@code at} of {@link #scales} in every lane. */
    protected final FloatVector scaleVector(long at) {
        return FloatVector.broadcast(F, scales.get(ValueLayout.JAVA_FLOAT_UNALIGNED, at));
    }

    /**
     * Where the {@code k}-th vector of a block's values lies in the block: the vectors go in pairs
     * (a vector of the first half, then the one of the second half that shares its bytes in the
     * nibble formats), {@code L = F.length()} values each. With 16 lanes that is simply 0, 16.
     */
    protected static int visit(int k) {
        int l = F.length();
        return (k >> 1) * l + (k & 1) * HALF;
    }

    /**
     * Writes the integer values (what the kernel multiplies before d: q, q − 8, a level...) of
     * {@code n} blocks from byte {@code offset} into {@code dst[0 .. 32n)}, as floats, in their
     * column order.
     */
    protected abstract void decodeVectors(long offset, int n, float[] dst);

    /**
     * {@link #decodeVectors} of Q5_0 and Q5_1: each value is a nibble with its fifth bit from the
     * block's 32-bit qh (at byte {@code highBits}), minus {@code bias}.
     */
    protected final void decodeFiveBitValues(long offset, int n, float[] dst, int blockBytes, int highBits, int quants, int bias) {
        for (int b = 0, at = 0; b < n; b++, offset += blockBytes, at += BLOCK) {
            int qh = data.get(LE_INT, offset + highBits);
            for (int g = 0; g < HALF; g += F.length()) {
                IntVector bytes = widen(offset + quants + g);
                IntVector low = bytes.and(0xF).or(fifthBits(qh, g)).sub(bias), high = bytes.lanewise(VectorOperators.LSHR, 4).or(fifthBits(qh, HALF + g)).sub(bias);
                ((FloatVector) low.convertShape(VectorOperators.I2F, F, 0)).intoArray(dst, at + g);
                ((FloatVector) high.convertShape(VectorOperators.I2F, F, 0)).intoArray(dst, at + HALF + g);
            }
        }
    }

    /**
     * Blocks per chunk of {@link #multiplyDecodeRows}: a chunk of eight tokens' activations
     * (8 × 4 KB) stays in L1 while the rows' chunks pass it. With whole rows (8 × 32 KB) they
     * came from L2 for every row and 8 tokens cost more than 8 single ones.
     */
    private static final int CHUNK_BLOCKS = 32;
    /** Per-thread buffers: a chunk of decoded values, and each row's and token's two accumulators. */
    private static final ThreadLocal<float[][]> GROUP_SCRATCH = ThreadLocal.withInitial(() -> new float[][] {new float[CHUNK_BLOCKS * BLOCK], new float[0]});

    /**
     * Decode of several sequences: the columns are walked in chunks; for each chunk, each row's
     * values are decoded once ({@link #decodeVectors}) and every token's accumulators advance
     * over them by the operations of its single-token kernel (they wait in memory between chunks,
     * which stores and reloads them exactly).
     */
    @Override
    public final void multiplyDecodeRows(float[] x, int[] tokens, int count, float[] y, int rowFrom, int rowTo) {
        if (count == 1) {
            multiplyRows(x, tokens[0], tokens[0] + 1, y, rowFrom, rowTo);
            return;
        }
        int l = F.length(), size = (rowTo - rowFrom) * count * 2 * l;
        float[][] scratch = GROUP_SCRATCH.get();
        if (scratch[1].length < size) scratch[1] = new float[size];
        float[] w = scratch[0], acc = scratch[1];
        java.util.Arrays.fill(acc, 0, size, 0f);
        for (int c = 0; c < blocks; c += CHUNK_BLOCKS) {
            int n = Math.min(CHUNK_BLOCKS, blocks - c);
            for (int r = rowFrom, a = 0; r < rowTo; r++) {
                long offset = r * rowBytes + (long) c * dtype.blockBytes();
                decodeVectors(offset, n, w);
                long s = scaleOffset(offset);
                for (int i = 0; i < count; i++, a += 2 * l) {
                    int xo = tokens[i] * cols + c * BLOCK;
                    if (fields == 1) dotRow(w, n, x, xo, s, acc, a);
                    else dotRowWithOffsets(w, n, x, xo, s, acc, a);
                }
            }
        }
        for (int r = rowFrom, a = 0; r < rowTo; r++) {
            for (int i = 0; i < count; i++, a += 2 * l) {
                y[tokens[i] * rows + r] = FloatVector.fromArray(F, acc, a).add(FloatVector.fromArray(F, acc, a + l)).reduceLanes(VectorOperators.ADD);
            }
        }
    }

    /**
     * Decoded values {@code w[0 .. 32n)} · {@code x[xo ..]}, block sums scaled by d and added to
     * the even-block and odd-block accumulators {@code acc[a ..]}, {@code acc[a+L ..]} (the formats
     * without m; chunks start at even blocks).
     */
    private void dotRow(float[] w, int n, float[] x, int xo, long s, float[] acc, int a) {
        int l = F.length();
        FloatVector zero = FloatVector.zero(F), even = FloatVector.fromArray(F, acc, a), odd = FloatVector.fromArray(F, acc, a + l);
        int b = 0;
        for (; b + 2 <= n; b += 2, s += 2 * Float.BYTES) {
            int o = b * BLOCK;
            FloatVector s0 = zero, s1 = zero;
            for (int k = 0; k < BLOCK / l; k++) {
                int p = o + visit(k);
                s0 = FloatVector.fromArray(F, w, p).fma(FloatVector.fromArray(F, x, xo + p), s0);
                s1 = FloatVector.fromArray(F, w, p + BLOCK).fma(FloatVector.fromArray(F, x, xo + p + BLOCK), s1);
            }
            even = s0.fma(scaleVector(s), even);
            odd = s1.fma(scaleVector(s + Float.BYTES), odd);
        }
        if (b < n) {
            FloatVector s0 = zero;
            for (int k = 0; k < BLOCK / l; k++) {
                int p = b * BLOCK + visit(k);
                s0 = FloatVector.fromArray(F, w, p).fma(FloatVector.fromArray(F, x, xo + p), s0);
            }
            even = s0.fma(scaleVector(s), even);
        }
        even.intoArray(acc, a);
        odd.intoArray(acc, a + l);
    }

    /**
     * Q4_1 and Q5_1: Σ (d·q + m)·x = d·Σ q·x + m·Σ x. Per block the products and the activations
     * are summed apart from zero, in the order of {@link #visit}, and go into their own
     * accumulators (times d into {@code acc[a ..]}, times m into {@code acc[a+L ..]}).
     */
    private void dotRowWithOffsets(float[] w, int n, float[] x, int xo, long s, float[] acc, int a) {
        int l = F.length();
        FloatVector zero = FloatVector.zero(F), products = FloatVector.fromArray(F, acc, a), offsets = FloatVector.fromArray(F, acc, a + l);
        for (int b = 0; b < n; b++, s += 2 * Float.BYTES) {
            FloatVector blockProducts = zero, sums = zero;
            for (int k = 0; k < BLOCK / l; k++) {
                int p = b * BLOCK + visit(k);
                FloatVector xk = FloatVector.fromArray(F, x, xo + p);
                blockProducts = FloatVector.fromArray(F, w, p).fma(xk, blockProducts);
                sums = sums.add(xk);
            }
            products = blockProducts.fma(scaleVector(s), products);
            offsets = sums.fma(scaleVector(s + Float.BYTES), offsets);
        }
        products.intoArray(acc, a);
        offsets.intoArray(acc, a + l);
    }
}
