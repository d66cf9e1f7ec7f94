package dev.lorillama.lori;

import dev.lorillama.runtime.tensor.FloatStorageMatrix;
import dev.lorillama.runtime.tensor.WeightMatrix;

/** Whether two stored matrices hold the same values bit for bit (LoRI's shared frozen A). */
final class SameValues {
    private SameValues() {}

    static boolean of(WeightMatrix a, WeightMatrix b) {
        if (a == b) return true;
        if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
        if (a instanceof FloatStorageMatrix fa && b instanceof FloatStorageMatrix fb && fa.dtype() == fb.dtype()) {
            return fa.data().mismatch(fb.data()) == -1;
        }
        return false;
    }
}
