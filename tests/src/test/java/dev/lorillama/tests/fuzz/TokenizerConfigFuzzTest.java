package dev.lorillama.tests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lorillama.tests.Fixtures;
import dev.lorillama.tokenizer.Tokenizer;
import java.nio.file.Path;

/** tokenizer_config.json beside a valid tokenizer.json: added tokens, bos and eos. */
class TokenizerConfigFuzzTest {
    @FuzzTest(maxDuration = "2s")
    void tokenizerConfigIsReadOrRefusedCleanly(byte[] data) throws Exception {
        Path json = HostileInput.copy(Fixtures.ROOT.resolve("chat/model/tokenizer.json"), "with-config/tokenizer.json");
        HostileInput.file("with-config/tokenizer_config.json", data);
        HostileInput.readOrRefused(() -> {
            Tokenizer tokenizer = Tokenizer.load(json.getParent());
            tokenizer.decode(tokenizer.encode("Hello <|eot_id|>"));
        });
    }
}
