package dev.lorillama.runtime.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.model.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --device: the CPU unless asked; a GPU asked for and missing is one line saying why and what to do. */
class DeviceBackendsTest {
    @TempDir
    Path tmp;

    private static DeviceBackend backend(String name, Optional<String> unavailable) {
        return new DeviceBackend() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Optional<String> unavailableReason() {
                return unavailable;
            }

            @Override
            public DeviceModel load(LlamaModel model, DeviceLoad load) {
                throw new UnsupportedOperationException();
            }
        };
    }

    @Test
    void cpuNeverLooksForABackend() {
        assertTrue(DeviceBackends.select(Device.CPU, List.of(backend("x", Optional.empty())), null).isEmpty());
    }

    @Test
    void gpuAndAutoTakeAUsableBackend() {
        DeviceBackend usable = backend("usable", Optional.empty());
        List<DeviceBackend> found = List.of(backend("broken", Optional.of("no device")), usable);
        assertSame(usable, DeviceBackends.select(Device.GPU, found, "/sdk").orElseThrow());
        assertSame(usable, DeviceBackends.select(Device.AUTO, found, "/sdk").orElseThrow());
    }

    @Test
    void autoFallsBackToTheCpu() {
        assertTrue(DeviceBackends.select(Device.AUTO, List.of(), null).isEmpty());
        assertTrue(DeviceBackends.select(Device.AUTO, List.of(backend("TornadoVM", Optional.of("no device"))), "/sdk").isEmpty());
    }

    @Test
    void gpuWithoutTornadoHomeSaysSoInOneLine() {
        String message = assertThrows(UserInputException.class, () -> DeviceBackends.select(Device.GPU, List.of(), null)).getMessage();
        assertTrue(message.startsWith("--device gpu: no GPU backend: TORNADOVM_HOME is not set"), message);
        assertTrue(message.contains(DeviceBackends.TORNADOVM_VERSION) && message.endsWith("(or use --device cpu)"), message);
        assertTrue(!message.contains("\n"), message);
    }

    @Test
    void gpuWithAnSdkWithoutArgfileNamesTheFix() {
        String message = assertThrows(UserInputException.class,
                () -> DeviceBackends.select(Device.GPU, List.of(), tmp.toString())).getMessage();
        assertTrue(message.contains("TORNADOVM_HOME=" + tmp + " has no tornado-argfile"), message);
        assertTrue(message.contains("tornado --generate-argfile"), message);
    }

    @Test
    void gpuWithAnSdkButNoBackendOnTheClassPathNamesTheFix() throws Exception {
        Files.writeString(tmp.resolve("tornado-argfile"), "-XX:+EnableJVMCI\n");
        String message = assertThrows(UserInputException.class,
                () -> DeviceBackends.select(Device.GPU, List.of(), tmp.toString())).getMessage();
        assertTrue(message.contains("lorillama-gpu.jar beside chat.jar"), message);
    }

    @Test
    void gpuWithABackendThatFindsNoDeviceGivesItsReason() {
        String message = assertThrows(UserInputException.class, () -> DeviceBackends.select(Device.GPU,
                List.of(backend("TornadoVM", Optional.of("no OpenCL or PTX device found"))), "/sdk")).getMessage();
        assertEquals("--device gpu: TornadoVM: no OpenCL or PTX device found (or use --device cpu)", message);
    }

    @Test
    void deviceNamesParseAndBadOnesAreNamed() {
        assertEquals(Device.GPU, Device.parse("GPU", "--device"));
        assertEquals(Device.AUTO, Device.parse("auto", "--device"));
        String message = assertThrows(UserInputException.class, () -> Device.parse("tpu", "--device")).getMessage();
        assertEquals("--device: unknown device 'tpu' (expected cpu, gpu or auto)", message);
    }
}
