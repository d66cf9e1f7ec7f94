package dev.lorillama.runtime.format;

import dev.lorillama.runtime.UserInputException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The byte ranges a file's header gives its tensors, checked before anything is mapped: each
 * inside the data section, and none overlapping another (two tensors sharing bytes would make a
 * write through one, or a merged adapter, change the other). Safetensors and GGUF both check
 * here; GGUF also wants them in the order of its tensor infos, as llama.cpp writes and reads them.
 */
public final class TensorRanges {
    /** Bytes {@code [begin, end)} of the data section hold tensor {@code name}. */
    public record Range(String name, long begin, long end) {
        @Override
        public String toString() {
            return "\"" + name + "\" [" + begin + ", " + end + ")";
        }
    }

    private TensorRanges() {}

    /** Ranges in any order (a safetensors header is a JSON object): inside {@code [0, dataBytes)} and disjoint. */
    public static void checkDisjoint(String file, List<Range> ranges, long dataBytes) {
        List<Range> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingLong(Range::begin).thenComparingLong(Range::end));
        check(file, sorted, dataBytes, "overlap");
    }

    /** Ranges in the file's order (GGUF tensor infos): inside {@code [0, dataBytes)}, each starting at or after the previous end. */
    public static void checkInOrder(String file, List<Range> ranges, long dataBytes) {
        check(file, ranges, dataBytes, "overlap or are out of order");
    }

    private static void check(String file, List<Range> ranges, long dataBytes, String problem) {
        Range previous = null;
        for (Range r : ranges) {
            if (r.begin() < 0 || r.end() < r.begin() || r.end() > dataBytes) {
                throw new UserInputException(file + ": tensor " + r + " lies outside the data section of " + dataBytes + " bytes");
            }
            if (r.begin() == r.end()) continue; // an empty tensor holds no bytes to share
            if (previous != null && r.begin() < previous.end()) {
                throw new UserInputException(file + ": tensors " + previous + " and " + r + " " + problem);
            }
            previous = r;
        }
    }
}
