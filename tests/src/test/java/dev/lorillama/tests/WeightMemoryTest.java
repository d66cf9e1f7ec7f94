package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.api.GenerationSettings;
import dev.lorillama.api.Llama;
import dev.lorillama.api.LoadOptions;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.HfCheckpoint;
import dev.lorillama.runtime.format.WeightMemory;
import dev.lorillama.runtime.format.gguf.GgufFile;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code --mmap} / {@code --no-mmap}: weights read into anonymous memory give the very logits of
 * the mapped file, for every stored type; the option parses, reaches every way of loading, and
 * broken files are refused the same way whichever memory they are read into.
 */
class WeightMemoryTest {
    private static final int[] TOKENS = {1, 7, 42, 3, 99, 5, 11, 2};

    @TempDir
    Path dir;

    static Stream<Path> models() {
        Path quants = Fixtures.ROOT.resolve("gguf-quants");
        return Stream.concat(
                Stream.of("gqa_f32", "gqa_bf16", "gqa_f16", "sharded_f32").map(Fixtures::model),
                Stream.of("Q8_0", "Q4_0", "Q4_K_M", "Q6_K", "IQ4_XS").map(t -> quants.resolve("tiny-" + t + ".gguf")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void copiedWeightsGiveTheLogitsOfTheMappedFile(Path model) throws Exception {
        float[] mapped = logits(model, WeightMemory.MAPPED);
        float[] copied = logits(model, WeightMemory.COPIED);
        // Not bit for bit: the two loads may run the kernels at different JIT tiers, and
        // reduceLanes sums lanes in order in the interpreter and C1 but as a tree in C2.
        assertArrayEquals(mapped, copied, 1e-4f, model.getFileName().toString());
    }

    private static float[] logits(Path model, WeightMemory memory) throws Exception {
        try (LlamaModel m = ModelLoader.load(model, 2, memory)) {
            int[] tokens = Arrays.stream(TOKENS).map(t -> t % m.config().vocabSize()).toArray();
            return m.ingest(m.newState(16), tokens, 0, tokens.length, m.baseLinears(), true).clone();
        }
    }

    @Test
    void theApiOptionReachesTheLoader() {
        Path model = ChatFixture.MODEL;
        try (Llama mapped = Llama.load(model, LoadOptions.defaults().threads(1).contextLength(64).mmap(true));
             Llama copied = Llama.load(model, LoadOptions.defaults().threads(1).contextLength(64).weightMemory(WeightMemory.COPIED))) {
            int[] a = mapped.newSession().complete("hello", true, GenerationSettings.greedy(6), piece -> {}).tokens();
            int[] b = copied.newSession().complete("hello", true, GenerationSettings.greedy(6), piece -> {}).tokens();
            assertArrayEquals(a, b);
        }
        assertThrows(NullPointerException.class, () -> LoadOptions.defaults().weightMemory(null));
    }

    @Test
    void benchSaysWhichMemoryItLoadedIntoAndHowLongLoadingTook() throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (String flag : new String[] {"--mmap", "--no-mmap"}) {
            String stdout = captureStdout("bench", "-m", Fixtures.model("gqa_f32").toString(), "-p", "4", "-n", "2", "-r", "1", "-t", "1",
                    flag, "--json");
            JsonNode out = json.readTree(stdout);
            assertEquals(flag.substring(2), out.get("weight_memory").asText(), stdout);
            assertTrue(out.get("load_seconds").isNumber() && out.get("load_seconds").asDouble() > 0, stdout);
            assertTrue(out.get("load_seconds").asDouble() < 60, stdout);
        }
        String text = captureStdout("bench", "-m", Fixtures.model("gqa_f32").toString(), "-p", "4", "-n", "2", "-r", "1", "-t", "1",
                "--no-mmap");
        assertTrue(text.lines().anyMatch(l -> l.matches("load \\d+\\.\\d\\d s \\(--no-mmap\\)")), text);
    }

    @Test
    void theCpuDefaultIsTheCopyAndAGpuKeepsTheMapping() throws Exception {
        String stdout = captureStdout("bench", "-m", Fixtures.model("gqa_f32").toString(), "-p", "2", "-n", "1", "-r", "1", "-t", "1", "--json");
        assertEquals("no-mmap", new ObjectMapper().readTree(stdout).get("weight_memory").asText(), stdout);
        assertEquals(WeightMemory.COPIED, WeightMemory.orDefault(null, false));
        assertEquals(WeightMemory.MAPPED, WeightMemory.orDefault(null, true));
        assertEquals(WeightMemory.COPIED, WeightMemory.orDefault(WeightMemory.COPIED, true));
    }

    @Test
    void aValueForTheFlagIsRefusedInOneLine() {
        CliRunner.Result r = CliRunner.run("logits", "-m", Fixtures.model("gqa_f32").toString(), "--tokens", "1,2", "--mmap=maybe");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("error: Invalid value for option '--mmap': 'maybe' is not a boolean"), r.err());
        assertTrue(!r.err().contains("Exception"), r.err());
    }

    @Test
    void everyModelLoadingCommandTakesTheFlag() {
        for (String command : new String[] {"chat", "bench", "logits", "serve", "eval", "check", "train"}) {
            CliRunner.Result help = CliRunner.run(command, "--help");
            assertTrue(help.out().contains("--[no-]mmap"), command + " --help:\n" + help.out());
        }
        CliRunner.Result copied = CliRunner.run("logits", "-m", Fixtures.model("gqa_f32").toString(), "--tokens", "1,2", "--no-mmap");
        CliRunner.Result mapped = CliRunner.run("logits", "-m", Fixtures.model("gqa_f32").toString(), "--tokens", "1,2", "--mmap");
        assertEquals(0, copied.exitCode(), copied.err());
        assertEquals(mapped.out(), copied.out());
    }

    @Test
    void brokenFilesAreRefusedAlikeWhetherMappedOrCopied() throws Exception {
        byte[] gguf = Files.readAllBytes(Fixtures.ROOT.resolve("gguf-quants/tiny-Q8_0.gguf"));
        for (int length : new int[] {0, 3, 24, 200, gguf.length / 2, gguf.length - 1}) {
            Path cut = dir.resolve("cut-" + length + ".gguf");
            Files.write(cut, Arrays.copyOf(gguf, length));
            assertEquals(refusal(() -> GgufFile.open(cut, WeightMemory.MAPPED)), refusal(() -> GgufFile.open(cut, WeightMemory.COPIED)),
                    "GGUF cut at " + length);
        }
        Path checkpoint = dir.resolve("checkpoint");
        Files.createDirectories(checkpoint);
        Files.copy(Fixtures.model("gqa_f32").resolve("config.json"), checkpoint.resolve("config.json"));
        byte[] safetensors = Files.readAllBytes(Fixtures.model("gqa_f32").resolve("model.safetensors"));
        for (int length : new int[] {0, 7, 100, safetensors.length - 1}) {
            Files.write(checkpoint.resolve("model.safetensors"), Arrays.copyOf(safetensors, length));
            assertEquals(refusal(() -> HfCheckpoint.open(checkpoint, WeightMemory.MAPPED)),
                    refusal(() -> HfCheckpoint.open(checkpoint, WeightMemory.COPIED)), "safetensors cut at " + length);
        }
        assertTrue(refusal(() -> ModelLoader.load(dir.resolve("missing.gguf"), 1, WeightMemory.COPIED)).contains("no such file"));
    }

    /** The message a load is refused with (the test fails if it is not refused as a user error). */
    private static String refusal(org.junit.jupiter.api.function.ThrowingSupplier<? extends AutoCloseable> open) {
        UserInputException e = assertThrows(UserInputException.class, () -> open.get().close());
        assertTrue(!e.getMessage().isBlank() && !e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    private static String captureStdout(String... args) {
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(0, r.exitCode(), r.err());
        return r.out().trim();
    }
}
