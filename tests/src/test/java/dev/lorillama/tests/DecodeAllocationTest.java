package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lorillama.lori.AdapterSet;
import dev.lorillama.lori.Combination;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.runtime.model.InferenceState;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The decode loop allocates nothing per token, on the calling thread or the pool's workers:
 * buffers live in the inference state, parallel loops reuse their task objects, and the kernels
 * keep their vectors in registers. Measured over many tokens once the JIT has compiled the loop.
 */
class DecodeAllocationTest {
    private static final long WARM_UP_LIMIT_NANOS = 30_000_000_000L;
    private static final int TOKENS = 40;

    @Test
    void decodingATokenAllocatesNothing() throws Exception {
        try (LlamaModel model = ModelLoader.load(Fixtures.model("gqa_f32"), 2)) {
            assertEquals(0, warmAllocationPerRound(model, model.baseLinears()), "bytes allocated per round of decode steps");
        }
    }

    @Test
    void decodingWithUnmergedAdaptersAllocatesNothing() throws Exception {
        try (LlamaModel model = ModelLoader.load(Fixtures.model("gqa_f32"), 2);
             LoraAdapter d = LoraAdapter.load(Fixtures.adapter("lori_d"), model.config());
             LoraAdapter s = LoraAdapter.load(Fixtures.adapter("lori_s"), model.config());
             AdapterSet set = AdapterSet.of(List.of(d, s), List.of(), Combination.CAT, model.config())) {
            assertEquals(0, warmAllocationPerRound(model, set.unmerged(model)), "bytes allocated per round of decode steps");
        }
    }

    /** Decodes rounds of {@link #TOKENS} single tokens until a round allocates nothing (or time runs out); returns the last round's bytes. */
    private static long warmAllocationPerRound(LlamaModel model, LinearProvider linears) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int[] token = {1};
        long deadline = System.nanoTime() + WARM_UP_LIMIT_NANOS;
        long allocated;
        do {
            InferenceState state = model.newState(TOKENS + 1);
            model.ingest(state, token, 0, 1, linears, false); // first call sizes scratch buffers
            long[] ids = workerAndCallerIds();
            long before = sum(threads.getThreadAllocatedBytes(ids));
            long measuringItself = sum(threads.getThreadAllocatedBytes(ids)) - before; // the result arrays
            before = sum(threads.getThreadAllocatedBytes(ids));
            for (int i = 1; i < TOKENS; i++) model.ingest(state, token, 0, 1, linears, false);
            long[] after = threads.getThreadAllocatedBytes(ids);
            // A worker of another test's closed model may end during the round (its count becomes -1,
            // the sum drops): such a round measures nothing, so it is run again.
            allocated = Arrays.stream(after).anyMatch(bytes -> bytes < 0) ? -1 : sum(after) - before - measuringItself;
        } while (allocated != 0 && System.nanoTime() < deadline);
        return allocated;
    }

    private static long[] workerAndCallerIds() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t == Thread.currentThread() || t.getName().startsWith("lorillama-worker-"))
                .mapToLong(Thread::threadId).toArray();
    }

    private static long sum(long[] values) {
        return Arrays.stream(values).sum();
    }
}
