package dev.lorillama.tests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lorillama.runtime.format.TensorData;
import dev.lorillama.runtime.format.gguf.GgufFile;
import dev.lorillama.runtime.format.gguf.GgufLlamaConfig;
import dev.lorillama.runtime.format.gguf.GgufTokenizerData;
import java.lang.foreign.ValueLayout;

/** GGUF files: header, metadata values and arrays, tensor infos, alignment, the Llama config and tokenizer they give. */
class GgufFuzzTest {
    @FuzzTest(maxDuration = "2s")
    void ggufFileIsReadOrRefusedCleanly(byte[] data) throws Exception {
        HostileInput.readOrRefused(() -> {
            try (GgufFile file = GgufFile.open(HostileInput.file("model.gguf", data))) {
                for (TensorData t : file.tensors().values()) {
                    if (t.bytes().byteSize() > 0) t.bytes().get(ValueLayout.JAVA_BYTE, t.bytes().byteSize() - 1);
                }
                GgufTokenizerData.of(file);
                GgufLlamaConfig.read(file);
            }
        });
    }
}
