package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HF-layout LoRI adapters on a GGUF base (q/k rows permuted for interleaved RoPE) give the same
 * logits as on the Hugging Face checkpoint the GGUF came from.
 */
class GgufAdapterTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"unmerged", "merged"})
    void adapterOnGgufBaseMatchesTheHfGolden(String mode) throws Exception {
        Path gguf = tmp.resolve("gqa.f32.gguf");
        CliRunner.Result convert = CliRunner.run("convert", "--model", Fixtures.model("gqa_f32").toString(),
                "--out", gguf.toString(), "--type", "f32");
        assertEquals(0, convert.exitCode(), convert.err());
        String[] merged = mode.equals("merged") ? new String[] {"--merged"} : new String[0];
        String[] args = concat(new String[] {"--model", gguf.toString(), "--adapter", Fixtures.adapter("lori_d").toString(),
                "--adapter", Fixtures.adapter("lori_s").toString(), "--weights", "0.6,0.4"}, merged);
        LoriToolsTest.assertLogitsMatch(Fixtures.golden("gqa_f32+cat_lori_d_lori_s"), args);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
