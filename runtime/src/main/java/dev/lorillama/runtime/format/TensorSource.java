package dev.lorillama.runtime.format;

import dev.lorillama.runtime.UserInputException;
import java.util.Optional;
import java.util.Set;

/** Named tensors of a checkpoint, wherever they are stored (one file, shards, GGUF). */
public interface TensorSource {
    /** The checkpoint, for messages. */
    String describe();

    Optional<TensorData> find(String name);

    Set<String> names();

    default TensorData require(String name) {
        return find(name).orElseThrow(() -> new UserInputException(describe() + ": missing tensor \"" + name + "\""));
    }
}
