package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.lori.LoraModule;
import dev.lorillama.lori.LoriMask;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import dev.lorillama.runtime.tensor.WeightMatrix;
import dev.lorillama.tokenizer.Tokenizer;
import dev.lorillama.train.MaskedAdamW;
import dev.lorillama.train.PromptTemplate;
import dev.lorillama.train.SftDataset;
import dev.lorillama.train.TrainableAdapter;
import dev.lorillama.train.Trainer;
import dev.lorillama.train.TrainingSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chat.jar train} end to end on the chat fixture (a tiny model with a real byte-level BPE
 * tokenizer): the PEFT directory it writes is applied, merged and masked by the runtime; LoRI-S
 * keeps B exactly zero outside its mask; continual training keeps the masked-out entries of the
 * adapter it started from; a resumed run ends with the same adapter, bit for bit, as an
 * uninterrupted one; quantized bases train; bad input is one clear line.
 */
class TrainCommandTest {
    @TempDir
    static Path tmp;

    static Path data;

    @BeforeAll
    static void writeData() throws Exception {
        StringBuilder json = new StringBuilder("[");
        String[] answers = {"true", "false"};
        for (int i = 0; i < 12; i++) {
            if (i > 0) json.append(',');
            json.append("{\"instruction\": \"Question ").append(i).append(": is ").append(i % 3).append(" odd? Answer true or false.\", ")
                    .append("\"input\": \"\", \"output\": \"the correct answer is ").append(answers[i % 2]).append("\"}");
        }
        data = Files.writeString(tmp.resolve("train.json"), json.append(']').toString());
    }

