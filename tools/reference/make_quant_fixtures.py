#!/usr/bin/python3
"""Fixtures for the ggml weight types (deterministic).

    /usr/bin/python3 tools/reference/make_quant_fixtures.py [--llama-cpp BIN_DIR]

1. Decoder goldens, always: for every block type, random blocks whose scale fields take their
   extreme values (f16 0, ±65504, smallest normal and subnormal; 4/6/8-bit scales and mins all
   zeros, all ones, 0x80/0x7F...) and quants all 0, all 1 and random, dequantized by
   ggml_quants.py -> runtime/src/test/resources/quant-blocks/TYPE.bin (blocks) and TYPE.f32
   (values, float32 little-endian, in order).
2. With --llama-cpp (a directory holding a built llama-quantize and llama-perplexity, used as
   given; nothing of llama.cpp is built or kept here; gcc builds the small no_extra_bufts.c shim): a tiny Llama (hidden 256, 2 layers,
   heads 4/2, FFN 320 so that the down projections' rows are not whole 256-blocks and take
   llama-quantize's fallback types, vocab 352 with the chat fixture's tokenizer) written as an
   F32 GGUF, quantized by llama-quantize to every type of the issue, and for each file:
     tests/src/test/resources/fixtures/gguf-quants/tiny-TYPE.gguf   what llama-quantize wrote
     tiny-TYPE.logits.f32      float64 reference logits [T, V] of the dequantized file (as float32)
     tiny-TYPE.lora.logits.f32 the same with the random LoRI adapter in adapter/ applied unmerged
     tiny-TYPE.kld             llama-perplexity --kl-divergence-base output: llama.cpp's own
                               log-probabilities for the second half of the T tokens
     tiny-TYPE.lora.kld        the same with the adapter applied by llama.cpp (--lora, the adapter
                               written here as llama.cpp's LoRA GGUF: q/k B rows permuted like the
                               base, scale alpha/r from adapter.lora.alpha)
   and index.json (tokens, types, each file's tensor types).
3. With --llama-cpp too: tests/src/test/resources/fixtures/convert-mix/, what `convert --type
   q4_k_m|q5_k_m|q6_k` is checked against: model/ (a tiny HF checkpoint in F16: hidden 256,
   2 layers, heads 2/1 with head_dim 64 and FFN 64, so that o_proj and down_proj rows are not
   whole 256-blocks and take llama-quantize's fallbacks; vocab 64, no tokenizer) and
   expected.json: for each of Q4_K_M, Q5_K_M, Q6_K and each tensor of llama-quantize's file
   (made from an F32 GGUF of the same values), its type, the SHA-256 of its bytes and its
   weight RMSE against the source values.
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ggml_quants as gq  # noqa: E402
import gguf  # noqa: E402
import llama_ref as ref  # noqa: E402
import st  # noqa: E402
from make_fixtures import peft_config  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BLOCKS = os.path.join(ROOT, "runtime", "src", "test", "resources", "quant-blocks")
OUT = os.path.join(ROOT, "tests", "src", "test", "resources", "fixtures", "gguf-quants")
CHAT_TOKENIZER = os.path.join(ROOT, "tests", "src", "test", "resources", "fixtures", "chat", "model")

# where each block type keeps its f16 fields (byte offsets in the block)
F16_FIELDS = {"Q4_0": [0], "Q4_1": [0, 2], "Q5_0": [0], "Q5_1": [0, 2], "Q8_0": [0], "Q2_K": [80, 82],
              "Q3_K": [108], "Q4_K": [0, 2], "Q5_K": [0, 2], "Q6_K": [208], "IQ4_NL": [0], "IQ4_XS": [0]}
F16_EXTREMES = [0.0, -0.0, 65504.0, -65504.0, 2.0 ** -14, -(2.0 ** -14), 2.0 ** -24, 1.0, -1.0, 0.0625]
BYTE_EXTREMES = [0x00, 0xFF, 0x80, 0x7F, 0x3F, 0xC0, 0x0F, 0xF0, 0x01, 0xFE]

# llama-quantize type names of the issue (file types)
FILE_TYPES = ["Q2_K", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K",
              "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "IQ4_NL", "IQ4_XS"]
HIDDEN, LAYERS, HEADS, KV_HEADS, FFN = 256, 2, 4, 2, 320
T = 32  # tokens per sequence (llama-perplexity -c)


# ---------------------------------------------------------------- 1. decoder goldens

def random_blocks(name, rng):
    """Blocks cycling through patterns: all bytes 0, all 0xFF, bytes drawn from extreme values,
    uniform random; the f16 fields cycle through F16_EXTREMES (each field with its own phase)."""
    _, per_block, size = gq.TYPES[gq.BY_NAME[name]]
    count = 4096 // per_block
    b = np.empty((count, size), np.uint8)
    for i in range(count):
        pattern = i % 8
        if pattern == 0:
            b[i] = 0
        elif pattern == 1:
            b[i] = 0xFF
        elif pattern < 4:
            b[i] = rng.choice(BYTE_EXTREMES, size)
        else:
            b[i] = rng.integers(0, 256, size)
        for k, at in enumerate(F16_FIELDS[name]):
            v = F16_EXTREMES[(i + 3 * k) % len(F16_EXTREMES)] if i < 2 * len(F16_EXTREMES) else rng.standard_normal() * 0.05
            b[i, at:at + 2] = np.array([v], np.float16).view(np.uint8)
    return b


def write_block_goldens():
    os.makedirs(BLOCKS, exist_ok=True)
    rng = np.random.default_rng(18)
    for name in F16_FIELDS:
        b = random_blocks(name, rng)
        values = gq.dequantize(gq.BY_NAME[name], b.tobytes(), 4096)
        assert np.all(np.isfinite(values)), name
        b.tofile(os.path.join(BLOCKS, name + ".bin"))
        values.astype("<f4").tofile(os.path.join(BLOCKS, name + ".f32"))
    print("wrote", BLOCKS)


# ---------------------------------------------------------------- 2. llama-quantize files

def permute(w, heads):
    """HF rows -> GGUF's interleaved RoPE order (as llama.cpp's converter does)."""
    rows, cols = w.shape
    return w.reshape(heads, 2, rows // heads // 2, cols).swapaxes(1, 2).reshape(rows, cols)


def unpermute(w, heads):
    rows, cols = w.shape
    return w.reshape(heads, rows // heads // 2, 2, cols).swapaxes(1, 2).reshape(rows, cols)


def tiny_config(vocab):
    return {"hidden_size": HIDDEN, "intermediate_size": FFN, "num_hidden_layers": LAYERS,
            "num_attention_heads": HEADS, "num_key_value_heads": KV_HEADS, "rms_norm_eps": 1e-5,
            "rope_theta": 500000.0, "vocab_size": vocab, "tie_word_embeddings": False, "hidden_act": "silu",
            "max_position_embeddings": 256}


def tiny_weights(cfg, rng):
    """Random HF-named float32 weights; matrices ~N(0, 1/in), the LM head wider so logits spread."""
    hd = HIDDEN // HEADS
    shapes = {"self_attn.q_proj": (HEADS * hd, HIDDEN), "self_attn.k_proj": (KV_HEADS * hd, HIDDEN),
              "self_attn.v_proj": (KV_HEADS * hd, HIDDEN), "self_attn.o_proj": (HIDDEN, HEADS * hd),
              "mlp.gate_proj": (FFN, HIDDEN), "mlp.up_proj": (FFN, HIDDEN), "mlp.down_proj": (HIDDEN, FFN)}
    w = {"model.embed_tokens.weight": rng.standard_normal((cfg["vocab_size"], HIDDEN)).astype(np.float32)}
    for i in range(LAYERS):
        w[f"model.layers.{i}.input_layernorm.weight"] = (1 + 0.2 * rng.standard_normal(HIDDEN)).astype(np.float32)
        w[f"model.layers.{i}.post_attention_layernorm.weight"] = (1 + 0.2 * rng.standard_normal(HIDDEN)).astype(np.float32)
        for m, s in shapes.items():
            w[f"model.layers.{i}.{m}.weight"] = (rng.standard_normal(s) / math.sqrt(s[1])).astype(np.float32)
    w["model.norm.weight"] = (1 + 0.2 * rng.standard_normal(HIDDEN)).astype(np.float32)
    w["lm_head.weight"] = (3 * rng.standard_normal((cfg["vocab_size"], HIDDEN)) / math.sqrt(HIDDEN)).astype(np.float32)
    return w


GGUF_NAMES = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
              "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
              "mlp.down_proj": "ffn_down", "input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm"}


def hf_to_gguf_name(name):
    if name == "model.embed_tokens.weight":
        return "token_embd.weight"
    if name == "model.norm.weight":
        return "output_norm.weight"
    if name == "lm_head.weight":
        return "output.weight"
    _, _, layer, rest = name.split(".", 3)
    return f"blk.{layer}.{GGUF_NAMES[rest[:-len('.weight')]]}.weight"


def write_f32_gguf(path, cfg, w, tokenizer):
    g = gguf.Writer()
    g.add("general.architecture", gguf.STRING, "llama").add("general.name", gguf.STRING, "tiny-quant-fixture")
    g.add("llama.block_count", gguf.U32, LAYERS).add("llama.context_length", gguf.U32, cfg["max_position_embeddings"])
    g.add("llama.embedding_length", gguf.U32, HIDDEN).add("llama.feed_forward_length", gguf.U32, FFN)
    g.add("llama.attention.head_count", gguf.U32, HEADS).add("llama.attention.head_count_kv", gguf.U32, KV_HEADS)
    g.add("llama.rope.freq_base", gguf.F32, cfg["rope_theta"]).add("llama.attention.layer_norm_rms_epsilon", gguf.F32, 1e-5)
    g.add("llama.rope.dimension_count", gguf.U32, HIDDEN // HEADS).add("llama.vocab_size", gguf.U32, cfg["vocab_size"])
    g.add("general.file_type", gguf.U32, 0)
    tokens, types, merges, bos, eos = tokenizer
    g.add("tokenizer.ggml.model", gguf.STRING, "gpt2").add("tokenizer.ggml.pre", gguf.STRING, "llama-bpe")
    g.add("tokenizer.ggml.tokens", gguf.ARRAY, tokens, gguf.STRING)
    g.add("tokenizer.ggml.token_type", gguf.ARRAY, types, gguf.I32)
    g.add("tokenizer.ggml.merges", gguf.ARRAY, merges, gguf.STRING)
    g.add("tokenizer.ggml.bos_token_id", gguf.U32, bos).add("tokenizer.ggml.eos_token_id", gguf.U32, eos)
    g.add("tokenizer.ggml.add_bos_token", gguf.BOOL, True)
    for name, a in w.items():
        if name.endswith("q_proj.weight"):
            a = permute(a, HEADS)
        elif name.endswith("k_proj.weight"):
            a = permute(a, KV_HEADS)
        g.tensor_f32(hf_to_gguf_name(name), a)
    g.write(path)


def chat_tokenizer(vocab):
    """tokenizer.ggml.* from the chat fixture's tokenizer.json (byte-level BPE), unused ids padded."""
    with open(os.path.join(CHAT_TOKENIZER, "tokenizer.json")) as f:
        tj = json.load(f)
    tokens, types = [None] * vocab, [0] * vocab
    for t, i in tj["model"]["vocab"].items():
        tokens[i], types[i] = t, 1  # normal
    for a in tj["added_tokens"]:
        tokens[a["id"]], types[a["id"]] = a["content"], 3 if a["special"] else 1  # control
    for i in range(vocab):
        if tokens[i] is None:
            tokens[i], types[i] = f"[PAD{i}]", 5  # unused
    merges = [m if isinstance(m, str) else " ".join(m) for m in tj["model"]["merges"]]
    return tokens, types, merges, tokens.index("<|begin_of_text|>"), tokens.index("<|eot_id|>")


