package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.api.Llama;
import dev.lorillama.api.LoadOptions;
import dev.lorillama.runtime.tensor.ThreadCount;
import dev.lorillama.runtime.tensor.WorkerPool;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** Counts a user or program gives are bounded, and serve checks what is cheap to check before it loads. */
class ResourceBoundsTest {
    private static final String MODEL = ChatFixture.MODEL.toString();

    @Test
    void threadsBeyondTheProcessorsAreCappedWithAWarningOnTheCommandLine() {
        CliRunner.Result r = CliRunner.run("logits", "--model", MODEL, "--tokens", "1,2", "--threads", "10000");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("warning: --threads 10000 is more than this machine's " + ThreadCount.available()
                + " processors; using " + ThreadCount.available()), r.err());
        CliRunner.Result bench = CliRunner.run("bench", "-m", MODEL, "-p", "4", "-n", "2", "-r", "1", "-t", "1024", "--json");
        assertEquals(0, bench.exitCode(), bench.err());
        assertTrue(bench.out().contains("\"threads\":" + ThreadCount.available()), bench.out());
        CliRunner.Result zero = CliRunner.run("logits", "--model", MODEL, "--tokens", "1,2", "--threads", "0");
        assertEquals(2, zero.exitCode());
        assertTrue(zero.err().contains("--threads must be >= 1, got 0"), zero.err());
    }

    @Test
    void programsAskingForMoreThreadsThanProcessorsGetTheProcessors() {
        long before = workers();
        try (Llama llama = Llama.load(ChatFixture.MODEL, LoadOptions.defaults().threads(10000))) {
            assertTrue(workers() - before <= ThreadCount.available() - 1, "helper threads: " + (workers() - before));
        }
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.defaults().threads(0));
        var e = assertThrows(IllegalArgumentException.class, () -> new WorkerPool(10000).close());
        assertTrue(e.getMessage().contains("got 10000"), e.getMessage());
    }

    private static long workers() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("lorillama-worker")).count();
    }

    @Test
    void serveRefusesABadParallelHostOrBusyPortBeforeLoadingTheModel() throws Exception {
        // the model path does not exist: an error about it would mean the model was opened first
        CliRunner.Result parallel = CliRunner.run("serve", "--model", "/no/such/model", "--parallel", "10000");
        assertEquals(2, parallel.exitCode());
        assertTrue(parallel.err().contains("--parallel must be between 1 and 64, got 10000"), parallel.err());
        CliRunner.Result host = CliRunner.run("serve", "--model", "/no/such/model", "--host", "0.0.0.0.1");
        assertEquals(2, host.exitCode());
        assertEquals("error: --host 0.0.0.0.1: not an IP address or a host name this machine can resolve\n", host.err());
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CliRunner.Result port = CliRunner.run("serve", "--model", "/no/such/model", "--port", "" + busy.getLocalPort());
            assertEquals(2, port.exitCode());
            assertTrue(port.err().startsWith("error: --host 127.0.0.1 --port " + busy.getLocalPort() + ": cannot listen there"), port.err());
            assertTrue(!port.err().contains("Exception"), port.err());
        }
    }
}
