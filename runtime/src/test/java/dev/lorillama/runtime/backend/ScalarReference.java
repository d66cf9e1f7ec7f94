package dev.lorillama.runtime.backend;

/** Plain loops in double precision: the twins the optimised backend kernels are checked against. */
final class ScalarReference {
    private ScalarReference() {}

    static float[] rmsNorm(float[] x, float[] w, float eps, int tokens, int dim) {
        float[] out = new float[tokens * dim];
        for (int t = 0; t < tokens; t++) {
            double ss = 0;
            for (int i = 0; i < dim; i++) ss += (double) x[t * dim + i] * x[t * dim + i];
            double scale = 1 / Math.sqrt(ss / dim + eps);
            for (int i = 0; i < dim; i++) out[t * dim + i] = (float) (x[t * dim + i] * scale * w[i]);
        }
        return out;
    }

    /** HF rotate_half: out = v·cos + rotate_half(v)·sin, rotate_half([a, b]) = [−b, a]. */
    static float[] ropeHalves(float[] v, int tokens, int heads, int headDim, int startPos, double theta) {
        float[] out = v.clone();
        int half = headDim / 2;
        for (int t = 0; t < tokens; t++) {
            for (int h = 0; h < heads; h++) {
                int base = (t * heads + h) * headDim;
                for (int i = 0; i < headDim; i++) {
                    int f = i % half;
                    double angle = (startPos + t) * Math.pow(theta, -2.0 * f / headDim);
                    double rotated = i < half ? -v[base + i + half] : v[base + i - half];
                    out[base + i] = (float) (v[base + i] * Math.cos(angle) + rotated * Math.sin(angle));
                }
            }
        }
        return out;
    }

    static float[] attention(float[] q, float[] keys, float[] values, int tokens, int startPos, int heads, int kvHeads, int headDim) {
        float[] out = new float[tokens * heads * headDim];
        int kvStride = kvHeads * headDim;
        for (int t = 0; t < tokens; t++) {
            for (int h = 0; h < heads; h++) {
                int kvHead = h / (heads / kvHeads);
                int visible = startPos + t + 1;
                double[] scores = new double[visible];
                double max = Double.NEGATIVE_INFINITY;
                for (int p = 0; p < visible; p++) {
                    double s = 0;
                    for (int i = 0; i < headDim; i++) s += (double) q[(t * heads + h) * headDim + i] * keys[p * kvStride + kvHead * headDim + i];
                    scores[p] = s / Math.sqrt(headDim);
                    max = Math.max(max, scores[p]);
                }
                double sum = 0;
                for (int p = 0; p < visible; p++) sum += scores[p] = Math.exp(scores[p] - max);
                for (int i = 0; i < headDim; i++) {
                    double acc = 0;
                    for (int p = 0; p < visible; p++) acc += scores[p] / sum * values[p * kvStride + kvHead * headDim + i];
                    out[(t * heads + h) * headDim + i] = (float) acc;
                }
            }
        }
        return out;
    }

    static float[] swiglu(float[] gate, float[] up) {
        float[] out = new float[gate.length];
        for (int i = 0; i < gate.length; i++) out[i] = (float) (gate[i] / (1 + Math.exp(-gate[i])) * up[i]);
        return out;
    }
}
