package dev.lorillama.chat;

import dev.lorillama.api.GenerationSettings;
import dev.lorillama.runtime.generate.SamplingOptions;
import java.util.Locale;

/**
 * The chat's {@code /set NAME VALUE}: changes one sampling setting for the next answers, with the
 * same names as the command-line options ({@code temperature}, {@code top-k}, ...; {@code _} works
 * for {@code -}).
 */
final class SamplingCommand {
    static final String NAMES = "temperature, top-k, top-p, min-p, repeat-penalty, seed, max-tokens";

    private SamplingCommand() {}

    /** The settings with {@code name} set to {@code value}; IllegalArgumentException says what is wrong. */
    static GenerationSettings set(GenerationSettings settings, String name, String value) {
        SamplingOptions s = settings.sampling();
        try {
            return switch (name.toLowerCase(Locale.ROOT).replace('_', '-')) {
                case "temperature", "temp" -> settings.withSampling(new SamplingOptions(Float.parseFloat(value), s.topK(), s.topP(),
                        s.minP(), s.repetitionPenalty(), s.seed()));
                case "top-k" -> settings.withSampling(new SamplingOptions(s.temperature(), Integer.parseInt(value), s.topP(), s.minP(),
                        s.repetitionPenalty(), s.seed()));
                case "top-p" -> settings.withSampling(new SamplingOptions(s.temperature(), s.topK(), Float.parseFloat(value), s.minP(),
                        s.repetitionPenalty(), s.seed()));
                case "min-p" -> settings.withSampling(new SamplingOptions(s.temperature(), s.topK(), s.topP(), Float.parseFloat(value),
                        s.repetitionPenalty(), s.seed()));
                case "repeat-penalty", "repetition-penalty" -> settings.withSampling(new SamplingOptions(s.temperature(), s.topK(),
                        s.topP(), s.minP(), Float.parseFloat(value), s.seed()));
                case "seed" -> settings.withSampling(s.withSeed(Long.parseLong(value)));
                case "max-tokens" -> settings.withMaxTokens(Integer.parseInt(value));
                default -> throw new IllegalArgumentException("no setting '" + name + "'; settings: " + NAMES);
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + value + "' is not a number");
        }
    }

    /** The settings in the form /set takes them. */
    static String describe(GenerationSettings settings) {
        SamplingOptions s = settings.sampling();
        return String.format(Locale.ROOT, "temperature %s, top-k %d, top-p %s, min-p %s, repeat-penalty %s, seed %d, max-tokens %d",
                trim(s.temperature()), s.topK(), trim(s.topP()), trim(s.minP()), trim(s.repetitionPenalty()), s.seed(), settings.maxTokens());
    }

    private static String trim(float v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
