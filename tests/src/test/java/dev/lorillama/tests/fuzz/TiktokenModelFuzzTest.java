package dev.lorillama.tests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lorillama.tokenizer.Tokenizer;

/** Meta's tiktoken tokenizer.model: base64 tokens and ranks. */
class TiktokenModelFuzzTest {
    @FuzzTest(maxDuration = "2s")
    void tiktokenModelIsReadOrRefusedCleanly(byte[] data) throws Exception {
        HostileInput.readOrRefused(() -> {
            Tokenizer tokenizer = Tokenizer.load(HostileInput.file("tiktoken/tokenizer.model", data));
            tokenizer.decode(tokenizer.encode("Hello, wörld! 123"));
        });
    }
}
