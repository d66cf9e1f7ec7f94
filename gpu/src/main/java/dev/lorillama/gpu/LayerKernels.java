package dev.lorillama.gpu;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.common.TornadoFunctions;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Device code: the steps of the forward pass other than the weight products, each the twin of
 * the CPU backend's operation of the same name ({@code CpuBackend}), which tests compare them with.
 * Activations are tokens × width, token t of this pass at position {@code step[POSITION] + t}.
 */
final class LayerKernels {
    private LayerKernels() {}

    /** A kernel {@code (ctx, w, wf, powers, tokens, x, dim)}: one per embedding format. */
    interface Embed extends TornadoFunctions.Task7<KernelContext, ByteArray, FloatArray, FloatArray, IntArray, FloatArray, Integer> {}

    static Embed embedFor(int format) {
        return switch (format) {
            case WeightDecode.F32 -> LayerKernels::embedF32;
            case WeightDecode.F16 -> LayerKernels::embedF16;
            case WeightDecode.BF16 -> LayerKernels::embedBF16;
            case WeightDecode.Q8_0 -> LayerKernels::embedQ8_0;
            case WeightDecode.Q4_0 -> LayerKernels::embedQ4_0;
            case WeightDecode.Q4_K -> LayerKernels::embedQ4_K;
            case WeightDecode.Q6_K -> LayerKernels::embedQ6_K;
            default -> throw new IllegalArgumentException("no GPU kernel for ggml type " + format);
        };
    }

    // x[t] = E[token_t], decoded from the embedding table's format. Thread (column, token).

    static void embedF32(KernelContext ctx, ByteArray w, FloatArray wf, FloatArray powers, IntArray tokens, FloatArray x, int dim) {
        x.set(ctx.globalIdy * dim + ctx.globalIdx, wf.get(tokens.get(ctx.globalIdy) * dim + ctx.globalIdx));
    }

    static void embedF16(KernelContext ctx, ByteArray w, FloatArray wf, FloatArray powers, IntArray tokens, FloatArray x, int dim) {
        x.set(ctx.globalIdy * dim + ctx.globalIdx, WeightDecode.f16Element(w, powers, tokens.get(ctx.globalIdy) * dim + ctx.globalIdx));
    }

    static void embedBF16(KernelContext ctx, ByteArray w, FloatArray wf, FloatArray powers, IntArray tokens, FloatArray x, int dim) {
        x.set(ctx.globalIdy * dim + ctx.globalIdx, WeightDecode.bf16Element(w, powers, tokens.get(ctx.globalIdy) * dim + ctx.globalIdx));
    }

    static void embedQ8_0(KernelContext ctx, ByteArray w, FloatArray wf, FloatArray powers, IntArray tokens, FloatArray x, int dim) {
        x.set(ctx.globalIdy * dim + ctx.globalIdx, WeightDecode.q8Element(w, powers, tokens.get(ctx.globalIdy) * dim + ctx.globalIdx));
    }

    static void embedQ4_0(KernelContext ctx, ByteArray w, FloatArray wf, FloatArray powers, IntArray tokens, FloatArray x, int dim) {
        x.set(ctx.globalIdy * dim + ctx.globalIdx, WeightDecode.q4Element(w, powers, tokens.get(ctx.globalIdy) * dim + ctx.globalIdx));
    }

    static void embedQ4_K(KernelContext ctx, ByteArray w, FloatArray wf, FloatArray powers, IntArray tokens, FloatArray x, int dim) {
        x.set(ctx.globalIdy * dim + ctx.globalIdx, WeightDecode.q4kElement(w, powers, tokens.get(ctx.globalIdy) * dim + ctx.globalIdx));
    }

    static void embedQ6_K(KernelContext ctx, ByteArray w, FloatArray wf, FloatArray powers, IntArray tokens, FloatArray x, int dim) {
        x.set(ctx.globalIdy * dim + ctx.globalIdx, WeightDecode.q6kElement(w, powers, tokens.get(ctx.globalIdy) * dim + ctx.globalIdx));
    }

    /**
     * {@code out[t] = x[src] / sqrt(mean(x[src]²) + eps) ⊙ weight} with src = t, or (the final
     * norm, {@code fromStep} = 1) t + step[HEAD_FROM], so the LM head sees only the rows wanted.
     * One work-group of {@code lanes} threads per token.
     */
    static void rmsNorm(KernelContext ctx, FloatArray x, FloatArray weight, FloatArray out, IntArray step, int fromStep,
                        int dim, float eps, int lanes) {
        int t = ctx.groupIdy;
        int lane = ctx.localIdx;
        int src = (t + (fromStep == 1 ? step.get(Step.HEAD_FROM) : 0)) * dim;
        float[] partial = ctx.allocateFloatLocalArray(MatMulKernels.MAX_LANES);
        float squares = 0f;
        for (int i = lane; i < dim; i += lanes) squares += x.get(src + i) * x.get(src + i);
        partial[lane] = squares;
        ctx.localBarrier();
        for (int stride = lanes / 2; stride > 0; stride >>= 1) {
            if (lane < stride) partial[lane] += partial[lane + stride];
            ctx.localBarrier();
        }
        float scale = 1f / TornadoMath.sqrt(partial[0] / dim + eps);
        for (int i = lane; i < dim; i += lanes) out.set(t * dim + i, x.get(src + i) * scale * weight.get(i));
    }

