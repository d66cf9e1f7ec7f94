package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.chat.Main;
import dev.lorillama.runtime.format.TensorData;
import dev.lorillama.runtime.format.gguf.GgufFile;
import dev.lorillama.runtime.tensor.WeightMatrices;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.TreeSet;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code convert --type q4_k_m|q5_k_m|q6_k} writes what llama-quantize writes from the same
 * weights (fixtures/convert-mix, made by tools/reference/make_quant_fixtures.py from an F32 GGUF
 * of the checkpoint's values): the same type for every tensor (llama-quantize's mix, its
 * fallbacks for rows that are not whole 256-blocks), the same bytes, and so the same weight RMSE
 * against the source values, which is also checked on its own (goal: within 2% of llama-quantize's).
 */
class ConvertKQuantMixTest {
    private static final Path DIR = Fixtures.ROOT.resolve("convert-mix");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"q4_k_m", "q5_k_m", "q6_k"})
    void writesLlamaQuantizesTypesAndBytes(String type) throws Exception {
        JsonNode expected = new ObjectMapper().readTree(DIR.resolve("expected.json").toFile()).get(type.toUpperCase(Locale.ROOT));
        Path source = dir.resolve("f32.gguf"), out = dir.resolve(type + ".gguf");
        assertEquals(0, Main.run(new String[] {"convert", "-m", DIR.resolve("model").toString(), "-o", source.toString(), "--type", "f32"}));
        assertEquals(0, Main.run(new String[] {"convert", "-m", DIR.resolve("model").toString(), "-o", out.toString(), "--type", type}));
        try (GgufFile ours = GgufFile.open(out); GgufFile values = GgufFile.open(source)) {
            TreeSet<String> names = new TreeSet<>();
            expected.fieldNames().forEachRemaining(names::add);
            assertEquals(names, new TreeSet<>(ours.names()), type + ": tensor names");
            int sameBytes = 0;
            for (String name : names) {
                JsonNode e = expected.get(name);
                TensorData t = ours.tensors().get(name);
                assertEquals(e.get("type").asText(), t.dtype().name(), type + " " + name);
                if (t.rank() == 2) { // norms are F32 vectors in both
                    double rmse = rmse(WeightMatrices.of(t), WeightMatrices.of(values.tensors().get(name)));
                    double theirs = e.get("rmse").asDouble();
                    assertTrue(rmse <= 1.02 * theirs + 1e-12, type + " " + name + ": RMSE " + rmse + " vs llama-quantize's " + theirs);
                }
                if (sha256(t).equals(e.get("sha256").asText())) sameBytes++;
            }
            assertEquals(names.size(), sameBytes, type + ": tensors whose bytes equal llama-quantize's");
        }
    }

    private static double rmse(WeightMatrix quantized, WeightMatrix exact) {
        float[] a = new float[quantized.cols()], b = new float[exact.cols()];
        double sum = 0;
        for (int r = 0; r < quantized.rows(); r++) {
            quantized.readRow(r, a, 0);
            exact.readRow(r, b, 0);
            for (int c = 0; c < a.length; c++) sum += (double) (a[c] - b[c]) * (a[c] - b[c]);
        }
        return Math.sqrt(sum / ((double) quantized.rows() * quantized.cols()));
    }

    private static String sha256(TensorData t) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        d.update(t.bytes().asByteBuffer());
        return HexFormat.of().formatHex(d.digest());
    }
}
