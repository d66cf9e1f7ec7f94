package dev.lorillama.chat;

import dev.lorillama.lori.AdapterSet;

/** A one-line progress bar on stderr (stdout stays clean for pipes). */
final class Progress {
    private Progress() {}

    static AdapterSet.MergeProgress bar(String label) {
        return (done, total) -> {
            int width = 30;
            int filled = total == 0 ? width : done * width / total;
            System.err.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + done + "/" + total);
            if (done == total) System.err.println();
        };
    }
}
