package dev.lorillama.tests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lorillama.runtime.format.HfCheckpoint;
import dev.lorillama.tests.Fixtures;
import java.nio.file.Path;

/** model.safetensors.index.json beside one valid shard: the weight map names shards inside the checkpoint, and says where each tensor is. */
class ShardIndexFuzzTest {
    @FuzzTest(maxDuration = "2s")
    void shardIndexIsReadOrRefusedCleanly(byte[] data) throws Exception {
        Path shard = HostileInput.copy(Fixtures.ROOT.resolve("chat/model/model.safetensors"), "sharded/model-00001-of-00001.safetensors");
        HostileInput.copy(Fixtures.ROOT.resolve("chat/model/config.json"), "sharded/config.json");
        HostileInput.file("sharded/model.safetensors.index.json", data);
        HostileInput.readOrRefused(() -> {
            try (HfCheckpoint checkpoint = HfCheckpoint.open(shard.getParent())) {
                checkpoint.names().size();
            }
        });
    }
}
