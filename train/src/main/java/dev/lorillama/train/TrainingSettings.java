package dev.lorillama.train;

/**
 * What a training run does, with LoRI's defaults (scripts/nlu_llama3_r_64.sh, config/config.yaml):
 * rank 64, alpha 128, batch 32 (gradient accumulation over single sequences), 1 epoch, max length
 * 512 with prompts kept to their first 256 tokens, AdamW lr 5e-5 without warm-up, each parameter's
 * gradient clipped to norm 1, seed 0 (LoRI's example order; also our A's initialisation).
 *
 * @param checkpointEvery steps between checkpoints (0: only at the end and on Ctrl-C)
 */
public record TrainingSettings(int rank, double alpha, int batchSize, int epochs, int maxLength, int maxPromptLength,
                               double dataFraction, long seed, boolean trainA, MaskedAdamW.Settings optimizer,
                               int checkpointEvery) {
    public static TrainingSettings lori() {
        return new TrainingSettings(64, 128, 32, 1, 512, 256, 1.0, 0, false, MaskedAdamW.Settings.lori(), 0);
    }
}
