package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lorillama.lori.AdapterSet;
import dev.lorillama.lori.Combination;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.runtime.model.Batch;
import dev.lorillama.runtime.model.InferenceState;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The decode loop allocates nothing per token, on the calling thread or the pool's workers, for
 * one sequence or a batch of several with different adapters: buffers live in the batch, parallel
 * loops reuse their task objects, and the kernels
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

    @Test
    void aBatchedDecodeStepWithMixedAdaptersAllocatesNothing() throws Exception {
        try (LlamaModel model = ModelLoader.load(Fixtures.model("gqa_f32"), 2);
             LoraAdapter d = LoraAdapter.load(Fixtures.adapter("lori_d"), model.config());
             LoraAdapter s = LoraAdapter.load(Fixtures.adapter("lori_s"), model.config());
             AdapterSet one = AdapterSet.of(List.of(d), List.of(), Combination.CAT, model.config());
             AdapterSet both = AdapterSet.of(List.of(d, s), List.of(), Combination.CAT, model.config())) {
            List<LinearProvider> mixes = List.of(model.baseLinears(), one.unmerged(model), both.unmerged(model));
            assertEquals(0, warmAllocationPerRound(model, (states, step) -> {
                step.clear();
                for (int i = 0; i < states.length; i++) step.add(states[i], TOKEN, 0, 1, mixes.get(i), false);
                model.forward(step);
            }, mixes.size()), "bytes allocated per round of batched decode steps");
        }
    }

    private static final int[] TOKEN = {1};

    /** One decode step of every sequence. */
    private interface Step {
        void run(InferenceState[] states, Batch batch);
    }

    private static long warmAllocationPerRound(LlamaModel model, LinearProvider linears) {
        return warmAllocationPerRound(model, (states, batch) -> model.ingest(states[0], TOKEN, 0, 1, linears, false), 1);
    }

    /** Decodes rounds of {@link #TOKENS} single tokens until a round allocates nothing (or time runs out); returns the last round's bytes. */
    private static long warmAllocationPerRound(LlamaModel model, Step step, int sequences) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long deadline = System.nanoTime() + WARM_UP_LIMIT_NANOS;
        long allocated;
        do {
            InferenceState[] states = new InferenceState[sequences];
            for (int i = 0; i < sequences; i++) states[i] = model.newState(TOKENS + 1);
            Batch batch = model.newBatch(sequences);
            step.run(states, batch); // the first step sizes scratch buffers
            long[] ids = workerAndCallerIds();
            long before = sum(threads.getThreadAllocatedBytes(ids));
            long measuringItself = sum(threads.getThreadAllocatedBytes(ids)) - before; // the result arrays
            before = sum(threads.getThreadAllocatedBytes(ids));
            for (int i = 1; i < TOKENS; i++) step.run(states, batch);
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
