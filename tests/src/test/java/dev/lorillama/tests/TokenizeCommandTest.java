package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.chat.Main;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code chat.jar tokenize}, run in-process with stdin, stdout and stderr captured. */
class TokenizeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String tokenizer = Llama3TokenizerFiles.tokenizerJson().toString();

    private record Run(int exitCode, String out, String err) {}

    private static synchronized Run run(String stdin, String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        InputStream oldIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
        }
    }

    @Test
    void textPrintsTheIdsAsOneJsonArrayAndNothingElse() {
        Run r = run("", "tokenize", "--tokenizer", tokenizer, "--text", "Hello<|eot_id|>");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("[9906, 128009]\n", r.out());
    }

    @Test
    void noSpecialEncodesSpecialTokenStringsAsText() {
        Run r = run("", "tokenize", "--tokenizer", tokenizer, "--text", "<|eot_id|>", "--no-special");
        assertEquals("[27, 91, 68, 354, 851, 91, 29]\n", r.out());
    }

    @Test
    void jsonlWritesOneIdsLinePerInputLineInOrder() throws Exception {
        List<Llama3TokenizerFiles.Record> corpus = Llama3TokenizerFiles.corpus().subList(0, 300);
        StringBuilder stdin = new StringBuilder();
        for (Llama3TokenizerFiles.Record rec : corpus) stdin.append(JSON.writeValueAsString(Map.of("text", rec.text()))).append('\n');
        // --model takes a checkpoint directory; this one has tokenizer.json.gz and tokenizer_config.json
        Run r = run(stdin.toString(), "tokenize", "--model", Llama3TokenizerFiles.dir().toString(), "--jsonl");
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().split("\n");
        assertEquals(corpus.size(), lines.length);
        for (int i = 0; i < lines.length; i++) {
            JsonNode ids = JSON.readTree(lines[i]).get("ids");
            assertEquals(corpus.get(i).ids(), ids, "line " + (i + 1));
        }
    }

    @Test
    void malformedJsonlLineIsAnErrorNamingItsLineNumber() {
        Run r = run("{\"text\": \"ok\"}\n{\"text\": 3}\n", "tokenize", "--tokenizer", tokenizer, "--jsonl");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("stdin line 2"), r.err());
        assertEquals("{\"ids\": [564]}\n", r.out());
    }

    @Test
    void badTokenizerFileIsAOneLineError() {
        Run r = run("", "tokenize", "--tokenizer", "/nonexistent/tokenizer.json", "--text", "x");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: /nonexistent/tokenizer.json"), r.err());
        assertEquals("", r.out());
    }
}