def reference_weights(reader, cfg):
    """HF-named float64 tensors from a GGUF file's dequantized tensors (q/k back in HF row order)."""
    back = {}
    for hf in tiny_weights_names(cfg):
        a = reader.dequantized(hf_to_gguf_name(hf))
        if hf.endswith("q_proj.weight"):
            a = unpermute(a, HEADS)
        elif hf.endswith("k_proj.weight"):
            a = unpermute(a, KV_HEADS)
        back[hf] = torch.from_numpy(a.astype(np.float64))
    return back


def tiny_weights_names(cfg):
    return list(tiny_weights(cfg, np.random.default_rng(0)).keys())


def write_adapter(cfg, rng):
    """A random LoRI adapter (r 8, alpha 16, all seven projections, B 90% exact zeros) in PEFT's F32 layout."""
    d = os.path.join(OUT, "adapter")
    os.makedirs(d, exist_ok=True)
    acfg = peft_config("tiny-quant-fixture", 8, 16, ref.PROJ)
    hd = HIDDEN // HEADS
    dims = {"q_proj": (HIDDEN, HEADS * hd), "k_proj": (HIDDEN, KV_HEADS * hd), "v_proj": (HIDDEN, KV_HEADS * hd),
            "o_proj": (HEADS * hd, HIDDEN), "gate_proj": (HIDDEN, FFN), "up_proj": (HIDDEN, FFN), "down_proj": (FFN, HIDDEN)}
    tensors = {}
    for i in range(LAYERS):
        for proj in ref.PROJ:
            fin, fout = dims[proj]
            a = (rng.uniform(-1, 1, (8, fin)) / math.sqrt(fin)).astype(np.float32)
            b = (0.3 * rng.standard_normal((fout, 8))).astype(np.float32)
            b[rng.random(b.shape) >= 0.1] = 0
            key = f"base_model.model.{ref.module_name(i, proj)}"
            tensors[key + ".lora_A.weight"] = torch.from_numpy(a)
            tensors[key + ".lora_B.weight"] = torch.from_numpy(b)
    with open(os.path.join(d, "adapter_config.json"), "w") as f:
        f.write(json.dumps(acfg, indent=2, sort_keys=True))
    st.save(tensors, os.path.join(d, "adapter_model.safetensors"), {"format": "pt"})
    return d


