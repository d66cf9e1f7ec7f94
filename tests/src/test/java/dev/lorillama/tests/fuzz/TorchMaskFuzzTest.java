package dev.lorillama.tests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lorillama.lori.LoriMask;

/** LoRI's own torch.save masks (.pt): the zip, the pickle program, the tensor storages, all read without torch. */
class TorchMaskFuzzTest {
    @FuzzTest(maxDuration = "2s")
    void torchMaskIsReadOrRefusedCleanly(byte[] data) throws Exception {
        HostileInput.readOrRefused(() -> LoriMask.read(HostileInput.file("mask.pt", data)).density());
    }
}
