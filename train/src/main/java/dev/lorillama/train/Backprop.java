package dev.lorillama.train;

import dev.lorillama.runtime.model.ActivationTape;
import dev.lorillama.runtime.model.Batch;
import dev.lorillama.runtime.model.InferenceState;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaModel;

/**
 * One sequence through the model and back: the forward pass records its activations, the SFT
 * loss gives the logits' gradient, and the backward pass adds the gradient of the sequence's
 * weighted loss into the adapter's factors. Buffers are made once for the longest sequence.
 */
public final class Backprop {
    private final LlamaModel model;
    private final LinearProvider linears;
    private final InferenceState sequence;
    private final Batch batch;
    private final float[] dLogits;
    private final int maxTokens;

    public Backprop(LlamaModel model, TrainableAdapter adapter, int maxTokens) {
        this.model = model;
        this.linears = adapter.linears(model);
        this.maxTokens = maxTokens;
        this.sequence = new InferenceState(model, maxTokens, maxTokens);
        this.batch = model.newBatch(maxTokens);
        this.batch.record(new ActivationTape(model.config(), maxTokens));
        this.dLogits = new float[maxTokens * model.config().vocabSize()];
    }

    /**
     * Adds the gradient of {@code weight · loss(e)} to the adapter's gradients; returns the loss
     * (the sum of −log p over the response tokens).
     */
    public double accumulate(SftExample e, double weight) {
        int n = e.tokens().length;
        if (n > maxTokens) throw new IllegalArgumentException(n + " tokens, at most " + maxTokens);
        sequence.reset();
        batch.clear();
        batch.add(sequence, e.tokens(), 0, n, linears, true);
        model.forward(batch);
        double loss = SftLoss.lossAndGradient(batch.logits(), e, model.config().vocabSize(), weight, dLogits);
        model.backward(batch, dLogits, SftLoss.firstScoredRow(e));
        batch.clear();
        return loss;
    }
}
