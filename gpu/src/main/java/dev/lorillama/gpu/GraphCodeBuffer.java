package dev.lorillama.gpu;

import dev.lorillama.runtime.UserInputException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import uk.ac.manchester.tornado.api.TaskGraph;

/**
 * TornadoVM 5.2 records each task of a graph in a fixed 8 KiB buffer (TornadoTaskGraph's
 * {@code highLevelCode}, not configurable): ~100 tasks, fewer than a 16-layer model's pass
 * (12–26 tasks per layer; the 1B bench failed with a BufferOverflowException). Until TornadoVM
 * sizes it itself, this gives a new graph a larger one, through reflection into TornadoVM's
 * modules, which the JVM must open: {@link #JVM_FLAGS} (chat.jar's launcher and the gpu tests add
 * them).
 */
final class GraphCodeBuffer {
    static final String JVM_FLAGS = "--add-opens tornado.api/uk.ac.manchester.tornado.api=ALL-UNNAMED "
            + "--add-opens tornado.runtime/uk.ac.manchester.tornado.runtime.tasks=ALL-UNNAMED";

    private GraphCodeBuffer() {}

    /** Gives {@code graph}, which must have no task yet, room for {@code bytes} of task code. */
    static void enlarge(TaskGraph graph, int bytes) {
        try {
            Field impl = TaskGraph.class.getDeclaredField("taskGraphImpl");
            impl.setAccessible(true);
            Object inner = impl.get(graph);
            Field code = inner.getClass().getDeclaredField("highLevelCode");
            Field buffer = inner.getClass().getDeclaredField("hlBuffer");
            code.setAccessible(true);
            buffer.setAccessible(true);
            byte[] larger = new byte[bytes];
            code.set(inner, larger);
            buffer.set(inner, ByteBuffer.wrap(larger).order(ByteOrder.LITTLE_ENDIAN));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new UserInputException("TornadoVM's task graph has room for ~100 tasks and this model needs more; start "
                    + "the JVM with " + JVM_FLAGS + " (java -jar chat.jar does) [" + e + "]");
        }
    }
}