def write_lora_gguf(path, adapter_dir):
    """The PEFT adapter as llama.cpp's LoRA GGUF (what convert_lora_to_gguf.py writes for it):
    blk.N.<tensor>.weight.lora_a [r, in] and .lora_b [out, r] in F32, q/k B rows in GGUF's RoPE
    order, adapter.lora.alpha so that llama.cpp scales by alpha/r."""
    with open(os.path.join(adapter_dir, "adapter_config.json")) as f:
        acfg = json.load(f)
    tensors, _ = st.load(os.path.join(adapter_dir, "adapter_model.safetensors"))
    g = gguf.Writer()
    g.add("general.architecture", gguf.STRING, "llama").add("general.type", gguf.STRING, "adapter")
    g.add("adapter.type", gguf.STRING, "lora").add("adapter.lora.alpha", gguf.F32, float(acfg["lora_alpha"]))
    for key in sorted(tensors):
        if not key.endswith(".lora_A.weight"):
            continue
        module = key[len("base_model.model."):-len(".lora_A.weight")]
        a = tensors[key].numpy().astype(np.float32)
        b = tensors[key.replace("lora_A", "lora_B")].numpy().astype(np.float32)
        if module.endswith("q_proj"):
            b = permute(b, HEADS)
        elif module.endswith("k_proj"):
            b = permute(b, KV_HEADS)
        name = hf_to_gguf_name(module + ".weight")
        g.tensor_f32(name + ".lora_a", a)
        g.tensor_f32(name + ".lora_b", b)
    g.write(path)


