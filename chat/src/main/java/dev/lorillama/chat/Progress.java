package dev.lorillama.chat;

import dev.lorillama.api.LoadProgress;
import dev.lorillama.lori.AdapterSet;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress bars on stderr (stdout stays clean for pipes), drawn by the progressbar library. */
final class Progress {
    private static final int WIDTH = 80;

    private Progress() {}

    static ProgressBar bar(String task, long max) {
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(max)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200)
                // a fixed width: asking for the terminal's would open a second terminal beside the chat's
                .setConsumer(new ConsoleProgressBarConsumer(System.err, WIDTH))
                .hideEta()
                .build();
    }

    /** A bar for {@code Llama.load}: model, adapters, and merged projections. */
    static LoadProgress loading() {
        return new LoadProgress() {
            private ProgressBar bar;

            @Override
            public void total(int steps) {
                if (bar == null) bar = bar("loading", steps);
                else bar.maxHint(steps);
            }

            @Override
            public void step(String what) {
                bar.setExtraMessage(what);
                bar.step();
            }

            @Override
            public void done() {
                if (bar != null) bar.close();
            }
        };
    }

    /** A merge bar that closes itself at the last step. */
    static AdapterSet.MergeProgress merging(String label) {
        ProgressBar[] bar = {null};
        return (done, total) -> {
            if (bar[0] == null) bar[0] = bar(label, total);
            bar[0].stepTo(done);
            if (done == total) bar[0].close();
        };
    }
}
