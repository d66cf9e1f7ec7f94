package dev.lorillama.runtime.format;

import dev.lorillama.runtime.UserInputException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A whole model file as one segment: mapped, or copied into anonymous memory ({@link WeightMemory}). */
public final class FileBytes {
    private static final int CHUNK = 64 << 20; // one read(2) per chunk: a ByteBuffer holds at most 2 GiB
    private static final int PAGE = 4096;

    private FileBytes() {}

    /** The bytes of {@code path}, alive as long as {@code arena}. */
    public static MemorySegment open(Path path, WeightMemory memory, Arena arena) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (memory == WeightMemory.MAPPED) return channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            MemorySegment copy = AnonymousMemory.allocate(size, arena);
            for (long done = 0; done < size; ) {
                MemorySegment slice = copy.asSlice(done, Math.min(CHUNK, size - done));
                // Fault the pages in before read(2) fills them: faulting huge pages inside read(2) measured 4× slower.
                for (long page = 0; page < slice.byteSize(); page += PAGE) slice.set(ValueLayout.JAVA_BYTE, page, (byte) 0);
                ByteBuffer chunk = slice.asByteBuffer();
                while (chunk.hasRemaining()) {
                    if (channel.read(chunk, done + chunk.position()) < 0) {
                        throw new UserInputException(path + ": file ended at byte " + (done + chunk.position())
                                + " while reading " + size + " bytes (was it changed while loading?)");
                    }
                }
                done += chunk.capacity();
            }
            return copy;
        } catch (IOException e) {
            throw new UserInputException(path + ": cannot " + (memory == WeightMemory.MAPPED ? "map" : "read") + " file: "
                    + e.getMessage(), e);
        }
    }
}
