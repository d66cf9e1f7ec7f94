package dev.lorillama.gpu;

import dev.lorillama.runtime.backend.DeviceBackend;
import dev.lorillama.runtime.backend.DeviceLoad;
import dev.lorillama.runtime.backend.DeviceModel;
import dev.lorillama.runtime.model.LlamaModel;
import java.util.Comparator;
import java.util.Optional;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.TornadoDeviceType;

/**
 * The TornadoVM backend (found by {@link java.util.ServiceLoader}): the whole forward pass as a
 * chain of task graphs (one per layer) on the first GPU TornadoVM lists, else on its default device (e.g. PoCL's OpenCL CPU
 * device). It needs a JVM started with TornadoVM's flags ({@code java -jar chat.jar} adds them
 * when TORNADOVM_HOME is set).
 */
public final class TornadoBackend implements DeviceBackend {
    /** Prompt tokens per pass, as on the CPU. */
    private static final int BATCH = 128;

    /**
     * TornadoVM compiles each task graph to its own bytecode in a buffer of 4 KiB by default,
     * which a graph of a few dozen tasks overflows (the error only shows as "bailout"): a layer
     * with adapters on every projection has ~26 tasks and ~40 arrays. Read when TornadoVM
     * compiles its first graph, so setting it here, before any graph exists, is early enough; a
     * value given on the command line wins.
     */
    private static final String BYTECODE_SIZE = "tornado.tvm.maxbytecodesize";

    static {
        if (System.getProperty(BYTECODE_SIZE) == null) System.setProperty(BYTECODE_SIZE, String.valueOf(1 << 20));
    }

    @Override
    public String name() {
        return "TornadoVM";
    }

    @Override
    public Optional<String> unavailableReason() {
        if (ModuleLayer.boot().findModule("tornado.runtime").isEmpty()) {
            return Optional.of("TornadoVM is not loaded in this JVM: start it with @$TORNADOVM_HOME/tornado-argfile "
                    + "(java -jar chat.jar does that itself when TORNADOVM_HOME is set)");
        }
        try {
            device();
            return Optional.empty();
        } catch (RuntimeException | LinkageError e) {
            return Optional.of("TornadoVM found no usable device (" + e.getMessage() + "); $TORNADOVM_HOME/bin/tornado --devices "
                    + "lists what it sees");
        }
    }

    /** A GPU if TornadoVM lists one, else its default device. */
    static TornadoDevice device() {
        var map = TornadoExecutionPlan.getTornadoDeviceMap();
        if (map.getNumBackends() == 0) throw new IllegalStateException("no TornadoVM backend (OpenCL, PTX, SPIR-V) found a device");
        return map.getDevicesByType(TornadoDeviceType.GPU)
                .max(Comparator.comparingLong(TornadoDevice::getMaxGlobalMemory))
                .orElseGet(() -> TornadoExecutionPlan.DEFAULT_DEVICE);
    }

    /**
     * Threads that share one matrix row: a GPU wants many per row (coalesced reads), a CPU device
     * few (each work-group's threads run as a loop there; 8 measured best of 1-128 on PoCL).
     * {@code -Dlorillama.gpu.lanes=N} overrides it (a power of two up to 256).
     */
    static int lanes(TornadoDevice device) {
        int lanes = Integer.getInteger("lorillama.gpu.lanes", device.getDeviceType() == TornadoDeviceType.GPU ? 128 : 8);
        if (lanes < 1 || lanes > MatMulKernels.MAX_LANES || Integer.bitCount(lanes) != 1) {
            throw new IllegalArgumentException("lorillama.gpu.lanes must be a power of two from 1 to " + MatMulKernels.MAX_LANES
                    + ", got " + lanes);
        }
        return lanes;
    }

    @Override
    public DeviceModel load(LlamaModel model, DeviceLoad load) {
        TornadoDevice device = device();
        int context = Math.min(load.contextLength(), model.config().maxPositions());
        int batch = Math.min(BATCH, context);
        ResidentAdapters adapters = new ResidentAdapters(model.config(), load.adapters());
        ForwardGraph graph = new ForwardGraph(model, load.weights(), adapters, context, load.sequences(), batch, lanes(device), device);
        String description = "TornadoVM " + device.getPlatformName().trim() + ": " + device.getDeviceName().trim();
        return new TornadoModel(model, load.weights(), adapters, graph, load.sequences(), description);
    }
}
