package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.lori.AdapterSet;
import dev.lorillama.lori.Combination;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.lori.MergePrecision;
import dev.lorillama.runtime.format.gguf.GgufFile;
import dev.lorillama.runtime.model.InferenceState;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import dev.lorillama.runtime.tensor.DType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Files exactly as llama.cpp's llama-quantize writes them, one per file type users download
 * (Q2_K ... IQ4_XS, with llama-quantize's per-tensor mix and its fallbacks for rows that are not
 * whole 256-blocks), made from one tiny random Llama by tools/reference/make_quant_fixtures.py
 * (fixtures/gguf-quants/). Each file's logits, prefill and token by token, base and with a LoRI
 * adapter, match
 * <ul>
 *   <li>the float64 reference run on the file's own weights, dequantized in Python from ggml's
 *       block definitions (tiny-TYPE.logits.f32, tiny-TYPE.lora.logits.f32), to float rounding;
 *   <li>llama.cpp itself (tiny-TYPE.kld: llama-perplexity's log-probabilities on the same
 *       tokens; tiny-TYPE.lora.kld: the same with the adapter as llama.cpp's LoRA GGUF, --lora),
 *       to the error of llama.cpp's 8-bit activations, which the float64 reference shows
 *       against llama.cpp too (mean |Δ log p| 0.03-0.04, at most 0.24 on these files).
 * </ul>
 */
class LlamaQuantizeFilesTest {
    private static final Path DIR = Fixtures.ROOT.resolve("gguf-quants");
    private static final JsonNode INDEX = readIndex();

    static Stream<String> fileTypes() {
        List<String> types = new ArrayList<>();
        INDEX.get("files").fieldNames().forEachRemaining(types::add);
        return types.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fileTypes")
    void logitsMatchTheReferenceAndLlamaCpp(String fileType) throws Exception {
        int[] tokens = Fixtures.ints(INDEX.get("tokens"));
        int vocab = INDEX.get("vocab").asInt();
        float[] expected = floats(DIR.resolve("tiny-" + fileType + ".logits.f32"));
        try (LlamaModel model = ModelLoader.load(DIR.resolve("tiny-" + fileType + ".gguf"), 2)) {
            float[] prefill = prefill(model, tokens, model.baseLinears());
            assertClose(expected, prefill, 1e-3, fileType + " prefill");
            assertClose(expected, oneByOne(model, tokens, model.baseLinears()), 1e-3, fileType + " token by token");
            assertAgreesWithLlamaCpp(prefill, vocab, DIR.resolve("tiny-" + fileType + ".kld"), fileType);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fileTypes")
    void loriAdapterOnTheQuantizedBaseMatchesTheReference(String fileType) throws Exception {
        int[] tokens = Fixtures.ints(INDEX.get("tokens"));
        float[] expected = floats(DIR.resolve("tiny-" + fileType + ".lora.logits.f32"));
        try (LlamaModel model = ModelLoader.load(DIR.resolve("tiny-" + fileType + ".gguf"), 2);
             LoraAdapter adapter = LoraAdapter.load(DIR.resolve("adapter"), model.config());
             AdapterSet set = AdapterSet.of(List.of(adapter), List.of(), Combination.CAT, model.config());
             Arena arena = Arena.ofShared()) {
            float[] unmerged = prefill(model, tokens, set.unmerged(model));
            assertClose(expected, unmerged, 1e-3, fileType + " unmerged");
            assertAgreesWithLlamaCpp(unmerged, INDEX.get("vocab").asInt(), DIR.resolve("tiny-" + fileType + ".lora.kld"),
                    fileType + " with the adapter");
            assertClose(expected, oneByOne(model, tokens, set.unmerged(model)), 1e-3, fileType + " unmerged, token by token");
            // merged weights stored in BF16 (relative rounding 2^-9 per weight); in the base's type: MergedQuantizedBaseTest
            assertClose(expected, prefill(model, tokens, set.merged(model, arena, AdapterSet.MergeProgress.NONE, MergePrecision.BF16)), 0.1,
                    fileType + " merged");
        }
    }

    /** The files hold every block type the runtime reads, so each kernel runs inside a real model here. */
    @Test
    void theFilesCoverEveryBlockType() throws IOException {
        Set<DType> seen = EnumSet.noneOf(DType.class);
        for (String type : fileTypes().toList()) {
            try (GgufFile f = GgufFile.open(DIR.resolve("tiny-" + type + ".gguf"))) {
                f.tensors().values().forEach(t -> seen.add(t.dtype()));
            }
        }
        for (DType t : DType.values()) {
            if (t.isBlockQuantized()) assertTrue(seen.contains(t), t + " appears in none of the llama-quantize files");
        }
        assertEquals(16, fileTypes().count());
    }

    /**
     * llama-perplexity's --kl-divergence-base file: "_logits_", n_ctx, n_vocab, n_chunk, the
     * tokens, then for positions n_ctx/2 .. n_ctx-2 of each chunk a float scale, a float minimum
     * log-prob and the vocabulary's log-probs as uint16 steps above that minimum (logits more
     * than 16 below the largest are clamped to it).
     */
    private static void assertAgreesWithLlamaCpp(float[] logits, int vocab, Path kld, String label) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(kld)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("_logits_", new String(b.array(), 0, 8, java.nio.charset.StandardCharsets.US_ASCII));
        b.position(8);
        int nCtx = b.getInt(), nVocab = b.getInt(), chunks = b.getInt();
        assertEquals(vocab, nVocab);
        b.position(b.position() + 4 * nCtx * chunks);
        int stride = 2 * ((nVocab + 1) / 2) + 4;
        double sum = 0, max = 0;
        int count = 0;
        for (int pos = nCtx / 2; pos < nCtx - 1; pos++) {
            int at = b.position();
            float scale = b.getFloat(at), minLogProb = b.getFloat(at + 4);
            double[] ours = logSoftmax(logits, pos * vocab, vocab);
            double top = Double.NEGATIVE_INFINITY;
            for (double v : ours) top = Math.max(top, v);
            for (int v = 0; v < vocab; v++) {
                if (ours[v] < top - 15) continue; // llama.cpp clamps the tail
                double theirs = minLogProb + scale * (b.getShort(at + 8 + 2 * v) & 0xFFFF);
                double diff = Math.abs(theirs - ours[v]);
                sum += diff;
                max = Math.max(max, diff);
                count++;
            }
            b.position(at + 2 * stride);
        }
        double mean = sum / count;
        assertTrue(mean <= 0.06 && max <= 0.4, label + ": log-probs differ from llama.cpp's by " + mean + " on average, at most " + max);
    }

    private static double[] logSoftmax(float[] logits, int from, int n) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[from + i]);
        for (int i = 0; i < n; i++) sum += Math.exp(logits[from + i] - max);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = logits[from + i] - max - Math.log(sum);
        return out;
    }

    private static float[] prefill(LlamaModel model, int[] tokens, LinearProvider linears) {
        return model.ingest(model.newState(64), tokens, 0, tokens.length, linears, true).clone();
    }

    private static float[] oneByOne(LlamaModel model, int[] tokens, LinearProvider linears) {
        InferenceState state = model.newState(64);
        int vocab = model.config().vocabSize();
        float[] all = new float[tokens.length * vocab];
        for (int t = 0; t < tokens.length; t++) System.arraycopy(model.ingest(state, tokens, t, 1, linears, false), 0, all, t * vocab, vocab);
        return all;
    }

    private static void assertClose(float[] expected, float[] actual, double tolerance, String label) {
        assertEquals(expected.length, actual.length, label);
        double err = 0;
        for (int i = 0; i < expected.length; i++) err = Math.max(err, Math.abs(expected[i] - actual[i]));
        assertTrue(err <= tolerance, label + ": max abs error " + err);
    }

    private static float[] floats(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }

    private static JsonNode readIndex() {
        try {
            return new ObjectMapper().readTree(DIR.resolve("index.json").toFile());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
