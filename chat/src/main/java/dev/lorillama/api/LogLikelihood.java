package dev.lorillama.api;

/**
 * How likely the model finds a continuation after a context (as lm-evaluation-harness scores
 * multiple-choice answers: compare {@link #sum()} across the choices).
 *
 * @param sum            Σ log p(continuation token | everything before it), natural log
 * @param tokenLogProbs  the log-probability of each continuation token
 * @param greedy         whether every continuation token is the model's argmax at its position
 */
public record LogLikelihood(double sum, double[] tokenLogProbs, boolean greedy) {}
