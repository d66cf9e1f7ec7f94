package dev.lorillama.tests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lorillama.lori.LoriMask;

/** LoRI mask files as adapter mask writes them (safetensors, BOOL or float). */
class MaskFileFuzzTest {
    @FuzzTest(maxDuration = "2s")
    void safetensorsMaskIsReadOrRefusedCleanly(byte[] data) throws Exception {
        HostileInput.readOrRefused(() -> LoriMask.read(HostileInput.file("mask.safetensors", data)).density());
    }
}
