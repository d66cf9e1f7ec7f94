package dev.lorillama.runtime.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Checks shared by the file-format tests. */
public final class TensorBytes {
    private TensorBytes() {}

    /** A device backend maps each tensor on its own from its file offset: the offset must point at its bytes. */
    public static void assertLieAtFileOffset(Path file, TensorData t) throws IOException {
        byte[] all = Files.readAllBytes(file);
        byte[] expected = Arrays.copyOfRange(all, (int) t.fileOffset(), (int) (t.fileOffset() + t.bytes().byteSize()));
        assertArrayEquals(expected, t.bytes().toArray(ValueLayout.JAVA_BYTE), t.name());
    }
}
