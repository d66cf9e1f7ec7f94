package dev.lorillama.train;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.model.LlamaModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The training loop of LoRI's trainer (src/mask_trainers.py::BasicTrainer.train): one epoch after
 * another over the examples in LoRI's order, in batches of {@code batchSize} (a last partial batch
 * is dropped, as LoRI's iterator yields only full ones); for each batch the gradient of the mean
 * over its sequences of their summed response loss, then one {@link MaskedAdamW} step per
 * parameter. A checkpoint holds everything needed to go on exactly where it stopped.
 */
public final class Trainer {
    /** What the loop reports after every step. */
    public interface Listener {
        void step(long step, long totalSteps, double meanLoss, long tokens, double seconds);
    }

    private final LlamaModel model;
    private final TrainableAdapter adapter;
    private final SftDataset data;
    private final TrainingSettings settings;
    private final List<MaskedAdamW> optimizersB = new ArrayList<>();
    private final List<MaskedAdamW> optimizersA = new ArrayList<>();
    private final Backprop backprop;
    private long step;
    private final List<Double> losses = new ArrayList<>();

    public Trainer(LlamaModel model, TrainableAdapter adapter, SftDataset data, TrainingSettings settings) {
        this.model = model;
        this.adapter = adapter;
        this.data = data;
        this.settings = settings;
        if (stepsPerEpoch() == 0) {
            throw new UserInputException(data.size() + " examples make no batch of " + settings.batchSize()
                    + " (LoRI drops a last partial batch): lower --batch-size");
        }
        for (TrainableAdapter.Module m : adapter.modules()) {
            optimizersB.add(new MaskedAdamW(settings.optimizer(), m.b().length, adapter.mask(m)));
            if (adapter.trainsA()) optimizersA.add(new MaskedAdamW(settings.optimizer(), m.a().length, null));
        }
        int longest = 0;
        for (SftExample e : data.examples()) longest = Math.max(longest, e.tokens().length);
        if (longest > model.config().maxPositions()) {
            throw new UserInputException("an example has " + longest + " tokens, more than the model's max_position_embeddings "
                    + model.config().maxPositions() + " (lower --max-length)");
        }
        this.backprop = new Backprop(model, adapter, longest);
    }

    public long stepsPerEpoch() {
        return data.size() / settings.batchSize();
    }

    public long totalSteps() {
        return stepsPerEpoch() * settings.epochs();
    }

    public long step() {
        return step;
    }

    /** Mean batch loss of every step so far. */
    public List<Double> losses() {
        return losses;
    }

    /**
     * Runs steps until the last one or until {@code stop} says so (checked between sequences; a
     * step stopped half-way is dropped, so the state stays that of the last whole step).
     *
     * @return true when every step has run
     */
    public boolean run(BooleanSupplier stop, Listener listener) {
        List<SftExample> order = null;
        int orderEpoch = -1;
        while (step < totalSteps()) {
            int epoch = (int) (step / stepsPerEpoch());
            if (epoch != orderEpoch) {
                order = data.epochOrder(settings.seed(), epoch);
                orderEpoch = epoch;
            }
            int first = (int) (step % stepsPerEpoch()) * settings.batchSize();
            long start = System.nanoTime(), tokens = 0;
            adapter.zeroGradients();
            double loss = 0;
            for (int i = 0; i < settings.batchSize(); i++) {
                if (stop.getAsBoolean()) return false;
                SftExample e = order.get(first + i);
                loss += backprop.accumulate(e, 1.0 / settings.batchSize());
                tokens += e.tokens().length;
            }
            optimizerStep();
            step++;
            losses.add(loss / settings.batchSize());
            listener.step(step, totalSteps(), loss / settings.batchSize(), tokens, (System.nanoTime() - start) / 1e9);
        }
        return true;
    }

    private void optimizerStep() {
        List<TrainableAdapter.Module> modules = adapter.modules();
        for (int i = 0; i < modules.size(); i++) {
            TrainableAdapter.Module m = modules.get(i);
            optimizersB.get(i).step(m.b(), m.update().gradB());
            if (adapter.trainsA()) optimizersA.get(i).step(m.a(), m.update().gradA());
        }
    }

    /** Writes a checkpoint to {@code dir}: the adapter, the optimizer's moments and the step. */
    public void saveCheckpoint(Path dir, String baseModel) throws IOException {
        TrainingCheckpoint.save(dir, this, baseModel);
    }

    /** Goes on from a checkpoint written by {@link #saveCheckpoint} for the same data and settings. */
    public void resumeFrom(Path dir) {
        TrainingCheckpoint.restore(dir, this);
    }

    TrainableAdapter adapter() {
        return adapter;
    }

    List<MaskedAdamW> optimizersB() {
        return optimizersB;
    }

    List<MaskedAdamW> optimizersA() {
        return optimizersA;
    }

    TrainingSettings settings() {
        return settings;
    }

    SftDataset data() {
        return data;
    }

    void restoreStep(long step, List<Double> losses) {
        this.step = step;
        this.losses.clear();
        this.losses.addAll(losses);
    }
}
