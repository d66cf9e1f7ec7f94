package dev.lorillama.chat;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.model.WeightScan;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code check}: decodes every weight of a model and reports the tensors holding NaN or infinite values. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Scan a model's weights for NaN and infinite values.",
                "Decodes every tensor (quantized ones as the forward pass does) and names each one holding a value that is not a "
                        + "finite number, with how many and where the first is. Exit code 0 when all are finite, 2 when not."})
final class CheckCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Override
    public Integer call() {
        long start = System.nanoTime();
        WeightScan.Result result = WeightScan.scan(model.path());
        for (WeightScan.Finding f : result.findings()) {
            System.out.printf(Locale.ROOT, "%s: %d NaN, %d infinite (first at row %d, column %d)%n", f.tensor(), f.nan(), f.infinite(),
                    f.row(), f.col());
        }
        System.out.printf(Locale.ROOT, "checked %d tensors, %d values in %.1f s: %s%n", result.tensors(), result.values(),
                (System.nanoTime() - start) / 1e9,
                result.findings().isEmpty() ? "all finite" : result.findings().size() + " tensors hold NaN or infinite values");
        if (!result.findings().isEmpty()) {
            throw new UserInputException(model.path() + ": " + result.findings().size() + " tensors hold NaN or infinite values (listed above)");
        }
        return 0;
    }
}
