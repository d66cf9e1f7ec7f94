package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.chat.Launcher;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tests and the kernel benchmarks run the kernels as chat.jar does: with the launcher's
 * kernel compile flags (kept in the parent pom's vector.jvm.args and in KernelBench's @Fork).
 * If the lists drift apart, the allocation and speed checks would be looking at a JVM set up
 * differently from the one users get.
 */
class KernelCompileFlagsTest {
    @Test
    void testsRunWithTheLaunchersKernelFlags() {
        List<String> jvmArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String flag : Launcher.KERNEL_COMPILE_FLAGS) {
            assertTrue(jvmArgs.contains(flag), flag + " is missing from the test JVM's arguments " + jvmArgs);
        }
    }

    /** JMH forks its own JVM with the flags in KernelBench's annotation (they must be constants there). */
    @Test
    void kernelBenchmarksRunWithTheLaunchersKernelFlags() {
        List<String> forkArgs = List.of(dev.lorillama.tests.bench.KernelBench.class.getAnnotation(org.openjdk.jmh.annotations.Fork.class).jvmArgsAppend());
        for (String flag : Launcher.KERNEL_COMPILE_FLAGS) {
            assertTrue(forkArgs.contains(flag), flag + " is missing from KernelBench's @Fork arguments");
        }
    }
}
