package dev.lorillama.lori;

import dev.lorillama.runtime.tensor.FloatArrayMatrix;
import dev.lorillama.runtime.tensor.WeightMatrix;

/** Whether two adapter factors hold the same values bit for bit (LoRI's shared frozen A). */
final class SameValues {
    private SameValues() {}

    static boolean of(WeightMatrix a, WeightMatrix b) {
        if (a == b) return true;
        return a instanceof FloatArrayMatrix fa && b instanceof FloatArrayMatrix fb && fa.sameValues(fb);
    }
}
