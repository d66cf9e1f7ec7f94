package dev.lorillama.train;

/**
 * One supervised example as LoRI trains on it: the prompt's tokens then the response's (ending
 * with EOS). The loss covers the response only: the labels of the first {@code promptLength}
 * tokens are −100, so token {@code t+1} is predicted (and scored) from position {@code t} for
 * {@code t+1 ≥ promptLength}.
 */
public record SftExample(int[] tokens, int promptLength) {
    public SftExample {
        if (promptLength < 1 || promptLength >= tokens.length) {
            throw new IllegalArgumentException("an example needs a prompt and a response: prompt " + promptLength + " of " + tokens.length + " tokens");
        }
    }

    /** Tokens whose log-probability the loss sums. */
    public int responseLength() {
        return tokens.length - promptLength;
    }
}
