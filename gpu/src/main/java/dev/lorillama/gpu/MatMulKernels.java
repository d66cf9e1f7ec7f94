package dev.lorillama.gpu;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.common.TornadoFunctions;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Device code: the products with weight matrices. One work-group per output row and token
 * (group x = row, group y = token); its {@code lanes} threads split the row and add their shares
 * in local memory. That one kernel serves every projection, the LM head and the adapters' A.
 */
final class MatMulKernels {
    /** Threads per row, at most (the size of the local sum array; lanes must be a power of two). */
    static final int MAX_LANES = 256;

    private MatMulKernels() {}

    /** A kernel {@code (ctx, w, wf, powers, x, y, rows, cols, accumulate, lanes)}: one per weight format. */
    interface MatMul extends TornadoFunctions.Task10<KernelContext, ByteArray, FloatArray, FloatArray, FloatArray, FloatArray,
            Integer, Integer, Integer, Integer> {}

    /** The matmul kernel for weights of ggml type {@code format}. */
    static MatMul forFormat(int format) {
        return switch (format) {
            case WeightDecode.F32 -> MatMulKernels::matmulF32;
            case WeightDecode.F16 -> MatMulKernels::matmulF16;
            case WeightDecode.BF16 -> MatMulKernels::matmulBF16;
            case WeightDecode.Q8_0 -> MatMulKernels::matmulQ8_0;
            case WeightDecode.Q4_0 -> MatMulKernels::matmulQ4_0;
            case WeightDecode.Q4_K -> MatMulKernels::matmulQ4_K;
            case WeightDecode.Q6_K -> MatMulKernels::matmulQ6_K;
            default -> throw new IllegalArgumentException("no GPU kernel for ggml type " + format);
        };
    }

    // y[t][row] = W[row] · x[t] (or += with accumulate = 1: the residual connection); x is
    // tokens × cols, y tokens × rows. Work-group (row, t); each format supplies its row share.

    static void matmulF32(KernelContext ctx, ByteArray w, FloatArray wf, FloatArray powers, FloatArray x, FloatArray y,
                          int rows, int cols, int accumulate, int lanes) {
        sumAndStore(ctx, y, rows, accumulate, lanes, WeightDecode.f32Dot(wf, ctx.groupIdx, cols, x, ctx.groupIdy * cols, ctx.localIdx, lanes));
    }

    static void matmulF16(KernelContext ctx, ByteArray w, FloatArray wf, FloatArray powers, FloatArray x, FloatArray y,
                          int rows, int cols, int accumulate, int lanes) {
        sumAndStore(ctx, y, rows, accumulate, lanes, WeightDecode.f16Dot(w, powers, ctx.groupIdx, cols, x, ctx.groupIdy * cols, ctx.localIdx, lanes));
    }

    static void matmulBF16(KernelContext ctx, ByteArray w, FloatArray wf, FloatArray powers, FloatArray x, FloatArray y,
                           int rows, int cols, int accumulate, int lanes) {
        sumAndStore(ctx, y, rows, accumulate, lanes, WeightDecode.bf16Dot(w, powers, ctx.groupIdx, cols, x, ctx.groupIdy * cols, ctx.localIdx, lanes));
    }

    static void matmulQ8_0(KernelContext ctx, ByteArray w, FloatArray wf, FloatArray powers, FloatArray x, FloatArray y,
                           int rows, int cols, int accumulate, int lanes) {
        sumAndStore(ctx, y, rows, accumulate, lanes, WeightDecode.q8Dot(w, powers, ctx.groupIdx, cols, x, ctx.groupIdy * cols, ctx.localIdx, lanes));
    }

    static void matmulQ4_0(KernelContext ctx, ByteArray w, FloatArray wf, FloatArray powers, FloatArray x, FloatArray y,
                           int rows, int cols, int accumulate, int lanes) {
        sumAndStore(ctx, y, rows, accumulate, lanes, WeightDecode.q4Dot(w, powers, ctx.groupIdx, cols, x, ctx.groupIdy * cols, ctx.localIdx, lanes));
    }

