package dev.lorillama.runtime.grammar;

import dev.lorillama.runtime.generate.LogitsHook;
import dev.lorillama.runtime.grammar.JsonMatcher.State;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A JSON shape over one vocabulary: for a matcher position, the set of tokens whose bytes keep
 * the text a valid prefix ({@link #allowed}). Computed by walking the {@link TokenTrie} with the
 * matcher, and remembered per position: generation revisits the same positions (inside a string,
 * between properties of the same object), so most tokens cost a lookup. Shared by the
 * generations that use the same schema; safe from several threads.
 */
public final class JsonGrammar {
    /** Positions whose token sets are kept (each vocabSize / 8 bytes: 16 KB for Llama 3). */
    static final int CACHED_POSITIONS = 256;

    private final JsonShape shape;
    private final TokenTrie trie;
    private final Map<List<State>, long[]> cache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<State>, long[]> eldest) {
            return size() > CACHED_POSITIONS;
        }
    };
    private long walks;
    private long lookups;

    public JsonGrammar(JsonShape shape, TokenTrie trie) {
        this.shape = shape;
        this.trie = trie;
    }

    /** A constraint for one generation, ending with one of {@code stopTokens} once the document is whole. */
    public LogitsHook newConstraint(Set<Integer> stopTokens) {
        return new JsonConstraint(this, stopTokens);
    }

    List<State> start() {
        return JsonMatcher.start(shape);
    }

    TokenTrie trie() {
        return trie;
    }

    /** The tokens that may come at {@code position}, as a bit set over the vocabulary (do not modify). */
    long[] allowed(List<State> position) {
        synchronized (cache) {
            lookups++;
            long[] hit = cache.get(position);
            if (hit != null) return hit;
        }
        long[] allowed = new long[(trie.vocabSize() + 63) / 64];
        walk(trie.root(), position, allowed);
        synchronized (cache) {
            walks++;
            cache.put(position, allowed);
        }
        return allowed;
    }

    private void walk(int node, List<State> position, long[] allowed) {
        for (int c = trie.firstChild(node); c >= 0; c = trie.nextSibling(c)) {
            List<State> next = JsonMatcher.advance(position, trie.label(c));
            if (next.isEmpty()) continue;
            trie.markTokens(c, allowed);
            walk(c, next, allowed);
        }
    }

    /** How many positions were computed by walking the vocabulary, and how many were asked for (cache hits are the rest). */
    public long[] walksAndLookups() {
        synchronized (cache) {
            return new long[] {walks, lookups};
        }
    }
}
