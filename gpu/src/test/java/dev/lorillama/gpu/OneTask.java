package dev.lorillama.gpu;

import java.util.Map;
import java.util.function.Consumer;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid;
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
        run(task, Map.of("t", grid(x, y, local)), inputs, outputs);
    }

    /** Several tasks, with the grid of each by task name. */
    static void run(Consumer<TaskGraph> tasks, Map<String, WorkerGrid> grids, Object[] inputs, Object... outputs) {
        String name = "k" + graphs++;
        TaskGraph graph = new TaskGraph(name).transferToDevice(DataTransferMode.FIRST_EXECUTION, inputs);
        tasks.accept(graph);
        graph.transferToHost(DataTransferMode.EVERY_EXECUTION, outputs);
        GridScheduler scheduler = new GridScheduler();
        grids.forEach((task, grid) -> scheduler.addWorkerGrid(name + "." + task, grid));
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(graph.snapshot())) {
            plan.withDevice(TornadoBackend.device()).withGridScheduler(scheduler).execute();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static WorkerGrid grid(int x, int y, int local) {
        WorkerGrid2D grid = new WorkerGrid2D(x, y);
        if (local > 0) grid.setLocalWork(local, 1, 1);
        return grid;
    }

    static Object[] of(Object... arrays) {
        return arrays;
    }
}
