#!/usr/bin/env python3
"""Writes a random-weight Llama checkpoint in Hugging Face layout, for speed and memory benchmarks.

Default shape is Llama-3.2-1B's (hidden 2048, 16 layers, 32 heads, 8 KV heads, FFN 8192,
vocab 128256), stored BF16 (~2.5 GB). Optionally writes random LoRI adapters for it: a dense
LoRI-D B and a 90%-sparse LoRI-S B, rank 64, all seven projections; with --shared-a both
adapters carry the same frozen A, as LoRI adapters trained from one seed do.

    python3 tools/bench/make_random_checkpoint.py /tmp/llama1b [--adapters [--shared-a]]

Needs only numpy. The weights are noise: use it for tokens/s and RSS, never for quality.
"""
import argparse
import json
import os
import struct

import numpy as np


def bf16_bytes(a):
    """float32 array -> bfloat16 bytes (round to nearest even)."""
    bits = a.astype(np.float32).view(np.uint32)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16).tobytes()


def write_safetensors(path, tensors, dtype):
    """tensors: list of (name, shape, make) where make() returns a float32 array."""
    size = 2 if dtype == "BF16" else 4
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, shape, _ in tensors:
        n = int(np.prod(shape)) * size
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for name, shape, make in tensors:
            a = make()
            assert a.shape == tuple(shape), name
            f.write(bf16_bytes(a) if dtype == "BF16" else a.astype("<f4").tobytes())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--hidden", type=int, default=2048)
    p.add_argument("--layers", type=int, default=16)
    p.add_argument("--heads", type=int, default=32)
    p.add_argument("--kv-heads", type=int, default=8)
    p.add_argument("--ffn", type=int, default=8192)
    p.add_argument("--vocab", type=int, default=128256)
    p.add_argument("--adapters", action="store_true", help="also write r=64 LoRI-D and LoRI-S adapters")
    p.add_argument("--rank", type=int, default=64)
    p.add_argument("--shared-a", action="store_true", help="the adapters' A from one seed (bit-identical), as LoRI's")
    a = p.parse_args()
    rng = np.random.default_rng(0)
    os.makedirs(a.out, exist_ok=True)
    hd = a.hidden // a.heads
    shapes = {"q_proj": (a.heads * hd, a.hidden), "k_proj": (a.kv_heads * hd, a.hidden),
              "v_proj": (a.kv_heads * hd, a.hidden), "o_proj": (a.hidden, a.heads * hd),
              "gate_proj": (a.ffn, a.hidden), "up_proj": (a.ffn, a.hidden), "down_proj": (a.hidden, a.ffn)}
    blocks = {"q_proj": "self_attn", "k_proj": "self_attn", "v_proj": "self_attn", "o_proj": "self_attn",
              "gate_proj": "mlp", "up_proj": "mlp", "down_proj": "mlp"}

    def normal(shape, std):
        return lambda: (rng.standard_normal(shape, dtype=np.float32) * std)

    tensors = [("model.embed_tokens.weight", (a.vocab, a.hidden), normal((a.vocab, a.hidden), 0.02))]
    for i in range(a.layers):
        tensors.append((f"model.layers.{i}.input_layernorm.weight", (a.hidden,), lambda: np.ones(a.hidden, np.float32)))
        tensors.append((f"model.layers.{i}.post_attention_layernorm.weight", (a.hidden,), lambda: np.ones(a.hidden, np.float32)))
        for m, s in shapes.items():
            tensors.append((f"model.layers.{i}.{blocks[m]}.{m}.weight", s, normal(s, 1 / np.sqrt(s[1]))))
    tensors.append(("model.norm.weight", (a.hidden,), lambda: np.ones(a.hidden, np.float32)))
    tensors.append(("lm_head.weight", (a.vocab, a.hidden), normal((a.vocab, a.hidden), 1 / np.sqrt(a.hidden))))
    write_safetensors(os.path.join(a.out, "model.safetensors"), tensors, "BF16")
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": a.hidden,
              "intermediate_size": a.ffn, "num_hidden_layers": a.layers, "num_attention_heads": a.heads,
              "num_key_value_heads": a.kv_heads, "vocab_size": a.vocab, "rms_norm_eps": 1e-5,
              "rope_theta": 500000.0, "max_position_embeddings": 8192, "tie_word_embeddings": False,
              "bos_token_id": 128000, "eos_token_id": 128001, "hidden_act": "silu", "torch_dtype": "bfloat16",
              "rope_scaling": {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                               "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}}
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    if a.adapters:
        for name, density in (("lori_d_r64", 1.0), ("lori_s_r64", 0.1)):
            d = os.path.join(a.out + "-" + name)
            os.makedirs(d, exist_ok=True)
            a_rng = np.random.default_rng(1) if a.shared_a else rng
            ts = []
            for i in range(a.layers):
                for m, (out_f, in_f) in shapes.items():
                    key = f"base_model.model.model.layers.{i}.{blocks[m]}.{m}"
                    bound = 1 / np.sqrt(in_f)
                    ts.append((key + ".lora_A.weight", (a.rank, in_f),
                               lambda in_f=in_f, bound=bound, a_rng=a_rng: a_rng.uniform(-bound, bound, (a.rank, in_f)).astype(np.float32)))

                    def make_b(out_f=out_f):
                        b = rng.standard_normal((out_f, a.rank), dtype=np.float32) * 0.01
                        if density < 1:
                            b[rng.random(b.shape) >= density] = 0
                        return b
                    ts.append((key + ".lora_B.weight", (out_f, a.rank), make_b))
            write_safetensors(os.path.join(d, "adapter_model.safetensors"), ts, "F32")
            cfg = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": a.rank, "lora_alpha": 2 * a.rank,
                   "lora_dropout": 0.05, "target_modules": list(shapes), "bias": "none", "fan_in_fan_out": False,
                   "use_rslora": False, "use_dora": False, "rank_pattern": {}, "alpha_pattern": {},
                   "layers_to_transform": None}
            with open(os.path.join(d, "adapter_config.json"), "w") as f:
                json.dump(cfg, f, indent=2)


if __name__ == "__main__":
    main()
