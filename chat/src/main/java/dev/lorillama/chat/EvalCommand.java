package dev.lorillama.chat;

import dev.lorillama.api.Generation;
import dev.lorillama.api.GenerationSettings;
import dev.lorillama.api.Llama;
import dev.lorillama.api.ModelTokenizer;
import dev.lorillama.api.Prompt;
import dev.lorillama.api.Reply;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.backend.DeviceBackends;
import dev.lorillama.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code eval}: accuracy on an NLU test file, by the LoRI repository's protocol exactly. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Accuracy on an NLU test file, by the LoRI repository's protocol (src/eval_model.py, src/get_datasets.py).",
                "Records {instruction, output} (LoRI's tasks/<task>/test.json, or JSON lines). As LoRI: records are keyed by "
                        + "prompt (a later duplicate replaces an earlier one), only full batches of 64 are scored (the final "
                        + "partial batch is dropped; --all-records scores every record in file order), a prompt whose prompt + "
                        + "output + EOS pass 512 tokens keeps its first 256; each goes in the Alpaca prompt without BOS and is "
                        + "answered greedily until the generation config's EOS (at most --max-tokens). The answer is the first of "
                        + "the task's own words (boolq: true|false; piqa: solution1|2; social_i_qa, arc-challenge, arc-easy, "
                        + "openbookqa: answer1..5; hellaswag: ending1..4; winogrande: option1|2) after the last \"### Response:\" "
                        + "of prompt + answer, commas removed; the gold answer is the same extraction of the record's output.",
                "Generation runs batched (--batch-size at once, continuous batching). Prints the accuracy on stdout; what was "
                        + "kept, dropped and truncated and the speed on stderr. --generations scores saved generations without a model.",
                "Options:"})
