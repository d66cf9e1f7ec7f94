package dev.lorillama.tests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lorillama.train.JsonRecords;

/** Eval and training records: a JSON array or JSON lines of objects. */
class EvalDataFuzzTest {
    @FuzzTest(maxDuration = "2s")
    void evalRecordsAreReadOrRefusedCleanly(byte[] data) throws Exception {
        HostileInput.readOrRefused(() -> JsonRecords.values(HostileInput.file("records.json", data), "{instruction, output}"));
    }
}
