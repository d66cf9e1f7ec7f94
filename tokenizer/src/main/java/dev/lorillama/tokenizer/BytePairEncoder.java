package dev.lorillama.tokenizer;

import java.util.Arrays;

/**
 * Byte-level BPE over one piece of text: start from one token per byte and repeatedly merge the
 * adjacent pair with the lowest rank (the leftmost among equals) until no rule applies. With
 * {@code ignoreMerges} (Llama 3 sets it) a piece that is itself a token is taken whole first,
 * as tiktoken does.
 *
 * <p>The pending merges sit in a min-heap of (rank, position) over a linked list of symbols, so a
 * long piece (a run of 3,000 spaces) costs n log n, not n². Immutable; all scratch space lives in
 * a {@link Scratch} owned by one encode call, so concurrent calls are safe.
 */
final class BytePairEncoder {
    private static final int DEAD = -1;

    private final BytesToId tokens;
    private final MergeTable merges;
    private final int[] byteTokens = new int[256];
    private final boolean ignoreMerges;

    BytePairEncoder(byte[][] tokenBytes, MergeTable merges, boolean ignoreMerges) {
        this.tokens = new BytesToId(tokenBytes);
        this.merges = merges;
        this.ignoreMerges = ignoreMerges;
        byte[] one = new byte[1];
        for (int b = 0; b < 256; b++) {
            one[0] = (byte) b;
            byteTokens[b] = tokens.get(one, 0, 1);
        }
    }

    /** The first byte that has no token of its own, or -1: byte-level BPE needs one for each of the 256. */
    int missingByte() {
        for (int b = 0; b < 256; b++) if (byteTokens[b] < 0) return b;
        return -1;
    }

    /** Appends the ids of {@code bytes[0, length)} to {@code out}. */
    void encode(byte[] bytes, int length, IntList out, Scratch s) {
        if (ignoreMerges || length == 1) {
            int whole = tokens.get(bytes, 0, length);
            if (whole >= 0) {
                out.add(whole);
                return;
            }
        }
        s.ensure(length);
        int[] ids = s.ids, prev = s.prev, next = s.next;
        for (int i = 0; i < length; i++) {
            int id = byteTokens[bytes[i] & 0xFF];
            if (id < 0) throw new IllegalStateException(String.format("byte 0x%02X has no token in this vocabulary", bytes[i] & 0xFF));
            ids[i] = id;
            prev[i] = i - 1;
            next[i] = i + 1 < length ? i + 1 : -1;
        }
        s.heapSize = 0;
        for (int i = 0; i < length; i++) pairChanged(s, i);

        while (s.heapSize > 0) {
            long top = pop(s);
            int rank = (int) (top >>> 32), pos = (int) top;
            if (ids[pos] == DEAD || s.pairRank[pos] != rank) continue; // stale: this pair has changed since
            int right = next[pos];
            ids[pos] = s.pairMerged[pos];
            ids[right] = DEAD;
            int after = next[right];
            next[pos] = after;
            if (after >= 0) prev[after] = pos;
            if (prev[pos] >= 0) pairChanged(s, prev[pos]);
            pairChanged(s, pos);
        }
        for (int i = 0; i >= 0; i = next[i]) out.add(ids[i]);
    }

    /** Looks up the rule for the pair that starts at {@code pos} and queues it; remembers it for the staleness check. */
    private void pairChanged(Scratch s, int pos) {
        int right = s.next[pos];
        long rule = right < 0 ? MergeTable.ABSENT : merges.get(s.ids[pos], s.ids[right]);
        if (rule == MergeTable.ABSENT) {
            s.pairRank[pos] = -1;
            return;
        }
        int rank = MergeTable.rank(rule);
        s.pairRank[pos] = rank;
        s.pairMerged[pos] = MergeTable.merged(rule);
        long entry = ((long) rank << 32) | pos;
        long[] heap = s.heap;
        if (s.heapSize == heap.length) heap = s.heap = Arrays.copyOf(heap, heap.length * 2);
        int i = s.heapSize++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= entry) break;
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = entry;
    }

    private static long pop(Scratch s) {
        long[] heap = s.heap;
        long top = heap[0];
        long last = heap[--s.heapSize];
        int n = s.heapSize, i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= n) break;
            if (child + 1 < n && heap[child + 1] < heap[child]) child++;
            if (heap[child] >= last) break;
            heap[i] = heap[child];
            i = child;
        }
        if (n > 0) heap[i] = last;
        return top;
    }

    /** Work arrays for one thread's encode call, grown as pieces get longer. */
    static final class Scratch {
        int[] ids = new int[64], prev = new int[64], next = new int[64];
        int[] pairRank = new int[64], pairMerged = new int[64]; // the rule of the pair starting at each symbol
        long[] heap = new long[64];
        int heapSize;

        void ensure(int length) {
            if (ids.length >= length) return;
            int n = Math.max(length, ids.length * 2);
            ids = new int[n];
            prev = new int[n];
            next = new int[n];
            pairRank = new int[n];
            pairMerged = new int[n];
        }
    }
}
