package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.chat.Launcher;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** chat.jar's launcher adds TornadoVM's JVM flags itself when the GPU is asked for and TORNADOVM_HOME is set. */
class LauncherTornadoFlagsTest {
    @TempDir
    Path tmp;

    @Test
    void gpuOrAutoAsksForTornado() {
        assertTrue(Launcher.wantsGpu(new String[] {"logits", "--device", "gpu"}));
        assertTrue(Launcher.wantsGpu(new String[] {"--device=AUTO", "--model", "m"}));
        assertFalse(Launcher.wantsGpu(new String[] {"--device", "cpu"}));
        assertFalse(Launcher.wantsGpu(new String[] {"--model", "m", "--device"}));
        assertFalse(Launcher.wantsGpu(new String[] {"--prompt", "gpu"}));
    }

    @Test
    void theArgfileComesFromTornadoHomeWhenItHasOne() throws Exception {
        assertNull(Launcher.tornadoArgfile(null));
        assertNull(Launcher.tornadoArgfile(tmp.toString()));
        Path argfile = Files.writeString(tmp.resolve("tornado-argfile"), "-XX:+EnableJVMCI\n");
        assertEquals(argfile.toAbsolutePath().toString(), Launcher.tornadoArgfile(tmp.toString()));
    }

    @Test
    void withTornadoTheChildGetsItsArgfileItsCollectorAndTheGpuJar() throws Exception {
        Path chatJar = Files.createFile(tmp.resolve("chat.jar"));
        Path gpuJar = Files.createFile(tmp.resolve(Launcher.GPU_JAR));
        List<String> command = Launcher.jvmCommand("java", chatJar.toString(), "/sdk/tornado-argfile");
        assertEquals("@/sdk/tornado-argfile", command.get(1), command.toString());
        assertFalse(command.contains("-XX:+UseSerialGC"), "the argfile chooses the collector; two stop the JVM: " + command);
        assertTrue(command.contains("-Dtornado.recover.bailout=False"), "kernels must not fall back to Java silently: " + command);
        assertEquals(chatJar + File.pathSeparator + gpuJar, command.get(command.indexOf("-cp") + 1));
        assertTrue(command.containsAll(Launcher.KERNEL_COMPILE_FLAGS));
    }

    @Test
    void withoutTornadoTheChildIsAsBefore() throws Exception {
        Path chatJar = Files.createFile(tmp.resolve("chat.jar"));
        Files.createFile(tmp.resolve(Launcher.GPU_JAR));
        List<String> command = Launcher.jvmCommand("java", chatJar.toString(), null);
        assertTrue(command.contains("-XX:+UseSerialGC"), command.toString());
        assertTrue(command.stream().noneMatch(a -> a.startsWith("@")), command.toString());
        assertEquals(chatJar.toString(), command.get(command.indexOf("-cp") + 1));
    }
}
