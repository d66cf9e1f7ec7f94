package dev.lorillama.hub;

/** Told how a file download goes (the command line draws a progress bar with it). */
public interface DownloadListener {
    DownloadListener NONE = new DownloadListener() {};

    /** A file starts downloading: {@code totalBytes} (-1 if unknown), of which {@code resumedFrom} are already on disk. */
    default void started(String file, long totalBytes, long resumedFrom) {}

    /** {@code bytes} of the file are on disk now. */
    default void progressed(long bytes) {}

    /** The file is complete and checked, or the download failed ({@code ok} false). */
    default void finished(boolean ok) {}
}
