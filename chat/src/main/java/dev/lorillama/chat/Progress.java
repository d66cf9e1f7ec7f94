package dev.lorillama.chat;

import dev.lorillama.api.LoadProgress;
import dev.lorillama.hub.DownloadListener;
import dev.lorillama.lori.AdapterSet;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress bars on stderr (stdout stays clean for pipes), drawn by the progressbar library. */
final class Progress {
    private Progress() {}

    static ProgressBar bar(String task, long max) {
        return builder(task, max).hideEta().build();
    }

    private static ProgressBarBuilder builder(String task, long max) {
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(max)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200)
                // a fixed width: asking for the terminal's would open a second terminal beside the chat's
                .setConsumer(new StderrLine());
    }

    /** A bar for {@code Llama.load}: model, adapters, and merged projections. */
    static LoadProgress loading() {
        return new LoadProgress() {
            private ProgressBar bar;
            private final java.util.List<String> notes = new java.util.ArrayList<>(); // printed once the bar is gone

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
            public void note(String text) {
                notes.add(text);
            }

            @Override
            public void done() {
                if (bar != null) bar.close();
                StderrLine.end();
                notes.forEach(n -> System.err.println("note: " + n));
            }
        };
    }

    /** A merge bar that closes itself at the last step; notes are printed then. */
    static AdapterSet.MergeProgress merging(String label) {
        return new AdapterSet.MergeProgress() {
            private ProgressBar bar;
            private final java.util.List<String> notes = new java.util.ArrayList<>();

            @Override
            public void step(int done, int total) {
                if (bar == null) bar = bar(label, total);
                bar.stepTo(done);
                if (done == total) {
                    bar.close();
                    StderrLine.end();
                    notes.forEach(n -> System.err.println("note: " + n));
                }
            }

            @Override
            public void note(String text) {
                notes.add(text);
            }
        };
    }

    /** One bar per downloaded file, in MB with the speed. */
    static DownloadListener downloading() {
        return new DownloadListener() {
            private ProgressBar bar;

            @Override
            public void started(String file, long totalBytes, long resumedFrom) {
                if (resumedFrom > 0) {
                    StderrLine.end();
                    System.err.printf("resuming %s at %s%n", file, megabytes(resumedFrom));
                }
                bar = builder(file, totalBytes).setUnit("MB", 1_000_000).showSpeed()
                        .startsFrom(resumedFrom, java.time.Duration.ZERO).build();
            }

            @Override
            public void progressed(long bytes) {
                bar.stepTo(bytes);
            }

            @Override
            public void finished(boolean ok) {
                if (bar != null) bar.close();
                bar = null;
                StderrLine.end();
            }
        };
    }

    static String megabytes(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