    static void matmulQ4_K(KernelContext ctx, ByteArray w, FloatArray wf, FloatArray powers, FloatArray x, FloatArray y,
                           int rows, int cols, int accumulate, int lanes) {
        sumAndStore(ctx, y, rows, accumulate, lanes, WeightDecode.q4kDot(w, powers, ctx.groupIdx, cols, x, ctx.groupIdy * cols, ctx.localIdx, lanes));
    }

    static void matmulQ6_K(KernelContext ctx, ByteArray w, FloatArray wf, FloatArray powers, FloatArray x, FloatArray y,
                           int rows, int cols, int accumulate, int lanes) {
        sumAndStore(ctx, y, rows, accumulate, lanes, WeightDecode.q6kDot(w, powers, ctx.groupIdx, cols, x, ctx.groupIdy * cols, ctx.localIdx, lanes));
    }

    /** Adds the work-group's shares in local memory; thread 0 stores (or adds) y[t][row]. */
    static void sumAndStore(KernelContext ctx, FloatArray y, int rows, int accumulate, int lanes, float share) {
        int lane = ctx.localIdx;
        float[] partial = ctx.allocateFloatLocalArray(MAX_LANES);
        partial[lane] = share;
        ctx.localBarrier();
        for (int stride = lanes / 2; stride > 0; stride >>= 1) {
            if (lane < stride) partial[lane] += partial[lane + stride];
            ctx.localBarrier();
        }
        if (lane == 0) {
            int at = ctx.groupIdy * rows + ctx.groupIdx;
            y.set(at, accumulate == 1 ? y.get(at) + partial[0] : partial[0]);
        }
    }

    /**
     * The adapters' second half: {@code y[t][o] += Σ_k B[o][k] · z[t][k]} over the packed ranks of
     * every resident adapter of this projection, where {@code z = mix(A·x)} (see
     * {@link #mixed}). B's columns of dense adapters come first, {@code denseRank} of them, stored
     * rows × denseRank; the sparse adapters' columns follow as compressed rows (rowStart, columns,
     * values). One thread per output element.
     */
    static void lowRankUp(KernelContext ctx, FloatArray ax, FloatArray coefficients, IntArray blocks, FloatArray denseB,
                          IntArray rowStart, IntArray columns, FloatArray values, FloatArray y,
                          int coefficientBase, int adapters, int blockCount, int rank, int denseRank, int rows) {
        int o = ctx.globalIdx;
        int t = ctx.globalIdy;
        int axBase = t * rank;
        float sum = 0f;
        for (int k = 0; k < denseRank; k++) {
            sum += denseB.get(o * denseRank + k) * mixed(ax, coefficients, blocks, coefficientBase, adapters, blockCount, axBase, k);
        }
        for (int e = rowStart.get(o); e < rowStart.get(o + 1); e++) {
            sum += values.get(e) * mixed(ax, coefficients, blocks, coefficientBase, adapters, blockCount, axBase, columns.get(e));
        }
        int at = t * rows + o;
        y.set(at, y.get(at) + sum);
    }

    /**
     * Rank k of the mix: {@code z_k = Σ_b C[adapter(k)][adapter(b)] · (A_b·x)[rel]} with rel = k's
     * index within its own block. Blocks are (start, rank, adapter) triples; C holds this
     * projection's adapters × adapters coefficients (diagonal for cat; PEFT's √(w·s) products for
     * linear, whose ranks are equal).
     */
    static float mixed(FloatArray ax, FloatArray coefficients, IntArray blocks, int coefficientBase, int adapters,
                       int blockCount, int axBase, int k) {
        int own = 0;
        for (int b = 1; b < blockCount; b++) if (k >= blocks.get(3 * b)) own = b;
        int rel = k - blocks.get(3 * own);
        int row = coefficientBase + blocks.get(3 * own + 2) * adapters;
        float z = 0f;
        for (int b = 0; b < blockCount; b++) {
            float c = coefficients.get(row + blocks.get(3 * b + 2));
            if (c != 0f && rel < blocks.get(3 * b + 1)) z += c * ax.get(axBase + blocks.get(3 * b) + rel);
        }
        return z;
    }
}
