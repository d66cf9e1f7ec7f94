package dev.lorillama.runtime.format;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * Anonymous memory for a copy of the weights, aligned to 2 MiB and advised for transparent huge
 * pages. With THP set to "madvise" (a common default) the kernel backs anonymous memory with
 * huge pages only where madvise(MADV_HUGEPAGE) asked for them; one 2 MiB page covers what 512
 * TLB entries of 4 KiB would, which matters when decoding streams every weight once per token.
 * On Linux this is mmap + madvise through FFM; elsewhere (or when libc's symbols are missing) an
 * arena allocation, without the advice.
 */
public final class AnonymousMemory {
    static final long HUGE_PAGE = 2L << 20;
    // Linux's values (the same on x86-64 and aarch64).
    private static final int PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MADV_HUGEPAGE = 14;
    private static final Optional<Libc> LIBC = Libc.find();

    private AnonymousMemory() {}

    /** A new zero-filled segment of {@code bytes}, 2 MiB-aligned, released when {@code arena} closes. */
    public static MemorySegment allocate(long bytes, Arena arena) {
        if (bytes < 0) throw new IllegalArgumentException("negative size " + bytes);
        if (LIBC.isEmpty() || bytes == 0) return arena.allocate(Math.max(bytes, 1), HUGE_PAGE).asSlice(0, bytes);
        Libc libc = LIBC.get();
        long hugeBytes = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
        long mapped = hugeBytes + HUGE_PAGE; // room to start at a 2 MiB boundary
        MemorySegment base = libc.mmap(mapped);
        if (base == null) return arena.allocate(bytes, HUGE_PAGE); // no address space for mmap: let the JDK say so
        long start = (base.address() + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
        libc.adviseHugePages(MemorySegment.ofAddress(start), hugeBytes); // advice only: without it the pages are 4 KiB
        long baseAddress = base.address();
        MemorySegment whole = base.reinterpret(mapped, arena, ignored -> libc.munmap(baseAddress, mapped));
        return whole.asSlice(start - baseAddress, bytes);
    }

    /** Whether allocations get the huge-page advice here (Linux with libc's mmap and madvise). */
    public static boolean advisesHugePages() {
        return LIBC.isPresent();
    }

    /** mmap, madvise and munmap of the C library, found once. */
    private record Libc(MethodHandle mmap, MethodHandle madvise, MethodHandle munmap) {
        static Optional<Libc> find() {
            if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) return Optional.empty();
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                var mmap = libc.find("mmap");
                var madvise = libc.find("madvise");
                var munmap = libc.find("munmap");
                if (mmap.isEmpty() || madvise.isEmpty() || munmap.isEmpty()) return Optional.empty();
                return Optional.of(new Libc(
                        linker.downcallHandle(mmap.get(), FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                                ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG)),
                        linker.downcallHandle(madvise.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                                ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT)),
                        linker.downcallHandle(munmap.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                                ValueLayout.JAVA_LONG))));
            } catch (RuntimeException | LinkageError e) { // native access refused or no such linker: plain allocation
                return Optional.empty();
            }
        }

        /** A fresh private anonymous mapping, or null when mmap fails (MAP_FAILED). */
        MemorySegment mmap(long bytes) {
            try {
                MemorySegment p = (MemorySegment) mmap.invokeExact(MemorySegment.NULL, bytes, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
                return p.address() == -1L ? null : p;
            } catch (Throwable t) {
                throw new IllegalStateException("mmap failed", t);
            }
        }

        void adviseHugePages(MemorySegment start, long bytes) {
            try {
                int ignored = (int) madvise.invokeExact(start, bytes, MADV_HUGEPAGE); // EINVAL where THP is compiled out
            } catch (Throwable t) {
                throw new IllegalStateException("madvise failed", t);
            }
        }

        void munmap(long address, long bytes) {
            try {
                int ignored = (int) munmap.invokeExact(MemorySegment.ofAddress(address), bytes);
            } catch (Throwable t) {
                throw new IllegalStateException("munmap failed", t);
            }
        }
    }
}
