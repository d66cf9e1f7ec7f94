package dev.lorillama.chat;

import dev.lorillama.api.GenerationSettings;
import dev.lorillama.api.Llama;
import dev.lorillama.api.Reply;
import dev.lorillama.api.Session;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code eval}: accuracy on an NLU test file under the LoRI repository's protocol. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Accuracy on an NLU test file, by the LoRI repository's protocol.",
                "Records {instruction, output, answer} (a JSON array or JSON lines); each instruction goes in the "
                        + "Alpaca prompt, read without BOS and answered greedily; the answer is the first of true|false, "
                        + "solution1|2, answer1..5, ending1..4, option1|2 after the last \"### Response:\", compared "
                        + "exactly with the record's. Prints the accuracy on stdout.",
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

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "512",
            description = "Most new tokens per answer. Default: ${DEFAULT-VALUE} (as the LoRI code).")
    int maxTokens;

    @Option(names = "--verbose", description = "Print each record's predicted and expected answer on stderr. Default: off.")
    boolean verbose;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "tokenizer.json / tokenizer.model when the model has none beside it. Default: the model's.")
    Path tokenizer;

    @Override
    public Integer call() {
        List<EvalRecords.EvalRecord> records = EvalRecords.read(data);
        int correct = 0;
        try (Llama llama = ModelLoading.load(model, adapters, device, tokenizer, Progress.loading());
             Session session = llama.newSession();
             ProgressBar bar = Progress.bar("eval", records.size())) {
            GenerationSettings greedy = GenerationSettings.greedy(maxTokens);
            for (int i = 0; i < records.size(); i++) {
                EvalRecords.EvalRecord r = records.get(i);
                String prompt = NluProtocol.prompt(r.instruction());
                Reply reply = session.generate(llama.tokenizer().encodeOrdinary(prompt), greedy, piece -> {});
                String predicted = NluProtocol.extractAnswer(prompt + reply.text());
                if (predicted.equals(r.answer())) correct++;
                if (verbose) System.err.printf(Locale.ROOT, "%n#%d predicted '%s', expected '%s'%n", i, predicted, r.answer());
                bar.setExtraMessage(String.format(Locale.ROOT, "accuracy %.4f", (double) correct / (i + 1)));
                bar.step();
            }
        }
        System.out.printf(Locale.ROOT, "accuracy %.4f (%d of %d correct)%n", (double) correct / records.size(), correct, records.size());
        return 0;
    }
}
