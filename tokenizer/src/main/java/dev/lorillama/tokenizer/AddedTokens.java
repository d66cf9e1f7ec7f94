package dev.lorillama.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens in text: at each position the longest token that matches there, at the
 * leftmost position where any does (what Hugging Face's added-vocabulary matcher does). A bit per
 * first character keeps the scan to one table lookup per character of ordinary text.
 */
final class AddedTokens {
    private final Map<String, AddedToken> byContent = new HashMap<>();
    private final Map<Integer, AddedToken> byId = new HashMap<>();
    private final BitSet firstChars = new BitSet(1 << 16);
    private final Map<Character, AddedToken[]> byFirstChar = new HashMap<>(); // longest first

    AddedTokens(Collection<AddedToken> tokens) {
        Map<Character, List<AddedToken>> groups = new HashMap<>();
        for (AddedToken t : tokens) {
            if (t.content().isEmpty()) continue;
            byContent.putIfAbsent(t.content(), t);
            byId.putIfAbsent(t.id(), t);
            char first = t.content().charAt(0);
            firstChars.set(first);
            groups.computeIfAbsent(first, c -> new ArrayList<>()).add(t);
        }
        groups.forEach((c, list) -> {
            AddedToken[] sorted = list.toArray(new AddedToken[0]);
            Arrays.sort(sorted, Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed());
            byFirstChar.put(c, sorted);
        });
    }

    AddedToken byContent(String content) {
        return byContent.get(content);
    }

    AddedToken byId(int id) {
        return byId.get(id);
    }

    Collection<AddedToken> all() {
        return byId.values();
    }

    /**
     * The first added token in {@code text[from, text.length())}, skipping special ones unless
     * {@code includeSpecial}; its start is written to {@code start[0]}. Null when there is none.
     */
    AddedToken find(String text, int from, boolean includeSpecial, int[] start) {
        if (byContent.isEmpty()) return null;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!firstChars.get(c)) continue;
            for (AddedToken t : byFirstChar.get(c)) {
                if ((includeSpecial || !t.special()) && text.startsWith(t.content(), i)) {
                    start[0] = i;
                    return t;
                }
            }
        }
        return null;
    }
}
