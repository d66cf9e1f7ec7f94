package dev.lorillama.chat;

import dev.lorillama.api.ModelTokenizer;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.lori.LoriMask;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import dev.lorillama.tokenizer.Tokenizer;
import dev.lorillama.train.MaskedAdamW;
import dev.lorillama.train.PromptTemplate;
import dev.lorillama.train.SftDataset;
import dev.lorillama.train.TrainableAdapter;
import dev.lorillama.train.Trainer;
import dev.lorillama.train.TrainingSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code train}: a LoRI (or LoRA) adapter trained on SFT records, as the LoRI repository trains one. */
@SuppressWarnings("restriction")
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a LoRI adapter on instruction records, exactly as the LoRI repository does.",
                "LoRI-D by default (A frozen at its random init, B dense); --mask trains LoRI-S (B stays zero outside the mask); "
                        + "--init-adapter continues from a trained adapter (continual learning); --train-a trains A too (plain LoRA).",
                "Records {instruction, input?, output} (a JSON array or JSON lines) go in LoRI's training prompt (no BOS), "
                        + "the output followed by EOS; the loss is the sum of the response tokens' -log p, averaged over each batch.",
                "Writes a PEFT adapter (adapter_config.json + adapter_model.safetensors) to --out, and a resumable checkpoint to "
                        + "--out/checkpoint (every --checkpoint-every steps and on Ctrl-C; --resume goes on from it).",
                "Options:"})
final class TrainCommand implements Callable<Integer> {
    static final int INTERRUPTED = 130;

    @Mixin
    ModelOptions model;

