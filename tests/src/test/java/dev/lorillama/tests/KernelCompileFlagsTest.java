package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.chat.Launcher;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tests run the kernels as chat.jar does: with the launcher's kernel compile flags (kept in
 * the parent pom's vector.jvm.args). If the two lists drift apart, the allocation and speed
 * tests would be checking a JVM set up differently from the one users get.
 */
class KernelCompileFlagsTest {
    @Test
    void testsRunWithTheLaunchersKernelFlags() {
        List<String> jvmArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String flag : Launcher.KERNEL_COMPILE_FLAGS) {
            assertTrue(jvmArgs.contains(flag), flag + " is missing from the test JVM's arguments " + jvmArgs);
        }
    }
}