def run(cmd, env=None):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}")


def write_llama_cpp_fixtures(bin_dir):
    quantize, perplexity = os.path.join(bin_dir, "llama-quantize"), os.path.join(bin_dir, "llama-perplexity")
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    tokenizer = chat_tokenizer(352)
    cfg = tiny_config(352)
    rng = np.random.default_rng(2025)
    work = os.path.join(OUT, "work")
    os.makedirs(work)
    source = os.path.join(work, "tiny-F32.gguf")
    write_f32_gguf(source, cfg, tiny_weights(cfg, rng), tokenizer)
    adapter_dir = write_adapter(cfg, rng)
    adapter = ref.load_adapter(adapter_dir)
    lora_gguf = os.path.join(work, "adapter.gguf")
    write_lora_gguf(lora_gguf, adapter_dir)
    terms = ref.combine([adapter], [1.0], None)
    # text for llama-perplexity: words the tokenizer merges, so tokens are a mix of merged and byte tokens
    words = ["true", "false", "answer", "solution", "option", "ending", "Response", "Instruction", "the", "1", "2"]
    text = " ".join(words[i] for i in np.random.default_rng(7).integers(0, len(words), 4 * T))
    # llama.cpp's extra weight buffers (AMX, x86 repacking) crash with --lora in this snapshot;
    # no_extra_bufts.c turns them off, so every file runs on the plain CPU kernels, base and LoRA.
    shim = os.path.join(work, "libno_extra_bufts.so")
    run(["gcc", "-shared", "-fPIC", "-O2", "-o", shim, os.path.join(HERE, "no_extra_bufts.c")])
    env = dict(os.environ, LD_PRELOAD=shim)
    with open(os.path.join(work, "text.txt"), "w") as f:
        f.write(text)
    index = {"tokens": None, "hidden": HIDDEN, "layers": LAYERS, "ffn": FFN, "vocab": 352, "files": {}}
    for ftype in FILE_TYPES:
        path = os.path.join(OUT, f"tiny-{ftype}.gguf")
        run([quantize, source, path, ftype, "2"])
        kld = os.path.join(OUT, f"tiny-{ftype}.kld")
        run([perplexity, "-m", path, "-f", os.path.join(work, "text.txt"), "-c", str(T), "-b", str(T),
             "--chunks", "1", "-t", "2", "--kl-divergence-base", kld], env)
        run([perplexity, "-m", path, "--lora", lora_gguf, "-f", os.path.join(work, "text.txt"), "-c", str(T),
             "-b", str(T), "--chunks", "1", "-t", "2", "--kl-divergence-base", path[:-5] + ".lora.kld"], env)
        assert read_kld_tokens(path[:-5] + ".lora.kld") == read_kld_tokens(kld)
        tokens, bos = read_kld_tokens(kld), tokenizer[3]
        seq = [bos] + tokens[1:T]  # llama-perplexity puts BOS in the first place of each chunk
        if index["tokens"] is None:
            index["tokens"] = seq
        assert index["tokens"] == seq
        reader = gguf.Reader(path)
        w = reference_weights(reader, cfg)
        ref.forward(cfg, w, seq).to(torch.float32).numpy().astype("<f4").tofile(path[:-5] + ".logits.f32")
        ref.forward(cfg, w, seq, terms).to(torch.float32).numpy().astype("<f4").tofile(path[:-5] + ".lora.logits.f32")
        index["files"][ftype] = {name: reader.type_name(name) for name in reader.tensors}
        print(ftype, sorted(set(index["files"][ftype].values())))
    shutil.rmtree(work)
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    print("wrote", OUT)


