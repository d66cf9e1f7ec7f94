package dev.lorillama.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * LoRI's supervised fine-tuning data (src/get_datasets.py, {@code get_commonsense} and
 * {@code tokenize_batch_element}): Alpaca-style records {instruction, input?, output} from a JSON
 * array or JSON lines, each turned into a training prompt ({@link PromptTemplate}: LoRI's
 * {@code get_commonsense} or {@code get_default}), tokenized without BOS, the response followed by EOS.
 *
 * <p>Records are keyed by their prompt as LoRI's dict does: a repeated prompt keeps its first
 * place and its last output. Too long an example keeps the first {@code maxPromptLength} prompt
 * tokens (keep_start), then if still too long the first {@code maxLength − maxPromptLength}
 * response tokens.
 */
public final class SftDataset {
    private final List<SftExample> examples;

    private SftDataset(List<SftExample> examples) {
        this.examples = List.copyOf(examples);
    }

    /** One record of the file, before templating. */
    public record Record(String instruction, String input, String output) {}

    /**
     * Reads and tokenizes {@code file} under {@code template}; {@code fraction} keeps the first
     * {@code int(n·fraction)} records (LoRI's data_fraction).
     */
    public static SftDataset load(Path file, PromptTemplate template, Tokenizer tokenizer, int eosId, int maxLength, int maxPromptLength,
            double fraction) {
        if (maxPromptLength < 1 || maxPromptLength >= maxLength) {
            throw new UserInputException("--max-prompt-length " + maxPromptLength + " must be between 1 and --max-length " + maxLength + " - 1");
        }
        if (eosId < 0) throw new UserInputException(tokenizer + ": the tokenizer names no EOS token (give one with --eos-token)");
        List<Record> records = readRecords(file);
        records = records.subList(0, (int) (records.size() * fraction));
        Map<String, String> byPrompt = new LinkedHashMap<>();
        for (Record r : records) {
            if (template == PromptTemplate.DEFAULT && !r.input().isEmpty()) {
                throw new UserInputException(file + ": a record has an \"input\", which the default template (LoRI's get_default) has no place for: "
                        + "use --template commonsense");
            }
            byPrompt.put(template.prompt(r.instruction(), r.input()), r.output());
        }
        List<SftExample> examples = new ArrayList<>();
        for (Map.Entry<String, String> e : byPrompt.entrySet()) {
            examples.add(example(tokenizer.encode(e.getKey()), tokenizer.encode(e.getValue()), eosId, maxLength, maxPromptLength, file));
        }
        if (examples.isEmpty()) throw new UserInputException(file + ": no records left (data fraction " + fraction + ")");
        return new SftDataset(examples);
    }

    /** Prompt + response + EOS, truncated as tokenize_batch_element does (keep_start). */
    static SftExample example(int[] prompt, int[] response, int eosId, int maxLength, int maxPromptLength, Object where) {
        for (int id : prompt) if (id == eosId) throw new UserInputException(where + ": a prompt contains the EOS token " + eosId);
        for (int id : response) if (id == eosId) throw new UserInputException(where + ": an output contains the EOS token " + eosId);
        int responseLength = response.length + 1;
        int promptLength = prompt.length;
        if (promptLength + responseLength > maxLength) promptLength = Math.min(promptLength, maxPromptLength);
        if (promptLength + responseLength > maxLength) responseLength = Math.min(responseLength, maxLength - maxPromptLength);
        if (promptLength == 0) throw new UserInputException(where + ": an example has an empty prompt");
        int[] tokens = new int[promptLength + responseLength];
        System.arraycopy(prompt, 0, tokens, 0, promptLength);
        int fromResponse = Math.min(response.length, responseLength);
        System.arraycopy(response, 0, tokens, promptLength, fromResponse);
        if (fromResponse < responseLength) tokens[promptLength + fromResponse] = eosId;
        return new SftExample(tokens, promptLength);
    }

    public List<SftExample> examples() {
        return examples;
    }

    public int size() {
        return examples.size();
    }

    /**
     * The examples of epoch {@code epoch} in LoRI's order: shuffled as Python does with numpy's
     * per-epoch seed (see {@link PythonShuffle}); {@code seed} is get_batch_iterator's (0 in LoRI).
     */
    public List<SftExample> epochOrder(long seed, int epoch) {
        List<SftExample> order = new ArrayList<>(examples);
        PythonShuffle.shuffle(order, PythonShuffle.epochSeed(seed, epoch));
        return order;
    }

    static List<Record> readRecords(Path file) {
        List<Record> records = new ArrayList<>();
        for (JsonRecords.Located l : JsonRecords.values(file, "{instruction, input, output}")) records.add(record(file, l.where(), l.node()));
        return records;
    }

    private static Record record(Path file, String where, JsonNode node) {
        if (node == null || !node.isObject()) throw new UserInputException(file + ": " + where + " is not a JSON object");
        JsonNode input = node.get("input");
        if (input != null && !input.isNull() && !input.isTextual()) {
            throw new UserInputException(file + ": " + where + ": field \"input\" must be a string");
        }
        return new Record(text(file, where, node, "instruction"), input == null || input.isNull() ? "" : input.asText(),
                text(file, where, node, "output"));
    }

    private static String text(Path file, String where, JsonNode node, String name) {
        JsonNode value = node.get(name);
        if (value == null || !value.isTextual()) {
            throw new UserInputException(file + ": " + where + ": field \"" + name + "\" must be a string, found "
                    + (value == null ? "nothing" : value.getNodeType().toString().toLowerCase(Locale.ROOT)));
        }
        return value.asText();
    }
}
