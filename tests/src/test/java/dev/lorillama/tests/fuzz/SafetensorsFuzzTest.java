package dev.lorillama.tests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lorillama.runtime.format.SafetensorsFile;
import dev.lorillama.runtime.format.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;

/** Safetensors files: the header's JSON, dtypes, shapes, offsets inside the file, no two tensors sharing bytes. */
class SafetensorsFuzzTest {
    @FuzzTest(maxDuration = "2s")
    void safetensorsFileIsReadOrRefusedCleanly(byte[] data) throws Exception {
        HostileInput.readOrRefused(() -> {
            try (Arena arena = Arena.ofConfined()) {
                SafetensorsFile file = SafetensorsFile.open(HostileInput.file("model.safetensors", data), arena);
                for (TensorData t : file.tensors().values()) {
                    if (t.bytes().byteSize() > 0) t.bytes().get(ValueLayout.JAVA_BYTE, t.bytes().byteSize() - 1);
                }
            }
        });
    }
}
