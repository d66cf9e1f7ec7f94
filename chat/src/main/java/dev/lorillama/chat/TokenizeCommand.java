package dev.lorillama.chat;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.lorillama.api.ModelTokenizer;
import dev.lorillama.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code chat.jar tokenize}: prints the token ids of a text, or of every line of a JSONL stream,
 * as JSON on stdout and nothing else, so scripts can compare tokenizers in bulk.
 */
@Command(name = "tokenize",
        mixinStandardHelpOptions = true,
        description = {"Print the Llama 3 token ids of a text as JSON.",
                "One array on one line; with --jsonl, read {\"text\": ...} lines from stdin and write one {\"ids\": [...]} line each."})
final class TokenizeCommand implements Callable<Integer> {

    static final class Source {
        @Option(names = "--tokenizer", paramLabel = "FILE_OR_DIR",
                description = "tokenizer.json, tokenizer.model (tiktoken), a .gguf file (its vocabulary), or a checkpoint directory holding one.")
        Path tokenizer;

        @Option(names = "--model", paramLabel = "PATH",
                description = "Model: checkpoint directory (its tokenizer.json, else tokenizer.model), .gguf file, or Hugging Face name.")
        String model;
    }

    static final class Input {
        @Option(names = "--text", paramLabel = "TEXT", description = "The text to tokenize.")
        String text;

        @Option(names = "--jsonl", description = "Read JSON lines {\"text\": \"...\"} from stdin; write {\"ids\": [...]} per line, in order.")
        boolean jsonl;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--no-special", defaultValue = "false",
            description = "Treat special-token strings such as <|eot_id|> as plain text (default: ${DEFAULT-VALUE}, i.e. they become their ids).")
    boolean noSpecial;

    private static final ObjectMapper JSON = new ObjectMapper();
    /** One line, with a space after each comma: [128000, 9906]. */
    private static final ObjectWriter ONE_LINE = JSON.writer(new DefaultPrettyPrinter(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                    .withArrayValueSpacing(Separators.Spacing.AFTER)
                    .withObjectEntrySpacing(Separators.Spacing.AFTER))
            .withArrayIndenter(DefaultPrettyPrinter.NopIndenter.instance)
            .withObjectIndenter(DefaultPrettyPrinter.NopIndenter.instance));

    @Override
    public Integer call() throws IOException {
        Tokenizer tokenizer = source.tokenizer != null ? ModelTokenizer.forModel(source.tokenizer, source.tokenizer)
                : ModelTokenizer.forModel(modelPath(), null);
        Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
        try {
            if (input.jsonl) {
                tokenizeLines(tokenizer, out);
            } else {
                out.write(ONE_LINE.writeValueAsString(encode(tokenizer, input.text)));
                out.write('\n');
            }
        } finally {
            out.flush();
        }
        return 0;
    }

    private Path modelPath() {
        ModelOptions options = new ModelOptions();
        options.path = source.model;
        return options.path();
    }

    private int[] encode(Tokenizer tokenizer, String text) {
        return noSpecial ? tokenizer.encodeOrdinary(text) : tokenizer.encode(text);
    }

    private void tokenizeLines(Tokenizer tokenizer, Writer out) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 16);
        String line;
        int lineNumber = 0;
        while ((line = in.readLine()) != null) {
            lineNumber++;
            out.write(ONE_LINE.writeValueAsString(Map.of("ids", encode(tokenizer, textOf(line, lineNumber)))));
            out.write('\n');
        }
    }

    private static String textOf(String line, int lineNumber) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("stdin line " + lineNumber + ": expected a JSON object {\"text\": \"...\"}, found invalid JSON: "
                    + e.getOriginalMessage());
        }
        JsonNode text = node == null ? null : node.get("text");
        if (text == null || !text.isTextual()) {
            String found = node == null ? "an empty line" : node.isObject() ? "no string field \"text\"" : node.getNodeType().toString().toLowerCase();
            throw new IllegalArgumentException("stdin line " + lineNumber + ": expected a JSON object {\"text\": \"...\"}, found " + found);
        }
        return text.asText();
    }
}
