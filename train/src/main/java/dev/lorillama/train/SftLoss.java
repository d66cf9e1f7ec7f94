package dev.lorillama.train;

/**
 * LoRI's SFT loss for one sequence (src/mask_trainers.py::_get_batch_logps with
 * average_log_prob=False): the SUM over response tokens of −log p(token | everything before it),
 * logits of row t scoring token t+1. Its gradient with respect to row t's logits is
 * {@code softmax − onehot(token t+1)}, times the weight the sequence has in the batch's mean.
 */
final class SftLoss {
    private SftLoss() {}

    /** The first logits row the loss reads: the prompt's last token predicts the response's first. */
    static int firstScoredRow(SftExample e) {
        return e.promptLength() - 1;
    }

    /**
     * Returns the sequence's loss and writes into {@code dLogits} (rows {@link #firstScoredRow}
     * .. T−1, the last row's gradient zero: it predicts nothing) the gradient of
     * {@code weight · loss}. {@code logits} holds every row of the sequence (T × vocab).
     */
    static double lossAndGradient(float[] logits, SftExample e, int vocab, double weight, float[] dLogits) {
        int[] tokens = e.tokens();
        int first = firstScoredRow(e), last = tokens.length - 1;
        double loss = 0;
        for (int t = first; t < last; t++) {
            int row = t * vocab, out = (t - first) * vocab;
            float max = Float.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) max = Math.max(max, logits[row + v]);
            double sum = 0;
            for (int v = 0; v < vocab; v++) sum += Math.exp(logits[row + v] - max);
            double logSum = Math.log(sum) + max;
            int target = tokens[t + 1];
            loss += logSum - logits[row + target];
            for (int v = 0; v < vocab; v++) dLogits[out + v] = (float) (weight * Math.exp(logits[row + v] - logSum));
            dLogits[out + target] -= (float) weight;
        }
        java.util.Arrays.fill(dLogits, (last - first) * vocab, (last - first + 1) * vocab, 0f);
        return loss;
    }
}
