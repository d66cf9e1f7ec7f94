package dev.lorillama.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.api.AdapterMix;
import dev.lorillama.api.Llama;
import dev.lorillama.api.LoadOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The chat fixture written by tools/reference/make_chat_fixture.py: a tiny checkpoint with a
 * tokenizer, adapters "nlu" and "code", an NLU eval file, and greedy replies computed by the
 * float64 reference.
 */
final class ChatFixture {
    static final Path ROOT = Fixtures.ROOT.resolve("chat");
    static final Path MODEL = ROOT.resolve("model");
    static final Path NLU = ROOT.resolve("adapters/nlu");
    static final Path CODE = ROOT.resolve("adapters/code");
    static final Path EVAL_JSON = ROOT.resolve("eval/test.json");
    static final Path EVAL_JSONL = ROOT.resolve("eval/test.jsonl");
    /** LoRI's layout, tasks/&lt;task&gt;/test.json: 70 records for the protocol's rules (expected.json beside it). */
    static final Path BOOLQ = ROOT.resolve("tasks/boolq/test.json");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChatFixture() {}

    /** One expected greedy reply: chat (template) or raw (completion after BOS), base or adapters. */
    record Expected(String mode, String model, String system, String user, int maxTokens, int[] promptIds,
                    int[] replyIds, String reply) {
        AdapterMix mix() {
            return AdapterMix.parse(model, "base");
        }

        @Override
        public String toString() {
            return mode + " " + model + " " + user;
        }
    }

    static List<Expected> expectedReplies() {
        List<Expected> out = new ArrayList<>();
        for (JsonNode c : read(ROOT.resolve("expected.json")).get("cases")) {
            out.add(new Expected(c.get("mode").asText(), c.get("model").asText(), c.get("system").isNull() ? null : c.get("system").asText(),
                    c.get("user").asText(), c.get("max_tokens").asInt(), Fixtures.ints(c.get("prompt_ids")),
                    Fixtures.ints(c.get("reply_ids")), c.get("reply").asText()));
        }
        return out;
    }

    static Expected expected(String mode, String model, String user) {
        return expectedReplies().stream().filter(e -> e.mode().equals(mode) && e.model().equals(model) && e.user().equals(user))
                .findFirst().orElseThrow();
    }

    static JsonNode evalExpectations() {
        return read(ROOT.resolve("eval/expected.json"));
    }

    /** The fixture model with both adapters, one thread (tests run beside each other on two cores). */
    static Llama load() {
        return Llama.load(MODEL, LoadOptions.defaults().threads(1).adapter("nlu", NLU).adapter("code", CODE));
    }

    /**
     * {@code adapter} with B zeroed outside its LoRI mask at sparsity 0.9 (one global magnitude
     * threshold), written by {@code adapter mask} and {@code apply-mask} to {@code out}; the mask
     * itself to {@code out + ".mask.safetensors"}.
     */
    static Path sparse(Path adapter, Path out) {
        Path mask = maskOf(out);
        CliRunner.Result m = CliRunner.run("adapter", "mask", adapter.toString(), "--model", MODEL.toString(),
                "--sparsity", "0.9", "--out", mask.toString());
        if (m.exitCode() != 0) throw new AssertionError(m.err());
        CliRunner.Result a = CliRunner.run("adapter", "apply-mask", adapter.toString(), "--model", MODEL.toString(),
                "--mask", mask.toString(), "--out", out.toString());
        if (a.exitCode() != 0) throw new AssertionError(a.err());
        return out;
    }

    static Path maskOf(Path sparseAdapter) {
        return sparseAdapter.resolveSibling(sparseAdapter.getFileName() + ".mask.safetensors");
    }

    static JsonNode read(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
