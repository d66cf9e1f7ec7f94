package dev.lorillama.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The pool runs every task of every loop exactly once, even with loops back to back, and reports failures. */
class WorkerPoolTest {

    @Test
    void everyTaskOfEveryLoopRunsExactlyOnce() {
        Random random = new Random(5);
        try (WorkerPool pool = new WorkerPool(4)) {
            for (int loop = 0; loop < 20_000; loop++) {
                int tasks = 1 + random.nextInt(loop % 100 == 0 ? 3000 : 12);
                AtomicIntegerArray runs = new AtomicIntegerArray(tasks);
                int expectedLoop = loop;
                pool.parallelFor(tasks, (task, worker) -> {
                    if (worker < 0 || worker >= 4) throw new AssertionError("worker " + worker);
                    runs.incrementAndGet(task);
                });
                for (int t = 0; t < tasks; t++) assertEquals(1, runs.get(t), "loop " + expectedLoop + " task " + t);
            }
        }
    }

    @Test
    void aFailingTaskFailsTheLoopAndThePoolStaysUsable() {
        try (WorkerPool pool = new WorkerPool(3)) {
            IllegalStateException boom = new IllegalStateException("boom");
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> pool.parallelFor(50, (task, worker) -> {
                if (task == 17) throw boom;
            }));
            assertSame(boom, thrown);
            AtomicIntegerArray runs = new AtomicIntegerArray(50);
            pool.parallelFor(50, (task, worker) -> runs.incrementAndGet(task));
            for (int t = 0; t < 50; t++) assertEquals(1, runs.get(t));
        }
    }

    @Test
    void tooManyTasksForOneLoopIsRefused() {
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThrows(IllegalArgumentException.class, () -> pool.parallelFor(WorkerPool.MAX_TASKS + 1, (task, worker) -> { }));
        }
    }
}
