package dev.lorillama.train;

/**
 * LoRI's optimizer for one parameter tensor (src/apply_mask_in_backward.py::MaskedAdamW, run per
 * parameter "in backward"), in torch 1.13+'s arithmetic:
 * <ol>
 *   <li>masked-out gradient entries are set to 0 (LoRI-S), so with no weight decay those entries
 *       never move: a B that starts at 0 stays exactly 0 there;</li>
 *   <li>{@code clip_grad_norm_} on this tensor alone: {@code g *= min(1, maxNorm / (‖g‖₂ + 1e−6))};</li>
 *   <li>AdamW: {@code p *= 1 − lr·wd}; {@code m = β1·m + (1−β1)·g}; {@code v = β2·v + (1−β2)·g²};
 *       {@code p −= lr/(1−β1^t) · m / (√v/√(1−β2^t) + ε)};</li>
 *   <li>its LambdaLR: the step {@code k} (from 0) runs at {@code lr·min(1, (k+1)/(warmup+1))}.</li>
 * </ol>
 */
public final class MaskedAdamW {
    /** Hyperparameters shared by every parameter's optimizer. */
    public record Settings(double lr, double beta1, double beta2, double eps, double weightDecay, int warmupSteps, double maxGradNorm) {
        /** LoRI's: lr 5e-5, betas (0.9, 0.999), eps 1e-8, no weight decay, no warm-up, clip at 1. */
        public static Settings lori() {
            return new Settings(5e-5, 0.9, 0.999, 1e-8, 0, 0, 1.0);
        }

        /** The learning rate of step {@code step} (0-based). */
        public double lrAt(long step) {
            return lr * Math.min(1.0, (step + 1.0) / (warmupSteps + 1.0));
        }
    }

    private final Settings settings;
    private final boolean[] mask; // null: every entry trains
    final float[] m;
    final float[] v;
    long step;

    public MaskedAdamW(Settings settings, int size, boolean[] mask) {
        if (mask != null && mask.length != size) throw new IllegalArgumentException("mask of " + mask.length + " for " + size + " entries");
        this.settings = settings;
        this.mask = mask;
        this.m = new float[size];
        this.v = new float[size];
    }

    /** One step: updates {@code param} from {@code grad} (which it masks and clips in place). */
    public void step(float[] param, float[] grad) {
        if (mask != null) for (int i = 0; i < grad.length; i++) if (!mask[i]) grad[i] = 0f;
        clip(grad, settings.maxGradNorm());
        float lr = (float) settings.lrAt(step);
        step++;
        float beta1 = (float) settings.beta1(), beta2 = (float) settings.beta2();
        float decay = 1f - lr * (float) settings.weightDecay();
        double bias1 = 1 - Math.pow(settings.beta1(), step), bias2Sqrt = Math.sqrt(1 - Math.pow(settings.beta2(), step));
        float stepSize = (float) (lr / bias1), bias2 = (float) bias2Sqrt, eps = (float) settings.eps();
        for (int i = 0; i < param.length; i++) {
            float g = grad[i];
            param[i] *= decay;
            m[i] += (g - m[i]) * (1f - beta1);
            v[i] = v[i] * beta2 + (1f - beta2) * g * g;
            param[i] -= stepSize * (m[i] / ((float) Math.sqrt(v[i]) / bias2 + eps));
        }
    }

    /** torch.nn.utils.clip_grad_norm_ on one tensor (the coefficient is applied even when it is 1). */
    static void clip(float[] grad, double maxNorm) {
        if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) return;
        double sumSquares = 0;
        for (float g : grad) sumSquares += (double) g * g;
        float coefficient = (float) Math.min(1.0, maxNorm / (Math.sqrt(sumSquares) + 1e-6));
        for (int i = 0; i < grad.length; i++) grad[i] *= coefficient;
    }

    public long steps() {
        return step;
    }
}
