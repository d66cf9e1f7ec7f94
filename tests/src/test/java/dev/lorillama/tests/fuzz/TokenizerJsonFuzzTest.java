package dev.lorillama.tests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lorillama.tokenizer.Tokenizer;

/** tokenizer.json: vocabulary, merges, added tokens; a tokenizer that loads must encode and decode. */
class TokenizerJsonFuzzTest {
    @FuzzTest(maxDuration = "2s")
    void tokenizerJsonIsReadOrRefusedCleanly(byte[] data) throws Exception {
        HostileInput.readOrRefused(() -> {
            Tokenizer tokenizer = Tokenizer.load(HostileInput.file("json/tokenizer.json", data));
            tokenizer.decode(tokenizer.encode("Hello, wörld! 123 <|eot_id|>"));
        });
    }
}
