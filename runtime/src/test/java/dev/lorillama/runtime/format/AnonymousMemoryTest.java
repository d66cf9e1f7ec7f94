package dev.lorillama.runtime.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The anonymous memory weights are copied into: zeroed, writable, 2 MiB-aligned, and in huge pages where THP allows. */
class AnonymousMemoryTest {
    private static final Path THP = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
    private static final Path SMAPS = Path.of("/proc/self/smaps_rollup");

    @Test
    void memoryIsZeroedWritableAndAlignedToHugePages() {
        try (Arena arena = Arena.ofConfined()) {
            for (long bytes : new long[] {0, 1, 4095, AnonymousMemory.HUGE_PAGE + 3}) {
                MemorySegment s = AnonymousMemory.allocate(bytes, arena);
                assertEquals(bytes, s.byteSize());
                assertEquals(0, s.address() % AnonymousMemory.HUGE_PAGE, "address of " + bytes + " bytes");
                for (long i = 0; i < bytes; i += 97) assertEquals(0, s.get(ValueLayout.JAVA_BYTE, i));
                if (bytes > 0) {
                    s.set(ValueLayout.JAVA_BYTE, bytes - 1, (byte) 7);
                    assertEquals(7, s.get(ValueLayout.JAVA_BYTE, bytes - 1));
                }
            }
        }
    }

    /**
     * Where THP is "always" or "madvise" (the case madvise exists for), the pages are huge; the
     * kernel may still fall back to 4 KiB pages when it finds no free 2 MiB block, so the test asks
     * for most of them, not all.
     */
    @Test
    void pagesAreHugeWhereTheKernelOffersThem() throws IOException {
        boolean offered = Files.isReadable(THP) && Files.isReadable(SMAPS) && !Files.readString(THP).contains("[never]")
                && AnonymousMemory.advisesHugePages();
        long bytes = 16 * AnonymousMemory.HUGE_PAGE;
        long before = anonHugePages();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = AnonymousMemory.allocate(bytes, arena);
            for (long i = 0; i < bytes; i += 4096) s.set(ValueLayout.JAVA_BYTE, i, (byte) 1);
            long gained = anonHugePages() - before;
            if (offered) assertTrue(gained >= bytes / 2, "AnonHugePages grew by " + gained + " bytes for " + bytes + " touched");
        }
    }

    private static long anonHugePages() throws IOException {
        if (!Files.isReadable(SMAPS)) return -1;
        for (String line : Files.readAllLines(SMAPS)) {
            if (line.startsWith("AnonHugePages:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
        return -1;
    }
}
