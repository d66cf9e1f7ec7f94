package dev.lorillama.tokenizer;

import java.util.Arrays;

/**
 * Finds the token whose bytes equal a slice of a byte array, without making a key object: the
 * encoder asks this for every piece of text ("is the whole piece one token?").
 */
final class BytesToId {
    private final byte[][] tokenBytes;
    private final int[] slots;  // id + 1, 0 = empty
    private final int[] hashes; // full hash of each slot's token: most misses end here, not in a byte compare
    private final int mask;

    /** Indexes every non-null entry of {@code tokenBytes}; on duplicates the lowest id wins. */
    BytesToId(byte[][] tokenBytes) {
        this.tokenBytes = tokenBytes;
        int capacity = Integer.highestOneBit(Math.max(16, tokenBytes.length * 2 - 1)) << 1;
        slots = new int[capacity];
        hashes = new int[capacity];
        mask = capacity - 1;
        for (int id = 0; id < tokenBytes.length; id++) {
            byte[] b = tokenBytes[id];
            if (b == null) continue;
            int h = hash(b, 0, b.length);
            int slot = h & mask;
            boolean duplicate = false;
            while (slots[slot] != 0) {
                if (Arrays.equals(tokenBytes[slots[slot] - 1], b)) { duplicate = true; break; }
                slot = (slot + 1) & mask;
            }
            if (!duplicate) {
                slots[slot] = id + 1;
                hashes[slot] = h;
            }
        }
    }

    /** The id of the token spelled by {@code bytes[from, to)}, or -1. */
    int get(byte[] bytes, int from, int to) {
        int h = hash(bytes, from, to);
        int slot = h & mask;
        int entry;
        while ((entry = slots[slot]) != 0) {
            if (hashes[slot] == h) {
                byte[] candidate = tokenBytes[entry - 1];
                if (Arrays.equals(candidate, 0, candidate.length, bytes, from, to)) return entry - 1;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    private static int hash(byte[] b, int from, int to) {
        int h = 0x811C9DC5;
        for (int i = from; i < to; i++) h = (h ^ (b[i] & 0xFF)) * 0x01000193;
        return h ^ (h >>> 16);
    }
}
