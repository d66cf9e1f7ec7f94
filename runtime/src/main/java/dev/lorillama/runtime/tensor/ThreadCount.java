package dev.lorillama.runtime.tensor;

/**
 * How many worker threads a count may ask for. The kernels are bound by memory bandwidth and two
 * threads per core buy nothing, while thousands of spinning workers stalled a 2-core machine for
 * twenty minutes ({@code --threads 10000}): every place that accepts a count bounds it here.
 */
public final class ThreadCount {
    /** More workers than this per processor is refused outright, even where oversubscription is allowed. */
    private static final int MOST_PER_PROCESSOR = 4;

    private ThreadCount() {}

    public static int available() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** The count a user asked for ({@code what}, e.g. "--threads"), capped at the processors with a warning. */
    public static int capped(String what, int requested, java.util.function.Consumer<String> warn) {
        atLeastOne(what, requested);
        if (requested <= available()) return requested;
        warn.accept(what + " " + requested + " is more than this machine's " + available() + " processors; using " + available());
        return available();
    }

    /** A hard ceiling for pools built directly (tests may oversubscribe a little, nobody a thousandfold). */
    static int bounded(int requested) {
        atLeastOne("threads", requested);
        int most = MOST_PER_PROCESSOR * available();
        if (requested > most) {
            throw new IllegalArgumentException("threads must be at most " + most + " (" + MOST_PER_PROCESSOR + " per processor), got " + requested);
        }
        return requested;
    }

    private static void atLeastOne(String what, int requested) {
        if (requested < 1) throw new IllegalArgumentException(what + " must be >= 1, got " + requested);
    }
}
