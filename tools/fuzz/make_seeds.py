#!/usr/bin/env python3
"""Writes the seed inputs of the parser fuzz tests (tests/src/test/java/dev/lorillama/tests/fuzz).

Each fuzz test starts from valid files: small copies of the test fixtures where they are small,
and for the binary formats (safetensors, GGUF, tiktoken) tiny files written here by the
formats' specifications, so that the fuzzer spends its time on headers, not on weights.
Run from the repository root: python3 tools/fuzz/make_seeds.py
"""
import base64
import json
import os
import shutil
import struct

FIX = "tests/src/test/resources/fixtures"
OUT = "tests/src/test/resources/dev/lorillama/tests/fuzz"


def seed_dir(test, method):
    d = os.path.join(OUT, test + "Inputs", method)
    os.makedirs(d, exist_ok=True)
    return d


def write(test, method, name, data):
    with open(os.path.join(seed_dir(test, method), name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def copy(test, method, name, source):
    shutil.copyfile(os.path.join(FIX, source), os.path.join(seed_dir(test, method), name))


def safetensors(tensors, metadata=None):
    """tensors: list of (name, dtype, shape, raw bytes), laid out in order."""
    header, offset, data = {}, 0, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        data += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def gguf_string(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gguf(metadata, tensors, alignment=32):
    """metadata: list of (key, type id, packed value); tensors: list of (name, ne, ggml type, raw)."""
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata) + 1)
    out += gguf_string("general.alignment") + struct.pack("<II", 4, alignment)
    for key, type_id, value in metadata:
        out += gguf_string(key) + struct.pack("<I", type_id) + value
    offset = 0
    for name, ne, ggml_type, raw in tensors:
        out += gguf_string(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", n) for n in ne)
        out += struct.pack("<IQ", ggml_type, offset)
        offset += len(raw) + (-len(raw) % alignment)
    out += b"\0" * (-len(out) % alignment)
    for _, _, _, raw in tensors:
        out += raw + b"\0" * (-len(raw) % alignment)
    return out


def u32(v):
    return struct.pack("<I", v)


def f32(v):
    return struct.pack("<f", v)


def string_array(items):
    return struct.pack("<IQ", 8, len(items)) + b"".join(gguf_string(s) for s in items)


def main():
    floats = struct.pack("<4f", 1.0, -2.0, 0.5, 3.0)
    write("SafetensorsFuzzTest", "safetensorsFileIsReadOrRefusedCleanly", "two_tensors.safetensors",
          safetensors([("a.weight", "F32", [2, 2], floats), ("b", "BF16", [3], b"\x80\x3f\x00\x40\x00\x00")], {"format": "pt"}))
    write("SafetensorsFuzzTest", "safetensorsFileIsReadOrRefusedCleanly", "empty_tensor.safetensors",
          safetensors([("e", "F16", [0, 4], b""), ("m", "BOOL", [2], b"\x01\x00")]))

    # the shard index names every tensor of the chat fixture's single shard
    with open(os.path.join(FIX, "chat/model/model.safetensors"), "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        names = [k for k in json.loads(f.read(n)) if k != "__metadata__"]
    index = {"metadata": {"total_size": 1}, "weight_map": {k: "model-00001-of-00001.safetensors" for k in names}}
    write("ShardIndexFuzzTest", "shardIndexIsReadOrRefusedCleanly", "index.json", json.dumps(index, indent=2))

    q8_block = struct.pack("<e", 0.25) + bytes(range(32))
    metadata = [
        ("general.architecture", 8, gguf_string("llama")),
        ("llama.block_count", 4, u32(1)),
        ("llama.context_length", 4, u32(64)),
        ("llama.embedding_length", 4, u32(32)),
        ("llama.feed_forward_length", 4, u32(64)),
        ("llama.attention.head_count", 4, u32(4)),
        ("llama.attention.head_count_kv", 4, u32(2)),
        ("llama.attention.layer_norm_rms_epsilon", 6, f32(1e-5)),
        ("llama.rope.freq_base", 6, f32(500000.0)),
        ("llama.vocab_size", 4, u32(4)),
        ("tokenizer.ggml.model", 8, gguf_string("gpt2")),
        ("tokenizer.ggml.pre", 8, gguf_string("llama-bpe")),
        ("tokenizer.ggml.tokens", 9, string_array(["a", "b", "ab", "<|end_of_text|>"])),
        ("tokenizer.ggml.token_type", 9, struct.pack("<IQ", 5, 4) + struct.pack("<4i", 1, 1, 1, 3)),
        ("tokenizer.ggml.merges", 9, string_array(["a b"])),
        ("tokenizer.ggml.bos_token_id", 4, u32(0)),
        ("tokenizer.ggml.eos_token_id", 4, u32(3)),
    ]
    write("GgufFuzzTest", "ggufFileIsReadOrRefusedCleanly", "llama_header.gguf",
          gguf(metadata, [("token_embd.weight", [32, 4], 0, bytes(32 * 4 * 4)), ("blk.0.attn_q.weight", [32, 1], 8, q8_block)]))

    copy("HfConfigFuzzTest", "configJsonIsReadOrRefusedCleanly", "config.json", "chat/model/config.json")
    copy("GenerationConfigFuzzTest", "generationConfigIsReadOrRefusedCleanly", "generation_config.json", "chat/model/generation_config.json")
    copy("TokenizerJsonFuzzTest", "tokenizerJsonIsReadOrRefusedCleanly", "tokenizer.json", "chat/model/tokenizer.json")
    copy("TokenizerConfigFuzzTest", "tokenizerConfigIsReadOrRefusedCleanly", "tokenizer_config.json", "chat/model/tokenizer_config.json")

    ranks = "".join(base64.b64encode(bytes([b])).decode() + " " + str(b) + "\n" for b in range(256))
    ranks += base64.b64encode(b"ab").decode() + " 256\n"
    write("TiktokenModelFuzzTest", "tiktokenModelIsReadOrRefusedCleanly", "tokenizer.model", ranks)

    copy("AdapterConfigFuzzTest", "adapterConfigIsReadOrRefusedCleanly", "adapter_config.json", "adapters/lori_d/adapter_config.json")
    copy("AdapterTensorsFuzzTest", "adapterTensorsAreReadOrRefusedCleanly", "adapter_model.safetensors", "adapters/subset/adapter_model.safetensors")
    copy("MaskFileFuzzTest", "safetensorsMaskIsReadOrRefusedCleanly", "mask.safetensors", "masks/lori_d_0.9_mask.safetensors")
    copy("TorchMaskFuzzTest", "torchMaskIsReadOrRefusedCleanly", "mask.pt", "training/masks/0.9_mask.pt")
    copy("EvalDataFuzzTest", "evalRecordsAreReadOrRefusedCleanly", "test.json", "chat/eval/test.json")
    copy("EvalDataFuzzTest", "evalRecordsAreReadOrRefusedCleanly", "test.jsonl", "chat/eval/test.jsonl")


if __name__ == "__main__":
    main()