final class EvalCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    AdapterOptions adapters;

    @Mixin
    DeviceOption device;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Test records: a JSON array or JSON lines.")
    Path data;

    @Option(names = "--task", paramLabel = "NAME",
            description = "Which answer words count: boolq, piqa, social_i_qa, arc-challenge, arc-easy, openbookqa, hellaswag, "
                    + "winogrande. Default: the name of the folder --data lies in (LoRI's tasks/<task>/test.json).")
    String task;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "512",
            description = "Most new tokens per answer. Default: ${DEFAULT-VALUE} (as the LoRI code).")
    int maxTokens;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "" + NluProtocol.BATCH,
            description = "Records generated at once. Default: ${DEFAULT-VALUE} (LoRI's batch size). The records scored do not "
                    + "depend on it: LoRI's final-batch rule always counts batches of 64.")
    int batchSize;

    @Option(names = "--kv-budget", paramLabel = "TOKENS",
            description = "KV cache positions the records generating together may reserve (prompt + --max-tokens each). "
                    + "Default: --batch-size × (longest prompt + --max-tokens).")
    Long kvBudget;

    @Option(names = "--all-records", description = "Score every record, in file order (no merging of duplicate prompts, no dropped final batch).")
    boolean allRecords;

    @Option(names = "--generations", paramLabel = "FILE.jsonl",
            description = "Score these generations instead of generating: JSON lines, one {\"generation\": TEXT} per record of "
                    + "--data, in file order (no --model needed).")
    Path generations;

    @Option(names = "--write-generations", paramLabel = "FILE.jsonl",
            description = "Save each record's generation (prompt + answer, as LoRI's scorer reads it; null where not scored) "
                    + "with the predicted and gold answers, in the --generations format.")
    Path writeGenerations;

    @Option(names = "--verbose", description = "Print each record's predicted and expected answer on stderr. Default: off.")
    boolean verbose;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "tokenizer.json / tokenizer.model when the model has none beside it. Default: the model's.")
    Path tokenizer;

    @Mixin
    OverwriteOption overwrite;

    /** What was generated for the scored items: the texts LoRI's scorer reads, and how it went. */
    private record Generated(List<String> texts, int truncated, double seconds) {}

    @Override
    public Integer call() {
        if (maxTokens < 1) throw new IllegalArgumentException("--max-tokens must be >= 1, got " + maxTokens);
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        if (generations != null && model.path != null) throw new IllegalArgumentException("give either --model or --generations, not both");
        overwrite.checkFile("--write-generations", writeGenerations);
        if (generations == null) DeviceBackends.select(device.device()); // a missing GPU is said before anything else
        NluProtocol.Task which = NluProtocol.Task.of(task, data);
        List<EvalRecords.EvalRecord> records = EvalRecords.read(data);
        EvalSelection selection = allRecords ? EvalSelection.everyRecord(records) : EvalSelection.lori(records);
        if (selection.items().isEmpty()) {
            throw new UserInputException(data + ": " + selection.inFile() + " records, " + (selection.inFile() - selection.duplicates())
                    + " distinct prompts: fewer than one full batch of " + NluProtocol.BATCH
                    + ", which LoRI's loader drops; --all-records scores them");
        }
        Generated generated = generations != null ? saved(selection, records.size()) : generate(selection);

        int correct = 0;
        List<EvalGenerations.Line> saved = new ArrayList<>(Arrays.asList(new EvalGenerations.Line[records.size()]));
        for (int i = 0; i < selection.items().size(); i++) {
            EvalSelection.Item item = selection.items().get(i);
            String text = generated.texts().get(i);
            String predicted = NluProtocol.extractAnswer(which, text);
            String gold = NluProtocol.extractAnswer(which, item.output());
            if (predicted.equals(gold)) correct++;
            if (verbose) System.err.printf(Locale.ROOT, "#%d predicted '%s', expected '%s'%n", item.index(), predicted, gold);
            saved.set(item.index(), new EvalGenerations.Line(text, predicted, gold));
        }
        if (writeGenerations != null) {
            for (int i = 0; i < saved.size(); i++) if (saved.get(i) == null) saved.set(i, new EvalGenerations.Line(null, null, null));
            EvalGenerations.write(writeGenerations, saved);
        }
        report(which, selection, generated);
        int scored = selection.items().size();
        System.out.printf(Locale.ROOT, "accuracy %.4f (%d of %d correct)%n", (double) correct / scored, correct, scored);
        return 0;
    }

    private Generated saved(EvalSelection selection, int records) {
        List<String> all = EvalGenerations.read(generations, records, data);
        List<String> texts = new ArrayList<>();
        for (EvalSelection.Item item : selection.items()) {
            String text = all.get(item.index());
            if (text == null) throw new UserInputException(generations + ": record " + item.index() + " is scored but its generation is null");
            texts.add(text);
        }
        return new Generated(texts, -1, 0);
    }

    /** Generates every scored item's answer in batches on the scheduler, and returns what LoRI's scorer reads: the prompt and the answer, special tokens left out. */
    private Generated generate(EvalSelection selection) {
        Tokenizer tok = ModelTokenizer.forModel(model.path(), tokenizer);
        List<NluProtocol.PromptIds> prompts = new ArrayList<>();
        int truncated = 0, longest = 0;
        for (EvalSelection.Item item : selection.items()) {
            NluProtocol.PromptIds p = NluProtocol.promptIds(tok, item.prompt(), item.output());
            prompts.add(p);
            if (p.truncated()) truncated++;
            longest = Math.max(longest, p.ids().length);
        }
        long budget = kvBudget != null ? kvBudget : (long) batchSize * (longest + maxTokens);
        int queue = prompts.size();
        try (Llama llama = ModelLoading.load(model, adapters, device, tokenizer, Progress.loading(),
                o -> o.batchSize(batchSize).kvBudget(budget).queueSize(queue))) {
            llama.checkBatchFitsHeap("--batch-size or --kv-budget");
            Set<Integer> eos = GenerationEos.of(model.path(), llama.tokenizer());
            GenerationSettings greedy = GenerationSettings.greedy(maxTokens);
            long start = System.nanoTime();
            List<Generation> running = new ArrayList<>();
            for (NluProtocol.PromptIds p : prompts) {
                running.add(llama.submit(Prompt.tokens(p.ids()).withSettings(greedy).withStopTokens(eos)));
            }
            List<String> texts = new ArrayList<>();
            try (ProgressBar bar = Progress.bar("eval", prompts.size())) {
                for (int i = 0; i < running.size(); i++) {
                    Reply reply = running.get(i).reply();
                    int[] ids = prompts.get(i).ids();
                    int[] all = Arrays.copyOf(ids, ids.length + reply.tokens().length);
                    System.arraycopy(reply.tokens(), 0, all, ids.length, reply.tokens().length);
                    texts.add(llama.tokenizer().decodeSkippingSpecial(all)); // batch_decode(..., skip_special_tokens=True)
                    bar.step();
                }
            }
            return new Generated(texts, truncated, (System.nanoTime() - start) / 1e9);
        }
    }

    private void report(NluProtocol.Task which, EvalSelection selection, Generated generated) {
        StringBuilder s = new StringBuilder("eval: task " + which.id + ", " + selection.inFile() + " records");
        if (allRecords) {
            s.append(", every record scored (--all-records)");
        } else {
            s.append(String.format(Locale.ROOT, ", %d duplicate prompts (the last of each kept), %d scored, %d dropped "
                    + "(the final batch of fewer than %d, as LoRI's loader)", selection.duplicates(), selection.items().size(),
                    selection.dropped(), NluProtocol.BATCH));
        }
        if (generated.truncated() >= 0) {
            s.append(String.format(Locale.ROOT, ", %d prompts truncated to their first %d tokens", generated.truncated(),
                    NluProtocol.MAX_PROMPT_LENGTH));
        }
        if (generated.seconds() > 0) {
            s.append(String.format(Locale.ROOT, "; generated in %.1f s, %.2f records/s (batches of %d)", generated.seconds(),
                    selection.items().size() / generated.seconds(), batchSize));
        }
        System.err.println(s);
    }
}
