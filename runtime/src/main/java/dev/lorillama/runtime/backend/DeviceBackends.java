package dev.lorillama.runtime.backend;

import dev.lorillama.runtime.UserInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** Finds the {@link DeviceBackend} a {@link Device} asks for, or says in one line why there is none. */
public final class DeviceBackends {
    /** The TornadoVM release the gpu module is built and tested against. */
    public static final String TORNADOVM_VERSION = "5.2.0-jdk25";

    private DeviceBackends() {}

    /**
     * The backend to run on: empty for the CPU. {@code GPU} without a usable backend is a
     * {@link UserInputException} naming the reason and the fix; {@code AUTO} then means the CPU.
     */
    public static Optional<DeviceBackend> select(Device device) {
        return select(device, ServiceLoader.load(DeviceBackend.class).stream().map(ServiceLoader.Provider::get).toList(),
                System.getenv("TORNADOVM_HOME"));
    }

    static Optional<DeviceBackend> select(Device device, List<DeviceBackend> found, String tornadoHome) {
        if (device == Device.CPU) return Optional.empty();
        String problem = null;
        for (DeviceBackend b : found) {
            Optional<String> reason = b.unavailableReason();
            if (reason.isEmpty()) return Optional.of(b);
            problem = b.name() + ": " + reason.get();
        }
        if (problem == null) problem = missingBackend(tornadoHome);
        if (device == Device.AUTO) return Optional.empty();
        throw new UserInputException("--device gpu: " + problem + " (or use --device cpu)");
    }

    /** Why no backend is on the class path, judged from TORNADOVM_HOME. */
    static String missingBackend(String tornadoHome) {
        if (tornadoHome == null || tornadoHome.isBlank()) {
            return "no GPU backend: TORNADOVM_HOME is not set; install the TornadoVM " + TORNADOVM_VERSION
                    + " SDK (see README, section GPU), export TORNADOVM_HOME=<the SDK directory> and rebuild with ./mvnw package";
        }
        Path home = Path.of(tornadoHome);
        if (!Files.isRegularFile(home.resolve("tornado-argfile"))) {
            return "TORNADOVM_HOME=" + tornadoHome + " has no tornado-argfile; is it a TornadoVM " + TORNADOVM_VERSION
                    + " SDK? Run $TORNADOVM_HOME/bin/tornado --generate-argfile";
        }
        return "TORNADOVM_HOME is set but this JVM has no GPU backend: build the gpu module (./mvnw package with TORNADOVM_HOME"
                + " set puts lorillama-gpu.jar beside chat.jar) and start through java -jar chat.jar, which adds TornadoVM's flags";
    }
}
