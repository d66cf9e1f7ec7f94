package dev.lorillama.runtime.grammar;

import dev.lorillama.runtime.generate.LogitsHook;
import dev.lorillama.runtime.grammar.JsonMatcher.State;
import java.util.List;
import java.util.Set;

/**
 * Constrained decoding for one generation: before each token, every token that would not keep
 * the text a prefix of a valid document gets logit -infinity; a stop token is allowed exactly
 * when the document is whole, and nothing else is then. The reply therefore parses and
 * validates whenever it ends with a stop token (a reply cut by max_tokens is a prefix).
 */
final class JsonConstraint implements LogitsHook {
    private final JsonGrammar grammar;
    private final Set<Integer> stopTokens;
    private final boolean[] stop;
    private final byte[][] bytes;
    private List<State> position;

    JsonConstraint(JsonGrammar grammar, Set<Integer> stopTokens) {
        this.grammar = grammar;
        this.stopTokens = stopTokens;
        this.bytes = grammar.trie().tokenBytes();
        int most = stopTokens.stream().mapToInt(Integer::intValue).max().orElse(-1);
        this.stop = new boolean[most + 1];
        for (int id : stopTokens) if (id >= 0) stop[id] = true;
        this.position = grammar.start();
    }

    @Override
    public void beforeSampling(float[] logits, int vocab) {
        long[] allowed = grammar.allowed(position);
        boolean whole = JsonMatcher.complete(position);
        int known = Math.min(vocab, grammar.trie().vocabSize());
        boolean any = whole;
        for (int i = 0; i < vocab; i++) {
            boolean ok = i < known && (allowed[i >>> 6] & (1L << i)) != 0;
            if (!ok && !(whole && i < stop.length && stop[i])) logits[i] = Float.NEGATIVE_INFINITY;
            any |= ok;
        }
        if (!any) throw new IllegalStateException("no token of the vocabulary continues the JSON here (after " + position + ")");
    }

    @Override
    public void sampled(int token) {
        if (stopTokens.contains(token)) return;
        for (byte b : bytes[token]) position = JsonMatcher.advance(position, b & 0xFF);
        if (position.isEmpty()) throw new IllegalStateException("token " + token + " left the JSON grammar");
    }
}