    private static CliRunner.Result train(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--model", ChatFixture.MODEL.toString(), "--data", data.toString(),
                "--out", out.toString(), "--rank", "4", "--alpha", "8", "--batch-size", "4", "--epochs", "2", "--lr", "1e-2",
                "--threads", "1"));
        args.addAll(List.of(extra));
        return CliRunner.run(args.toArray(String[]::new));
    }

    @Test
    void trainWritesAPeftAdapterThatTheRuntimeApplies() throws Exception {
        Path out = tmp.resolve("lori_d");
        CliRunner.Result r = train(out, "--checkpoint-every", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("trained 6 steps"), r.out());
        JsonNode config = new ObjectMapper().readTree(out.resolve("adapter_config.json").toFile());
        assertEquals("LORA", config.get("peft_type").asText());
        assertEquals(4, config.get("r").asInt());
        assertEquals(8, config.get("lora_alpha").asInt());
        assertEquals(7, config.get("target_modules").size());
        JsonNode state = new ObjectMapper().readTree(out.resolve("checkpoint/trainer_state.json").toFile());
        JsonNode losses = state.get("losses");
        assertEquals(6, losses.size());
        assertTrue(losses.get(5).asDouble() < losses.get(0).asDouble(), "the loss went down: " + losses);
        try (LlamaModel model = ModelLoader.load(ChatFixture.MODEL, 1); LoraAdapter adapter = LoraAdapter.load(out, model.config())) {
            assertEquals(7 * model.config().numLayers(), adapter.modules().size());
            for (LoraModule m : adapter.modules().values()) assertTrue(m.bDensity() > 0.5, m.bKey() + " was trained");
        }
        CliRunner.Result base = CliRunner.run("logits", "--model", ChatFixture.MODEL.toString(), "--tokens", "320,40,41,42");
        CliRunner.Result adapted = CliRunner.run("logits", "--model", ChatFixture.MODEL.toString(), "--tokens", "320,40,41,42", "--adapter", out.toString());
        CliRunner.Result merged = CliRunner.run("logits", "--model", ChatFixture.MODEL.toString(), "--tokens", "320,40,41,42", "--adapter", out.toString(), "--merged");
        assertEquals(0, adapted.exitCode(), adapted.err());
        assertNotEquals(base.out(), adapted.out(), "the adapter changes the logits");
        assertEquals(0, merged.exitCode(), merged.err());
    }

    @Test
    void loriSKeepsBExactlyZeroOutsideTheMaskAndContinualKeepsItsStart() throws Exception {
        Path loriD = tmp.resolve("for_mask");
        assertEquals(0, train(loriD).exitCode());
        Path mask = tmp.resolve("mask.safetensors");
        CliRunner.Result m = CliRunner.run("adapter", "mask", loriD.toString(), "--model", ChatFixture.MODEL.toString(), "--sparsity", "0.9", "--out", mask.toString());
        assertEquals(0, m.exitCode(), m.err());
        Path loriS = tmp.resolve("lori_s");
        CliRunner.Result s = train(loriS, "--mask", mask.toString());
        assertEquals(0, s.exitCode(), s.err());
        LoriMask keep = LoriMask.read(mask);
        int moved = 0;
        try (LlamaModel model = ModelLoader.load(ChatFixture.MODEL, 1); LoraAdapter adapter = LoraAdapter.load(loriS, model.config());
             LoraAdapter start = LoraAdapter.load(loriD, model.config())) {
            for (LoraModule mod : adapter.modules().values()) {
                float[] b = values(mod.b());
                boolean[] k = keep.masks().get(mod.bKey());
                for (int i = 0; i < b.length; i++) {
                    if (!k[i]) assertEquals(0, Float.floatToIntBits(b[i]), mod.bKey() + " entry " + i + " is outside the mask");
                    else if (b[i] != 0) moved++;
                }
            }
            assertTrue(moved > 0, "B trained inside the mask");
            // continual: start from LoRI-D, train under the mask: outside it, B keeps its start bit for bit
            Path continual = tmp.resolve("continual");
            CliRunner.Result c = train(continual, "--init-adapter", loriD.toString(), "--mask", mask.toString());
            assertEquals(0, c.exitCode(), c.err());
            try (LoraAdapter after = LoraAdapter.load(continual, model.config())) {
                for (LoraModule mod : after.modules().values()) {
                    float[] b = values(mod.b()), b0 = values(start.modules().get(modulePath(mod)).b());
                    float[] a = values(mod.a()), a0 = values(start.modules().get(modulePath(mod)).a());
                    assertArrayEquals(a0, a, "A stays frozen: " + mod.aKey());
                    boolean[] k = keep.masks().get(mod.bKey());
                    for (int i = 0; i < b.length; i++) if (!k[i]) assertEquals(Float.floatToIntBits(b0[i]), Float.floatToIntBits(b[i]));
                }
            }
        }
    }

    /** LoRI's published format: masks/0.9_mask.pt (torch.save zip pickle) reads as the same mask as the safetensors one. */
    @Test
    void lorisTorchMaskFileReadsWithoutTorch() {
        LoriMask pt = LoriMask.read(TrainingGoldens.ROOT.resolve("masks/0.9_mask.pt"));
        LoriMask st = LoriMask.read(Fixtures.mask("lori_d_0.9_mask.safetensors"));
        assertEquals(st.masks().keySet(), pt.masks().keySet());
        st.masks().forEach((key, keep) -> assertArrayEquals(keep, pt.masks().get(key), key));
        st.shapes().forEach((key, shape) -> assertArrayEquals(shape, pt.shapes().get(key), key));
    }

    @Test
    void resumedRunEndsWithTheSameAdapterAsAnUninterruptedOne() throws Exception {
        Tokenizer tokenizer = Tokenizer.load(ChatFixture.MODEL);
        SftDataset dataset = SftDataset.load(data, PromptTemplate.COMMONSENSE, tokenizer, tokenizer.eosId(), 512, 256, 1.0);
        TrainingSettings settings = new TrainingSettings(4, 8, 4, 2, 512, 256, 1.0, 0, true,
                new MaskedAdamW.Settings(1e-2, 0.9, 0.999, 1e-8, 0, 2, 1.0), 0);
        try (LlamaModel model = ModelLoader.load(ChatFixture.MODEL, 1)) {
            TrainableAdapter whole = TrainableAdapter.fresh(model.config(), 4, 8, 0, true);
            Trainer wholeTrainer = new Trainer(model, whole, dataset, settings);
            assertTrue(wholeTrainer.run(() -> false, (s, t, l, k, d) -> {}));

            TrainableAdapter first = TrainableAdapter.fresh(model.config(), 4, 8, 0, true);
            Trainer interrupted = new Trainer(model, first, dataset, settings);
            AtomicInteger sequences = new AtomicInteger();
            assertTrue(!interrupted.run(() -> sequences.incrementAndGet() > 10, (s, t, l, k, d) -> {}), "stopped half-way through step 3");
            assertEquals(2, interrupted.step());
            Path checkpoint = tmp.resolve("resume/checkpoint");
            interrupted.saveCheckpoint(checkpoint, "chat fixture");

            TrainableAdapter second = TrainableAdapter.fresh(model.config(), 4, 8, 99, true); // another seed: all comes from the checkpoint
            Trainer resumed = new Trainer(model, second, dataset, settings);
            resumed.resumeFrom(checkpoint);
            assertTrue(resumed.run(() -> false, (s, t, l, k, d) -> {}));
            // Equal up to float noise, not bit for bit: the Vector API's exp (softmax, SiLU) rounds
            // differently interpreted and JIT-compiled, so even two uninterrupted runs in one JVM
            // differ (~5e-7 here), and Adam turns an ulp in a near-zero gradient entry into a step of
            // up to lr. Every step's loss agrees to 1e-7 and the factors to 1e-4 (lr is 1e-2);
            // what the checkpoint holds is restored bit for bit.
            assertEquals(interrupted.losses(), resumed.losses().subList(0, 2), "the resumed run carries the losses so far");
            for (int i = 0; i < 6; i++) {
                assertEquals(wholeTrainer.losses().get(i), resumed.losses().get(i), 1e-7 * wholeTrainer.losses().get(i), "loss of step " + (i + 1));
            }
            for (int i = 0; i < whole.modules().size(); i++) {
                assertArrayEquals(whole.modules().get(i).a(), second.modules().get(i).a(), 1e-4f);
                assertArrayEquals(whole.modules().get(i).b(), second.modules().get(i).b(), 1e-4f);
            }
        }
    }

    /** Ctrl-C in a running chat.jar train: the checkpoint is written, exit 130, and --resume goes on from its step. */
    @Test
    void ctrlCWritesACheckpointThatResumeGoesOnFrom() throws Exception {
        Path out = tmp.resolve("interrupted");
        List<String> command = List.of("env", "--default-signal=INT", ChatJar.JAVA, "--add-modules", "jdk.incubator.vector", "-cp",
                ChatJar.jar().toString(), "dev.lorillama.chat.Main", "train", "--model", ChatFixture.MODEL.toString(), "--data", data.toString(),
                "--out", out.toString(), "--rank", "4", "--alpha", "8", "--batch-size", "4", "--epochs", "100000", "--threads", "1",
                "--checkpoint-every", "0");
        long stoppedAt = interruptAfterAStep(new ProcessBuilder(command).start(), out);
        List<String> resume = new ArrayList<>(command);
        resume.add("--resume");
        Process resumed = new ProcessBuilder(resume).start();
        ChatJar.Drain err = ChatJar.drain(resumed.getErrorStream());
        ChatJar.awaitConsole(err, "resuming at step " + stoppedAt, 1);
        assertTrue(interruptAfterAStep(resumed, out, err) > stoppedAt, "the resumed run went on");
    }

    private static long interruptAfterAStep(Process p, Path out) throws Exception {
        return interruptAfterAStep(p, out, ChatJar.drain(p.getErrorStream()));
    }

    /** Waits for a step's progress line, sends Ctrl-C, and returns the step the checkpoint holds. */
    private static long interruptAfterAStep(Process p, Path out, ChatJar.Drain err) throws Exception {
        ChatJar.drain(p.getInputStream());
        ChatJar.awaitConsole(err, "tok/s", 1);
        ChatJar.interrupt(p);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "train stops after Ctrl-C");
        err.join(5000);
        assertEquals(130, p.exitValue(), err.text());
        assertTrue(err.text().contains("interrupted after step"), err.text());
        JsonNode state = new ObjectMapper().readTree(out.resolve("checkpoint/trainer_state.json").toFile());
        long step = state.get("step").asLong();
        assertTrue(step >= 1 && err.text().contains("interrupted after step " + step + " of"), err.text());
        return step;
    }

    @Test
    void quantizedBasesTrain() {
        for (String type : new String[] {"q8_0", "bf16"}) {
            Path gguf = tmp.resolve("chat." + type + ".gguf");
            CliRunner.Result convert = CliRunner.run("convert", "--model", ChatFixture.MODEL.toString(), "--out", gguf.toString(), "--type", type);
            assertEquals(0, convert.exitCode(), convert.err());
            CliRunner.Result r = CliRunner.run("train", "--model", gguf.toString(), "--data", data.toString(), "--out", tmp.resolve("out-" + type).toString(),
                    "--rank", "4", "--alpha", "8", "--batch-size", "6", "--threads", "1");
            assertEquals(0, r.exitCode(), type + ": " + r.err());
        }
    }

    @Test
    void badInputIsOneClearLine() throws Exception {
        CliRunner.Result missing = CliRunner.run("train", "--model", ChatFixture.MODEL.toString(), "--data", tmp.resolve("nope.json").toString(), "--out", tmp.resolve("x").toString());
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains("nope.json: no such file"), missing.err());
        Path bad = Files.writeString(tmp.resolve("bad.json"), "[{\"instruction\": \"hi\"}]");
        CliRunner.Result noOutput = CliRunner.run("train", "--model", ChatFixture.MODEL.toString(), "--data", bad.toString(), "--out", tmp.resolve("x").toString());
        assertEquals(2, noOutput.exitCode());
        assertTrue(noOutput.err().contains("field \"output\" must be a string"), noOutput.err());
        CliRunner.Result wrongMask = train(tmp.resolve("y"), "--mask", Fixtures.mask("lori_d_0.9_mask.safetensors").toString());
        assertEquals(2, wrongMask.exitCode());
        assertTrue(wrongMask.err().contains("mask"), wrongMask.err());
        Path withInput = Files.writeString(tmp.resolve("input.json"), "[{\"instruction\": \"Add.\", \"input\": \"2 and 3\", \"output\": \"5\"}]");
        CliRunner.Result inputUnderDefault = CliRunner.run("train", "--model", ChatFixture.MODEL.toString(), "--data", withInput.toString(),
                "--out", tmp.resolve("x").toString(), "--template", "default");
        assertEquals(2, inputUnderDefault.exitCode());
        assertTrue(inputUnderDefault.err().contains("input.json: a record has an \"input\", which the default template"), inputUnderDefault.err());
        CliRunner.Result unknownTemplate = train(tmp.resolve("x"), "--template", "alpaca");
        assertEquals(2, unknownTemplate.exitCode());
        assertTrue(unknownTemplate.err().contains("--template alpaca is not one of LoRI's prompts"), unknownTemplate.err());
        CliRunner.Result noResume = train(tmp.resolve("z"), "--resume");
        assertEquals(2, noResume.exitCode());
        assertTrue(noResume.err().contains("no checkpoint to --resume from"), noResume.err());
    }

    private static String modulePath(LoraModule m) {
        return m.projection().modulePath(m.layer());
    }

    private static float[] values(WeightMatrix m) {
        float[] v = new float[m.rows() * m.cols()];
        for (int r = 0; r < m.rows(); r++) m.readRow(r, v, r * m.cols());
        return v;
    }
}