    @Mixin
    OverwriteOption overwrite;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Training records: a JSON array or JSON lines of {instruction, input, output}.")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the adapter (and its checkpoint) go.")
    Path out;

    @Option(names = "--rank", paramLabel = "R", defaultValue = "64", description = "LoRA rank r. Default: ${DEFAULT-VALUE}.")
    int rank;

    @Option(names = "--alpha", paramLabel = "A", defaultValue = "128", description = "LoRA alpha (scale alpha/r). Default: ${DEFAULT-VALUE}.")
    double alpha;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "5e-5", description = "AdamW learning rate. Default: ${DEFAULT-VALUE} (LoRI-D; its LoRI-S scripts use 1e-4).")
    double lr;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32", description = "Sequences per optimizer step (gradient accumulation). Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "1", description = "Passes over the data. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--warmup-steps", paramLabel = "N", defaultValue = "0", description = "Linear warm-up: step k runs at lr*min(1,(k+1)/(N+1)). Default: ${DEFAULT-VALUE}.")
    int warmupSteps;

    @Option(names = "--max-grad-norm", paramLabel = "X", defaultValue = "1", description = "Each parameter's gradient is clipped to this norm on its own. Default: ${DEFAULT-VALUE}.")
    double maxGradNorm;

    @Option(names = "--weight-decay", paramLabel = "X", defaultValue = "0", description = "AdamW weight decay. Default: ${DEFAULT-VALUE}.")
    double weightDecay;

    @Option(names = "--max-length", paramLabel = "TOKENS", defaultValue = "512", description = "Longest prompt + response. Default: ${DEFAULT-VALUE}.")
    int maxLength;

    @Option(names = "--max-prompt-length", paramLabel = "TOKENS", defaultValue = "256", description = "A too long example keeps this many prompt tokens. Default: ${DEFAULT-VALUE}.")
    int maxPromptLength;

    @Option(names = "--data-fraction", paramLabel = "F", defaultValue = "1", description = "Train on the first F of the records. Default: ${DEFAULT-VALUE}.")
    double dataFraction;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Example order (0: LoRI's) and A's initialisation. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--mask", paramLabel = "FILE", description = "LoRI-S: train B only inside this mask (adapter mask output, or LoRI's masks/0.9_mask.pt).")
    Path mask;

    @Option(names = "--init-adapter", paramLabel = "DIR", description = "Continue from this adapter (its A, B, rank and alpha): continual learning.")
    Path initAdapter;

    @Option(names = "--train-a", description = "Train A as well (plain LoRA). Default: A stays frozen (LoRI).")
    boolean trainA;

    @Option(names = "--resume", description = "Go on from --out/checkpoint.")
    boolean resume;

    @Option(names = "--checkpoint-every", paramLabel = "STEPS", defaultValue = "50", description = "Write --out/checkpoint every this many steps (0: only on Ctrl-C). Default: ${DEFAULT-VALUE}.")
    int checkpointEvery;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "tokenizer.json / tokenizer.model when the model has none beside it. Default: the model's.")
    Path tokenizerPath;

    @Option(names = "--template", paramLabel = "commonsense|default", defaultValue = "commonsense",
            description = "The prompt, as LoRI builds it: commonsense (get_commonsense: 20-space indentation, an Input section when a record has one; "
                    + "LoRI's NLU training) or default (get_default: 16 spaces, instruction only; LoRI's tasks/<name> files and the prompt eval scores). "
                    + "Default: ${DEFAULT-VALUE}.")
    String template;

    @Option(names = "--eos-token", paramLabel = "TEXT", description = "The token that ends each response. Default: the tokenizer's eos_token.")
    String eosToken;

    @Override
    public Integer call() throws Exception {
        check(rank > 0, "--rank must be positive");
        check(alpha > 0, "--alpha must be positive");
        check(lr > 0, "--lr must be positive");
        check(batchSize > 0, "--batch-size must be positive");
        check(epochs > 0, "--epochs must be positive");
        check(warmupSteps >= 0, "--warmup-steps must be >= 0");
        check(maxGradNorm > 0, "--max-grad-norm must be positive");
        check(dataFraction > 0 && dataFraction <= 1, "--data-fraction must be in (0, 1]");
        check(checkpointEvery >= 0, "--checkpoint-every must be >= 0");
        Path checkpoint = out.resolve("checkpoint");
        if (resume && !Files.isDirectory(checkpoint)) throw new UserInputException(checkpoint + ": no checkpoint to --resume from");
        if (!resume) overwrite.checkDirectory("--out", out);
        Tokenizer tokenizer = ModelTokenizer.forModel(model.path(), tokenizerPath);
        int eos = eosToken == null ? tokenizer.eosId() : tokenizer.specialTokenId(eosToken)
                .orElseThrow(() -> new UserInputException("--eos-token " + eosToken + " is not a token of the tokenizer"));
        SftDataset dataset = SftDataset.load(data, PromptTemplate.named(template), tokenizer, eos, maxLength, maxPromptLength, dataFraction);
        var optimizer = new MaskedAdamW.Settings(lr, 0.9, 0.999, 1e-8, weightDecay, warmupSteps, maxGradNorm);
        var settings = new TrainingSettings(rank, alpha, batchSize, epochs, maxLength, maxPromptLength, dataFraction, seed, trainA, optimizer, checkpointEvery);
        try (LlamaModel llama = ModelLoader.load(model.path(), model.threads(), model.weightMemory(false))) {
            TrainableAdapter adapter;
            if (initAdapter != null) {
                try (LoraAdapter init = LoraAdapter.load(initAdapter, llama.config())) {
                    adapter = TrainableAdapter.from(init, llama.config(), trainA);
                }
            } else {
                adapter = TrainableAdapter.fresh(llama.config(), rank, alpha, seed, trainA);
            }
            if (mask != null) adapter.restrictTo(LoriMask.read(mask), mask);
            Trainer trainer = new Trainer(llama, adapter, dataset, settings);
            if (resume) trainer.resumeFrom(checkpoint);
            String base = model.path().toString();
            System.err.printf(Locale.ROOT, "training %s: %d examples, %d steps of %d, rank %d, alpha %s, lr %s%s%s%s%n",
                    adapter.trainsA() ? "LoRA (A and B)" : mask != null ? "LoRI-S (B under the mask)" : "LoRI (B)",
                    dataset.size(), trainer.totalSteps(), batchSize, adapter.rank(), adapter.alpha(), lr,
                    initAdapter != null ? ", from " + initAdapter : "", resume ? ", resuming at step " + trainer.step() : "",
                    mask != null ? ", mask " + mask : "");
            AtomicBoolean stop = new AtomicBoolean();
            Signal interrupt = new Signal("INT");
            var previous = Signal.handle(interrupt, signal -> stop.set(true)); // Ctrl-C: finish the sequence, save, stop
            boolean finished;
            try (ProgressBar bar = bar(trainer.totalSteps(), trainer.step())) {
                long[] tokens = {0};
                double[] seconds = {0};
                finished = trainer.run(stop::get, (step, total, loss, stepTokens, stepSeconds) -> {
                    tokens[0] += stepTokens;
                    seconds[0] += stepSeconds;
                    bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f, %.0f tok/s", loss, tokens[0] / seconds[0]));
                    bar.stepTo(step);
                    if (checkpointEvery > 0 && step % checkpointEvery == 0 && step < total) save(trainer, checkpoint, base);
                });
            } finally {
                Signal.handle(interrupt, previous);
            }
            if (!finished) {
                save(trainer, checkpoint, base);
                System.err.printf(Locale.ROOT, "interrupted after step %d of %d: checkpoint in %s (go on with --resume)%n",
                        trainer.step(), trainer.totalSteps(), checkpoint);
                return INTERRUPTED;
            }
            adapter.save(out, base);
            if (checkpointEvery > 0 || resume) save(trainer, checkpoint, base);
            double last = trainer.losses().isEmpty() ? Double.NaN : trainer.losses().get(trainer.losses().size() - 1);
            System.out.printf(Locale.ROOT, "trained %d steps (last batch loss %.4f): adapter in %s%n", trainer.step(), last, out);
            return 0;
        }
    }

    private static void save(Trainer trainer, Path checkpoint, String base) {
        try {
            trainer.saveCheckpoint(checkpoint, base);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static ProgressBar bar(long total, long done) {
        return new ProgressBarBuilder().setTaskName("train").setInitialMax(total).startsFrom(done, java.time.Duration.ZERO)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500)
                .setConsumer(new ConsoleProgressBarConsumer(System.err, 100)).build();
    }

    private static void check(boolean ok, String message) {
        if (!ok) throw new UserInputException(message);
    }
}
