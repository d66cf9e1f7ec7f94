package dev.lorillama.api;

import java.util.List;

/**
 * Cuts a stream of text at the first stop string. Text that might be the start of a stop string
 * is held back until the next piece shows whether it is, so nothing of a stop string ever reaches
 * the listener.
 */
final class StopStrings {
    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private boolean stopped;

    StopStrings(List<String> stops) {
        this.stops = stops;
    }

    /** The part of {@code piece} (with what was held back) that is safe to emit now. */
    String accept(String piece) {
        if (stopped) return "";
        if (stops.isEmpty()) return piece;
        held.append(piece);
        int first = -1;
        for (String s : stops) {
            int at = held.indexOf(s);
            if (at >= 0 && (first < 0 || at < first)) first = at;
        }
        if (first >= 0) {
            stopped = true;
            String out = held.substring(0, first);
            held.setLength(0);
            return out;
        }
        int keep = longestSuffixThatStartsAStop();
        String out = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return out;
    }

    /** Whether a stop string was seen. */
    boolean stopped() {
        return stopped;
    }

    /** At the end of the stream: what was held back was not a stop string after all. */
    String flush() {
        String out = held.toString();
        held.setLength(0);
        return out;
    }

    private int longestSuffixThatStartsAStop() {
        String h = held.toString();
        int best = 0;
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, h.length()); k > best; k--) {
                if (h.regionMatches(h.length() - k, s, 0, k)) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }
}
