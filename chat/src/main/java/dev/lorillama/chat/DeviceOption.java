package dev.lorillama.chat;

import dev.lorillama.runtime.backend.Device;
import picocli.CommandLine.Option;

/** {@code --device}, for the commands that run the model. The launcher reads it too (TornadoVM's JVM flags). */
final class DeviceOption {
    @Option(names = "--device", paramLabel = "cpu|gpu|auto", defaultValue = "cpu",
            description = "Where the model runs: cpu, gpu (TornadoVM: needs TORNADOVM_HOME, see the README) or auto "
                    + "(the GPU when TornadoVM finds one, else the CPU). Default: ${DEFAULT-VALUE}.")
    String value;

    Device device() {
        return Device.parse(value, "--device");
    }
}
