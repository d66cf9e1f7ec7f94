package dev.lorillama.gpu;

import java.util.function.Consumer;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;

/** Runs one kernel as a task graph of its own, on the device the backend would use. */
final class OneTask {
    private static int graphs;

    private OneTask() {}

    /**
     * @param task   adds the task, named "t", to the graph
     * @param x      global size in x (and {@code local} threads per work-group, 0: the driver's choice)
     * @param y      global size in y
     */
    static void run(Consumer<TaskGraph> task, int x, int y, int local, Object[] inputs, Object... outputs) {
        String name = "k" + graphs++;
        TaskGraph graph = new TaskGraph(name).transferToDevice(DataTransferMode.FIRST_EXECUTION, inputs);
        task.accept(graph);
        graph.transferToHost(DataTransferMode.EVERY_EXECUTION, outputs);
        WorkerGrid2D grid = new WorkerGrid2D(x, y);
        if (local > 0) grid.setLocalWork(local, 1, 1);
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(graph.snapshot())) {
            plan.withDevice(TornadoBackend.device()).withGridScheduler(new GridScheduler(name + ".t", grid)).execute();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Object[] of(Object... arrays) {
        return arrays;
    }
}
