package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.runtime.generate.GenerationOptions;
import dev.lorillama.runtime.generate.GenerationResult;
import dev.lorillama.runtime.generate.Scheduler;
import dev.lorillama.runtime.generate.Ticket;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A long prompt joining a running stream is read in chunks of {@link Scheduler#PROMPT_CHUNK}
 * tokens, one chunk a step, so the stream goes on producing a token every step meanwhile: a
 * 200-token prompt takes four steps of chunks (64, 64, 64 and 7 tokens) and a fifth in which its
 * last token runs as a decode row and gives its first token; the running stream gets a token in
 * each of the five (first, as it joined first). Prompts that arrive together are read together,
 * up to {@link Scheduler#PROMPT_ROWS_PER_STEP} tokens a step, and still compute what they would alone.
 */
class SchedulerPromptChunksTest {
    private static final int LONG_PROMPT = 200;

    @Test
    void aLongPromptJoinsInChunksWhileARunningStreamKeepsProducing() throws Exception {
        try (LlamaModel model = ModelLoader.load(ChatFixture.MODEL, 1);
             Scheduler scheduler = new Scheduler(model, new Scheduler.Limits(2, 1024, 4))) {
            List<String> events = Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<Ticket> joined = new CompletableFuture<>();
            int[] longPrompt = new int[LONG_PROMPT];
            for (int i = 0; i < longPrompt.length; i++) longPrompt[i] = 10 + (i * 7) % 300;
            Scheduler.Job late = new Scheduler.Job(longPrompt, model.baseLinears(), GenerationOptions.greedy(3, Set.of()), 512,
                    token -> events.add("late"));
            // The running stream submits the long prompt from its own listener, i.e. between two steps.
            Scheduler.Job running = new Scheduler.Job(new int[] {5, 6, 7}, model.baseLinears(), GenerationOptions.greedy(40, Set.of()), 512,
                    token -> {
                        events.add("running");
                        if (events.size() == 2) joined.complete(scheduler.submit(late));
                        return true;
                    });
            GenerationResult first = scheduler.submit(running).result().get(60, TimeUnit.SECONDS);
            GenerationResult second = joined.get(60, TimeUnit.SECONDS).result().get(60, TimeUnit.SECONDS);
            assertEquals(40, first.tokens().length, "the running stream ran to its end");
            assertEquals(3, second.tokens().length);

            List<String> after = events.subList(2, events.indexOf("late"));
            assertTrue(after.stream().allMatch("running"::equals), events.toString());
            int chunks = (LONG_PROMPT - 1 + Scheduler.PROMPT_CHUNK - 1) / Scheduler.PROMPT_CHUNK;
            assertEquals(chunks + 1, after.size(), "one running token a step before the late prompt's first token: " + events);
        }
    }

    @Test
    void promptsArrivingTogetherAreReadInOneStepAndGetWhatTheyGetAlone() throws Exception {
        int together = 4, length = 40;
        assertTrue(together * (length - 1) <= Scheduler.PROMPT_ROWS_PER_STEP, "the prompts fit one step");
        try (LlamaModel model = ModelLoader.load(ChatFixture.MODEL, 1);
             Scheduler scheduler = new Scheduler(model, new Scheduler.Limits(1 + together, 2048, 8))) {
            List<String> events = Collections.synchronizedList(new ArrayList<>());
            List<int[]> prompts = new ArrayList<>();
            List<Scheduler.Job> jobs = new ArrayList<>();
            for (int j = 0; j < together; j++) {
                int[] prompt = new int[length];
                for (int i = 0; i < length; i++) prompt[i] = 10 + (i * 7 + j * 13) % 300;
                prompts.add(prompt);
                int id = j;
                jobs.add(new Scheduler.Job(prompt, model.baseLinears(), GenerationOptions.greedy(5, Set.of()), 512,
                        token -> events.add("late" + id)));
            }
            CompletableFuture<List<Ticket>> joined = new CompletableFuture<>();
            Scheduler.Job running = new Scheduler.Job(new int[] {5, 6, 7}, model.baseLinears(), GenerationOptions.greedy(20, Set.of()), 512,
                    token -> {
                        events.add("running");
                        if (events.size() == 2) joined.complete(jobs.stream().map(scheduler::submit).toList());
                        return true;
                    });
            scheduler.submit(running).result().get(60, TimeUnit.SECONDS);
            List<GenerationResult> batched = new ArrayList<>();
            for (Ticket t : joined.get(60, TimeUnit.SECONDS)) batched.add(t.result().get(60, TimeUnit.SECONDS));

            // Step 3 reads all four prompts (but their last tokens), step 4 runs those as decode rows: the
            // running stream's tokens of steps 3 and 4 come before every late prompt's first token.
            List<String> firsts = events.subList(2, 2 + 2 + together);
            assertEquals(List.of("running", "running"), firsts.subList(0, 2), events.toString());
            assertTrue(firsts.subList(2, firsts.size()).stream().allMatch(e -> e.startsWith("late")), events.toString());

            for (int j = 0; j < together; j++) {
                Scheduler.Job alone = new Scheduler.Job(prompts.get(j), model.baseLinears(), GenerationOptions.greedy(5, Set.of()), 512, token -> true);
                assertEquals(java.util.Arrays.toString(scheduler.submit(alone).result().get(60, TimeUnit.SECONDS).tokens()),
                        java.util.Arrays.toString(batched.get(j).tokens()), "prompt " + j + ": batched = alone");
            }
        }
    }
}
