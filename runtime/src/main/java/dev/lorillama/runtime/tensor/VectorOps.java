package dev.lorillama.runtime.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** SIMD loops over activation arrays (the weights' loops are in the matrix classes). */
public final class VectorOps {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private VectorOps() {}

    /** Σ a[ao+i]·b[bo+i] for i < n. */
    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += a[ao + i] * b[bo + i];
        return sum;
    }

    /** Σ x[xo+i] for i < n. */
    public static float sum(float[] x, int xo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) acc = acc.add(FloatVector.fromArray(F, x, xo + i));
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += x[xo + i];
        return sum;
    }

    /**
     * sums[s+j] += Σ_i w[i]·x[xo + j·stride + i] for j < 4, i < n: four dot products sharing one
     * load of w.
     */
    public static void dot4(float[] w, float[] x, int xo, int stride, int n, float[] sums, int s) {
        int o0 = xo, o1 = xo + stride, o2 = o1 + stride, o3 = o2 + stride;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector wv = FloatVector.fromArray(F, w, i);
            a0 = wv.fma(FloatVector.fromArray(F, x, o0 + i), a0);
            a1 = wv.fma(FloatVector.fromArray(F, x, o1 + i), a1);
            a2 = wv.fma(FloatVector.fromArray(F, x, o2 + i), a2);
            a3 = wv.fma(FloatVector.fromArray(F, x, o3 + i), a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s0 += w[i] * x[o0 + i];
            s1 += w[i] * x[o1 + i];
            s2 += w[i] * x[o2 + i];
            s3 += w[i] * x[o3 + i];
        }
        sums[s] += s0;
        sums[s + 1] += s1;
        sums[s + 2] += s2;
        sums[s + 3] += s3;
    }

    /** y[yo+i] += alpha·x[xo+i] for i < n. */
    public static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).fma(FloatVector.broadcast(F, alpha), FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }

    /**
     * out[oo+i] = Σ_{p<count} w[p]·rows[ro + p·stride + i] for i < n: attention's weighted sum of
     * value rows. The sums stay in registers across all rows (four vectors of them at a time, four
     * independent FMA chains), where an axpy per row would store and reload them every time.
     */
    public static void weightedRows(float[] w, int count, float[] rows, int ro, int stride, float[] out, int oo, int n) {
        int l = F.length(), i = 0;
        for (; i + 4 * l <= n; i += 4 * l) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int p = 0, o = ro + i; p < count; p++, o += stride) {
                FloatVector weight = FloatVector.broadcast(F, w[p]);
                a0 = FloatVector.fromArray(F, rows, o).fma(weight, a0);
                a1 = FloatVector.fromArray(F, rows, o + l).fma(weight, a1);
                a2 = FloatVector.fromArray(F, rows, o + 2 * l).fma(weight, a2);
                a3 = FloatVector.fromArray(F, rows, o + 3 * l).fma(weight, a3);
            }
            a0.intoArray(out, oo + i);
            a1.intoArray(out, oo + i + l);
            a2.intoArray(out, oo + i + 2 * l);
            a3.intoArray(out, oo + i + 3 * l);
        }
        for (; i + l <= n; i += l) {
            FloatVector a = FloatVector.zero(F);
            for (int p = 0, o = ro + i; p < count; p++, o += stride) a = FloatVector.fromArray(F, rows, o).fma(FloatVector.broadcast(F, w[p]), a);
            a.intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            float sum = 0;
            for (int p = 0; p < count; p++) sum += w[p] * rows[ro + p * stride + i];
            out[oo + i] = sum;
        }
    }

    /** x[i] = exp(x[i] − max) for i < n, in place; returns their sum (a softmax's numerators and denominator). */
    public static float expMinus(float[] x, int n, float max) {
        FloatVector sums = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector e = FloatVector.fromArray(F, x, i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(x, i);
            sums = sums.add(e);
        }
        float sum = sums.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        return sum;
    }

    /** x[xo+i] *= alpha for i < n. */
    public static void scale(float[] x, int xo, float alpha, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).mul(alpha).intoArray(x, xo + i);
        }
        for (; i < n; i++) x[xo + i] *= alpha;
    }

    /** x[i] += d[i] for i < n. */
    public static void add(float[] x, float[] d, int from, int to) {
        int i = from;
        for (int upper = from + F.loopBound(to - from); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, i).add(FloatVector.fromArray(F, d, i)).intoArray(x, i);
        }
        for (; i < to; i++) x[i] += d[i];
    }

    /** out[oo+i] = x[xo+i]·scale·w[i] for i < n: the second half of RMSNorm. */
    public static void scaleByWeights(float[] out, int oo, float[] x, int xo, float scale, float[] w, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).mul(scale).mul(FloatVector.fromArray(F, w, i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = x[xo + i] * scale * w[i];
    }

    /** gate[i] = silu(gate[i])·up[i] = gate[i]/(1+e^−gate[i])·up[i] for i in [from, to). */
    public static void swiglu(float[] gate, float[] up, int from, int to) {
        int i = from;
        for (int upper = from + F.loopBound(to - from); i < upper; i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            FloatVector sigmoid = g.neg().lanewise(VectorOperators.EXP).add(1f);
            g.div(sigmoid).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < to; i++) gate[i] = gate[i] / (1f + (float) Math.exp(-gate[i])) * up[i];
    }
}