MIX_TYPES = ["Q4_K_M", "Q5_K_M", "Q6_K"]
MIX_OUT = os.path.join(ROOT, "tests", "src", "test", "resources", "fixtures", "convert-mix")


def write_convert_mix_fixture(bin_dir):
    import hashlib
    hidden, layers, heads, kv_heads, head_dim, ffn, vocab = 256, 2, 2, 1, 64, 64, 64
    rng = np.random.default_rng(2026)
    shapes = {"self_attn.q_proj": (heads * head_dim, hidden), "self_attn.k_proj": (kv_heads * head_dim, hidden),
              "self_attn.v_proj": (kv_heads * head_dim, hidden), "self_attn.o_proj": (hidden, heads * head_dim),
              "mlp.gate_proj": (ffn, hidden), "mlp.up_proj": (ffn, hidden), "mlp.down_proj": (hidden, ffn)}
    w = {"model.embed_tokens.weight": rng.standard_normal((vocab, hidden))}
    for i in range(layers):
        w[f"model.layers.{i}.input_layernorm.weight"] = 1 + 0.2 * rng.standard_normal(hidden)
        w[f"model.layers.{i}.post_attention_layernorm.weight"] = 1 + 0.2 * rng.standard_normal(hidden)
        for m, shape in shapes.items():
            # a few outliers per row, as trained weights have, so the scale searches have work to do
            a = rng.standard_normal(shape) / math.sqrt(shape[1])
            a[rng.random(shape) < 0.01] *= 8
            w[f"model.layers.{i}.{m}.weight"] = a
    w["model.norm.weight"] = 1 + 0.2 * rng.standard_normal(hidden)
    w["lm_head.weight"] = rng.standard_normal((vocab, hidden)) / math.sqrt(hidden)
    w = {k: torch.from_numpy(v.astype(np.float16)) for k, v in w.items()}
    shutil.rmtree(MIX_OUT, ignore_errors=True)
    model = os.path.join(MIX_OUT, "model")
    os.makedirs(model)
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": hidden,
           "intermediate_size": ffn, "num_hidden_layers": layers, "num_attention_heads": heads,
           "num_key_value_heads": kv_heads, "head_dim": head_dim, "rms_norm_eps": 1e-5, "rope_theta": 500000.0,
           "vocab_size": vocab, "tie_word_embeddings": False, "hidden_act": "silu", "max_position_embeddings": 128,
           "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float16"}
    with open(os.path.join(model, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    st.save(w, os.path.join(model, "model.safetensors"), {"format": "pt"})

    work = os.path.join(MIX_OUT, "work")
    os.makedirs(work)
    source = os.path.join(work, "mix-F32.gguf")
    g = gguf.Writer()
    g.add("general.architecture", gguf.STRING, "llama").add("general.name", gguf.STRING, "convert-mix")
    g.add("llama.block_count", gguf.U32, layers).add("llama.context_length", gguf.U32, 128)
    g.add("llama.embedding_length", gguf.U32, hidden).add("llama.feed_forward_length", gguf.U32, ffn)
    g.add("llama.attention.head_count", gguf.U32, heads).add("llama.attention.head_count_kv", gguf.U32, kv_heads)
    g.add("llama.attention.key_length", gguf.U32, head_dim).add("llama.attention.value_length", gguf.U32, head_dim)
    g.add("llama.rope.freq_base", gguf.F32, 500000.0).add("llama.attention.layer_norm_rms_epsilon", gguf.F32, 1e-5)
    g.add("llama.rope.dimension_count", gguf.U32, head_dim).add("llama.vocab_size", gguf.U32, vocab)
    g.add("general.file_type", gguf.U32, 0)
    values = {}
    for name, t in w.items():
        a = t.numpy().astype(np.float32)
        if name.endswith("q_proj.weight"):
            a = permute(a, heads)
        elif name.endswith("k_proj.weight"):
            a = permute(a, kv_heads)
        values[hf_to_gguf_name(name)] = a
        g.tensor_f32(hf_to_gguf_name(name), a)
    g.write(source)
    expected = {}
    for ftype in MIX_TYPES:
        path = os.path.join(work, f"mix-{ftype}.gguf")
        run([os.path.join(bin_dir, "llama-quantize"), source, path, ftype, "1"])
        reader = gguf.Reader(path)
        expected[ftype] = {}
        for name in reader.tensors:
            raw = reader.tensors[name][2]
            rmse = float(np.sqrt(np.mean((reader.dequantized(name).astype(np.float64) - values[name]) ** 2)))
            expected[ftype][name] = {"type": reader.type_name(name), "sha256": hashlib.sha256(raw).hexdigest(),
                                     "rmse": rmse}
        print(ftype, sorted(set(v["type"] for v in expected[ftype].values())))
    shutil.rmtree(work)
    with open(os.path.join(MIX_OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print("wrote", MIX_OUT)


def read_kld_tokens(path):
    with open(path, "rb") as f:
        raw = f.read()
    assert raw[:8] == b"_logits_"
    n_ctx, _, n_chunk = np.frombuffer(raw[8:20], "<i4")
    return [int(t) for t in np.frombuffer(raw[20:20 + 4 * n_ctx * n_chunk], "<i4")]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--llama-cpp", help="directory with llama-quantize and llama-perplexity (built elsewhere)")
    p.add_argument("--only-convert-mix", action="store_true", help="with --llama-cpp: write only part 3")
    a = p.parse_args()
    if a.only_convert_mix:
        write_convert_mix_fixture(a.llama_cpp)
        return
    write_block_goldens()
    if a.llama_cpp:
        write_llama_cpp_fixtures(a.llama_cpp)
        write_convert_mix_fixture(a.llama_cpp)


if __name__ == "__main__":
    main()
