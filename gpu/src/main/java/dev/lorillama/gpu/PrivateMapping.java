package dev.lorillama.gpu;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * A copy-on-write mapping of part of a file: readable and writable, changes stay in this process
 * and only the pages written are copied. {@code FileChannel} offers this ({@code MapMode.PRIVATE})
 * only for files opened for writing, and model files are often read-only, so this calls
 * {@code mmap(MAP_PRIVATE)} itself, which POSIX allows on a read-only descriptor.
 */
final class PrivateMapping {
    private static final int O_RDONLY = 0, PROT_READ_WRITE = 3, MAP_PRIVATE = 2, SC_PAGESIZE = 30;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MethodHandle OPEN = function("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = function("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle MMAP = function("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MUNMAP = function("munmap",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle SYSCONF = function("sysconf", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

    private PrivateMapping() {}

    private static MethodHandle function(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new IllegalStateException("libc has no " + name)),
                descriptor, options);
    }

    /** Bytes [offset, offset + length) of {@code file}, unmapped when {@code arena} closes. */
    static MemorySegment map(Path file, long offset, long length, Arena arena) throws IOException {
        try {
            long page = (long) SYSCONF.invokeExact(SC_PAGESIZE);
            long start = offset / page * page;
            long size = offset - start + length;
            int fd;
            try (Arena path = Arena.ofConfined()) {
                fd = (int) OPEN.invokeExact(path.allocateFrom(file.toString()), O_RDONLY, 0);
            }
            if (fd < 0) throw new IOException(file + ": cannot open for reading");
            MemorySegment address;
            try {
                address = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size, PROT_READ_WRITE, MAP_PRIVATE, fd, start);
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
            if (address.address() == -1L) throw new IOException(file + ": mmap of " + size + " bytes at " + start + " failed");
            MemorySegment mapped = address.reinterpret(size, arena, unmapped -> {
                try {
                    int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(unmapped.address()), size);
                } catch (Throwable t) {
                    throw new IllegalStateException("munmap failed", t);
                }
            });
            return mapped.asSlice(offset - start, length);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