    /**
     * RoPE on the queries and keys of this pass, and the keys and values stored in the sequence's
     * KV cache. Frequency i rotates the pair (first, first + partner) with first = i·pairStride:
     * (i, i + hd/2) in Hugging Face's layout, (2i, 2i+1) in GGUF's interleaved one. Thread
     * (head·hd/2 + i, token) over the query heads then the key heads.
     */
    static void ropeAndStore(KernelContext ctx, FloatArray q, FloatArray k, FloatArray v, FloatArray cos, FloatArray sin,
                             FloatArray keyCache, FloatArray valueCache, IntArray step,
                             int heads, int kvHeads, int headDim, int pairStride, int partner, int contextLength) {
        int g = ctx.globalIdx;
        int t = ctx.globalIdy;
        int half = headDim / 2;
        int h = g / half, i = g % half;
        int pos = step.get(Step.POSITION) + t;
        float c = cos.get(pos * half + i), s = sin.get(pos * half + i);
        int first = i * pairStride, second = first + partner;
        if (h < heads) {
            int base = (t * heads + h) * headDim;
            float x0 = q.get(base + first), x1 = q.get(base + second);
            q.set(base + first, x0 * c - x1 * s);
            q.set(base + second, x1 * c + x0 * s);
        } else {
            int kh = h - heads;
            int base = (t * kvHeads + kh) * headDim;
            int cached = ((step.get(Step.SLOT) * contextLength + pos) * kvHeads + kh) * headDim;
            float x0 = k.get(base + first), x1 = k.get(base + second);
            keyCache.set(cached + first, x0 * c - x1 * s);
            keyCache.set(cached + second, x1 * c + x0 * s);
            valueCache.set(cached + first, v.get(base + first));
            valueCache.set(cached + second, v.get(base + second));
        }
    }

    /**
     * Causal grouped-query attention: query head h of token t attends over the cached positions
     * 0 .. its own, of the kv head serving it. One work-group per (head, token): its threads share
     * the positions (scores q·k/√d into {@code scores}), find the max and the sum of exp in local
     * memory, then share the output elements.
     */
    static void attention(KernelContext ctx, FloatArray q, FloatArray keyCache, FloatArray valueCache, FloatArray scores,
                          FloatArray out, IntArray step, int heads, int kvHeads, int headDim, int contextLength,
                          float invSqrtDim, int lanes) {
        int h = ctx.groupIdx;
        int t = ctx.groupIdy;
        int lane = ctx.localIdx;
        float[] partial = ctx.allocateFloatLocalArray(MatMulKernels.MAX_LANES);
        int visible = step.get(Step.POSITION) + t + 1;
        int kvDim = kvHeads * headDim;
        int cacheBase = step.get(Step.SLOT) * contextLength * kvDim + (h / (heads / kvHeads)) * headDim;
        int qBase = (t * heads + h) * headDim;
        int sBase = (t * heads + h) * contextLength;

        float max = -3.0e38f;
        for (int p = lane; p < visible; p += lanes) {
            float dot = 0f;
            for (int d = 0; d < headDim; d++) dot += q.get(qBase + d) * keyCache.get(cacheBase + p * kvDim + d);
            float s = dot * invSqrtDim;
            scores.set(sBase + p, s);
            max = TornadoMath.max(max, s);
        }
        partial[lane] = max;
        ctx.localBarrier();
        for (int stride = lanes / 2; stride > 0; stride >>= 1) {
            if (lane < stride) partial[lane] = TornadoMath.max(partial[lane], partial[lane + stride]);
            ctx.localBarrier();
        }
        max = partial[0];
        ctx.localBarrier();

        float sum = 0f;
        for (int p = lane; p < visible; p += lanes) {
            float e = TornadoMath.exp(scores.get(sBase + p) - max);
            scores.set(sBase + p, e);
            sum += e;
        }
        partial[lane] = sum;
        ctx.globalBarrier(); // every thread's exponentials (global memory) are read by all below
        ctx.localBarrier();
        for (int stride = lanes / 2; stride > 0; stride >>= 1) {
            if (lane < stride) partial[lane] += partial[lane + stride];
            ctx.localBarrier();
        }
        float inverseSum = 1f / partial[0];

        for (int d = lane; d < headDim; d += lanes) {
            float acc = 0f;
            for (int p = 0; p < visible; p++) acc += scores.get(sBase + p) * valueCache.get(cacheBase + p * kvDim + d);
            out.set(qBase + d, acc * inverseSum);
        }
    }

    /** {@code gate[i] = silu(gate[i]) · up[i]}: SwiGLU's gating. Thread (element, token). */
    static void swiglu(KernelContext ctx, FloatArray gate, FloatArray up, int width) {
        int i = ctx.globalIdy * width + ctx.globalIdx;
        float g = gate.get(i);
        gate.set(i, g / (1f + TornadoMath.exp(-g)) * up.get(i));
    }
}
