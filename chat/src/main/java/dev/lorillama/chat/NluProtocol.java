package dev.lorillama.chat;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.train.PromptTemplate;
import dev.lorillama.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The LoRI repository's NLU evaluation protocol, as {@code src/eval_model.py} and
 * {@code src/get_datasets.py} compute it (github.com/juzhengz/LoRI at 9183468): an Alpaca-style
 * prompt read without BOS, answered greedily until the generation config's EOS, scored by the
 * task's own answer words after the last "### Response:" of prompt + answer, against the same
 * extraction of the record's {@code output}.
 */
final class NluProtocol {
    static final String RESPONSE_MARKER = "### Response:";
    /** eval_model.py's --batch_size default: the loader yields only full batches of it. */
    static final int BATCH = 64;
    /** get_batch_iterator(max_length=512, max_prompt_length=256): a prompt whose prompt + output + EOS passes 512 keeps its first 256 tokens. */
    static final int MAX_LENGTH = 512;
    static final int MAX_PROMPT_LENGTH = 256;

    /** The eight commonsense tasks of eval_model.py, each with the answer words extract_answer_commonsense looks for. */
    enum Task {
        BOOLQ("boolq", "true|false"),
        PIQA("piqa", "solution1|solution2"),
        SOCIAL_I_QA("social_i_qa", "answer1|answer2|answer3|answer4|answer5"),
        ARC_CHALLENGE("arc-challenge", "answer1|answer2|answer3|answer4|answer5"),
        ARC_EASY("arc-easy", "answer1|answer2|answer3|answer4|answer5"),
        OPENBOOKQA("openbookqa", "answer1|answer2|answer3|answer4|answer5"),
        HELLASWAG("hellaswag", "ending1|ending2|ending3|ending4"),
        WINOGRANDE("winogrande", "option1|option2");

        final String id;
        final Pattern answer;

        Task(String id, String answer) {
            this.id = id;
            this.answer = Pattern.compile(answer);
        }

        static Optional<Task> byId(String id) {
            return Arrays.stream(values()).filter(t -> t.id.equals(id)).findFirst();
        }

        static String ids() {
            return Arrays.stream(values()).map(t -> t.id).collect(Collectors.joining(", "));
        }

        /** {@code --task}, else the folder the data lies in, as LoRI's {@code tasks/<task>/test.json}. */
        static Task of(String given, Path data) {
            if (given != null) {
                return byId(given).orElseThrow(() -> new UserInputException("--task " + given + " is not one of LoRI's tasks: " + ids()));
            }
            Path folder = data.toAbsolutePath().normalize().getParent();
            String name = folder == null || folder.getFileName() == null ? "" : folder.getFileName().toString();
            return byId(name).orElseThrow(() -> new UserInputException("the task decides which answer words count; " + data
                    + " lies in \"" + name + "\", not in a folder named for one of LoRI's tasks (" + ids()
                    + "): give --task"));
        }
    }

    /** A prompt's token ids as LoRI feeds them, and whether they were cut. */
    record PromptIds(int[] ids, boolean truncated) {}

    private NluProtocol() {}

    static String prompt(String instruction) {
        return PromptTemplate.DEFAULT.prompt(instruction, ""); // get_default's, 16 spaces of indentation included
    }

    /**
     * tokenize_batch_element: the prompt without BOS; when prompt + output + EOS is longer than
     * {@value #MAX_LENGTH} tokens, only the prompt's first {@value #MAX_PROMPT_LENGTH} are kept.
     */
    static PromptIds promptIds(Tokenizer tokenizer, String prompt, String output) {
        int[] ids = tokenizer.encodeOrdinary(prompt);
        int answer = tokenizer.encodeOrdinary(output).length + 1;
        if (ids.length + answer <= MAX_LENGTH) return new PromptIds(ids, false);
        return new PromptIds(Arrays.copyOf(ids, Math.min(ids.length, MAX_PROMPT_LENGTH)), true);
    }

    /**
     * extract_answer_commonsense: commas removed, the text after the last "### Response:" (all of
     * it when there is none), stripped; the first of the task's answer words in it, or "".
     */
    static String extractAnswer(Task task, String text) {
        String sentence = text.replace(",", "");
        int marker = sentence.lastIndexOf(RESPONSE_MARKER);
        if (marker >= 0) sentence = sentence.substring(marker + RESPONSE_MARKER.length());
        Matcher m = task.answer.matcher(sentence.strip());
        return m.find() ? m.group() : "";
    }
}
