package dev.lorillama.runtime.backend;

/** A model resident on a device (see {@link DeviceBackend}). */
public interface DeviceModel extends AutoCloseable {
    /** The backend and device, for messages and benchmark reports. */
    String describe();

    /** A new sequence of up to {@code contextLength} positions, run in batches of up to {@code batch} tokens. */
    DeviceSequence newSequence(int contextLength, int batch);

    @Override
    void close();
}
