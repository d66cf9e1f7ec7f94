package dev.lorillama.train;

import java.util.List;

/**
 * LoRI's example order, bit for bit (src/get_datasets.py::get_batch_iterator): under
 * {@code TemporarilySeededRandom(seed)} numpy draws a list of per-epoch seeds
 * ({@code np.random.randint(0, 2**32, size=1000000)}); each epoch then shuffles the examples with
 * Python's {@code random.shuffle} after {@code random.seed(epochSeed)}. Both generators are
 * MT19937: numpy seeds it with {@code init_genrand(seed)} and a 2^32 range takes raw 32-bit
 * outputs; CPython seeds it with {@code init_by_array} over the seed's 32-bit words and draws
 * {@code _randbelow(n)} as {@code getrandbits(n.bit_length())} until below n.
 */
final class PythonShuffle {
    private PythonShuffle() {}

    /** The seed numpy hands epoch {@code epoch} (0-based) for the data seed {@code seed} (LoRI: 0). */
    static long epochSeed(long seed, int epoch) {
        Mt19937 numpy = Mt19937.initGenrand((int) seed);
        long value = 0;
        for (int e = 0; e <= epoch; e++) value = numpy.next() & 0xFFFFFFFFL;
        return value;
    }

    /** {@code random.seed(seed); random.shuffle(items)} as CPython does it. */
    static <T> void shuffle(List<T> items, long seed) {
        Mt19937 python = Mt19937.initByArray(seed);
        for (int i = items.size() - 1; i > 0; i--) {
            int j = python.below(i + 1);
            T swap = items.get(i);
            items.set(i, items.get(j));
            items.set(j, swap);
        }
    }

    /** The Mersenne Twister MT19937 (Matsumoto and Nishimura), as both numpy and CPython use it. */
    static final class Mt19937 {
        private static final int N = 624, M = 397;
        private final int[] mt = new int[N];
        private int index = N;

        static Mt19937 initGenrand(int seed) {
            Mt19937 g = new Mt19937();
            g.mt[0] = seed;
            for (int i = 1; i < N; i++) g.mt[i] = 1812433253 * (g.mt[i - 1] ^ (g.mt[i - 1] >>> 30)) + i;
            return g;
        }

        /** CPython's {@code random.seed(n)} for n ≥ 0: init_by_array over n's 32-bit words, low first. */
        static Mt19937 initByArray(long seed) {
            if (seed < 0) throw new IllegalArgumentException("seed must be >= 0");
            int[] key = (seed >>> 32) != 0 ? new int[] {(int) seed, (int) (seed >>> 32)} : new int[] {(int) seed};
            Mt19937 g = initGenrand(19650218);
            int i = 1, j = 0;
            for (int k = Math.max(N, key.length); k > 0; k--) {
                g.mt[i] = (g.mt[i] ^ ((g.mt[i - 1] ^ (g.mt[i - 1] >>> 30)) * 1664525)) + key[j] + j;
                i++;
                j++;
                if (i >= N) {
                    g.mt[0] = g.mt[N - 1];
                    i = 1;
                }
                if (j >= key.length) j = 0;
            }
            for (int k = N - 1; k > 0; k--) {
                g.mt[i] = (g.mt[i] ^ ((g.mt[i - 1] ^ (g.mt[i - 1] >>> 30)) * 1566083941)) - i;
                i++;
                if (i >= N) {
                    g.mt[0] = g.mt[N - 1];
                    i = 1;
                }
            }
            g.mt[0] = 0x80000000;
            return g;
        }

        int next() {
            if (index >= N) twist();
            int y = mt[index++];
            y ^= y >>> 11;
            y ^= (y << 7) & 0x9d2c5680;
            y ^= (y << 15) & 0xefc60000;
            return y ^ (y >>> 18);
        }

        /** CPython's {@code _randbelow(n)}: k = bit length of n, draw k bits until below n. */
        int below(int n) {
            int k = 32 - Integer.numberOfLeadingZeros(n);
            while (true) {
                int r = next() >>> (32 - k);
                if (r < n) return r;
            }
        }

        private void twist() {
            for (int i = 0; i < N; i++) {
                int y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
                mt[i] = mt[(i + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
            }
            index = 0;
        }
    }
}
