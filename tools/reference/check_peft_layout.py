#!/usr/bin/python3
"""Checks that an adapter directory loads as PEFT loads one, without PEFT installed, against
PEFT's own source (for when no machine can run PEFT itself).

    /usr/bin/python3 tools/reference/check_peft_layout.py ADAPTER_DIR BASE_MODEL_DIR PEFT_SRC

PEFT_SRC is a PEFT source tree (e.g. `git archive v0.12.0 src/peft` of huggingface/peft,
unpacked); its root or its src/peft. Checked, following what PeftModel.from_pretrained does:
- adapter_config.json: PeftConfig.from_pretrained passes every key to LoraConfig(**kwargs), so
  each key must be a dataclass field of LoraConfig or its bases (read from PEFT's source with
  ast); peft_type and task_type must be members of PEFT's PeftType / TaskType; target_modules must
  name Llama projections, and r and lora_alpha must be positive integers.
- adapter_model.safetensors: set_peft_model_state_dict inserts the adapter name after the
  "lora_" parameter ("...lora_A.weight" -> "...lora_A.default.weight", the rule copied below)
  and load_state_dict(strict=False) matches the keys against the PeftModel's parameters: the
  renamed keys must be exactly the lora_A/lora_B parameters that LoraModel creates on a
  LlamaForCausalLM for the target modules (no unexpected key, none missing), with PEFT's shapes
  (A: r x in_features, B: out_features x r).
Only the file headers are read (no numpy, no torch). Prints what it checked; exit status 1 on any
mismatch.
"""
import ast
import json
import os
import struct
import sys

PROJECTIONS = {"q_proj": "self_attn", "k_proj": "self_attn", "v_proj": "self_attn", "o_proj": "self_attn",
               "gate_proj": "mlp", "up_proj": "mlp", "down_proj": "mlp"}


def peft_file(src, rel):
    for root in (src, os.path.join(src, "src", "peft")):
        if os.path.isfile(os.path.join(root, rel)):
            return os.path.join(root, rel)
    sys.exit(f"{src}: not a PEFT source tree (no {rel})")


def class_nodes(path):
    with open(path) as f:
        return {n.name: n for n in ast.parse(f.read()).body if isinstance(n, ast.ClassDef)}


def dataclass_fields(classes, name):
    """Annotated field names of class `name` and of its bases defined in the same set."""
    node = classes[name]
    names = {s.target.id for s in node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)}
    for base in node.bases:
        if isinstance(base, ast.Name) and base.id in classes:
            names |= dataclass_fields(classes, base.id)
    return names


def enum_members(classes, name):
    return {t.id for s in classes[name].body if isinstance(s, ast.Assign) for t in s.targets if isinstance(t, ast.Name)}


def safetensors_header(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    header.pop("__metadata__", None)
    return header


def insert_adapter_name(k, adapter_name="default", parameter_prefix="lora_"):
    """set_peft_model_state_dict (PEFT 0.12, src/peft/utils/save_and_load.py), the LoRA branch."""
    if parameter_prefix in k:
        suffix = k.split(parameter_prefix)[1]
        if "." in suffix:
            suffix_to_replace = ".".join(suffix.split(".")[1:])
            k = k.replace(suffix_to_replace, f"{adapter_name}.{suffix_to_replace}")
        else:
            k = f"{k}.{adapter_name}"
    return k


def projection_shapes(cfg):
    """(in_features, out_features) of each Llama projection."""
    h, i = cfg["hidden_size"], cfg["intermediate_size"]
    hd = cfg.get("head_dim") or h // cfg["num_attention_heads"]
    q, kv = cfg["num_attention_heads"] * hd, cfg.get("num_key_value_heads", cfg["num_attention_heads"]) * hd
    return {"q_proj": (h, q), "k_proj": (h, kv), "v_proj": (h, kv), "o_proj": (q, h),
            "gate_proj": (h, i), "up_proj": (h, i), "down_proj": (i, h)}


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    adapter, base, src = sys.argv[1:]
    problems = []
    config = json.load(open(os.path.join(adapter, "adapter_config.json")))
    cfg = json.load(open(os.path.join(base, "config.json")))

    config_classes = class_nodes(peft_file(src, "config.py"))
    config_classes.update(class_nodes(peft_file(src, "tuners/lora/config.py")))
    fields = dataclass_fields(config_classes, "LoraConfig")
    types = class_nodes(peft_file(src, "utils/peft_types.py"))
    unknown = sorted(set(config) - fields)
    if unknown:
        problems.append(f"adapter_config.json: keys LoraConfig has no field for (TypeError in PEFT): {unknown}")
    if config.get("peft_type") not in enum_members(types, "PeftType") or config.get("peft_type") != "LORA":
        problems.append(f"peft_type {config.get('peft_type')!r} is not PEFT's LORA")
    if config.get("task_type") not in enum_members(types, "TaskType"):
        problems.append(f"task_type {config.get('task_type')!r} is not a PEFT TaskType")
    targets = config.get("target_modules")
    if not isinstance(targets, list) or not targets or set(targets) - set(PROJECTIONS):
        problems.append(f"target_modules {targets!r} are not Llama projections")
        targets = []
    r, alpha = config.get("r"), config.get("lora_alpha")
    if not (isinstance(r, int) and r > 0 and isinstance(alpha, (int, float)) and alpha > 0):
        problems.append(f"r {r!r} / lora_alpha {alpha!r} are not positive numbers")
    print(f"config: {len(config)} keys, all LoraConfig fields ({len(fields)} in PEFT's source): {not unknown}; "
          f"peft_type {config.get('peft_type')}, task_type {config.get('task_type')}, r {r}, alpha {alpha}, targets {sorted(targets)}")

    shapes = projection_shapes(cfg)
    expected = {}
    for layer in range(cfg["num_hidden_layers"]):
        for p in targets:
            module = f"base_model.model.model.layers.{layer}.{PROJECTIONS[p]}.{p}"
            fan_in, fan_out = shapes[p]
            expected[f"{module}.lora_A.default.weight"] = [r, fan_in]
            expected[f"{module}.lora_B.default.weight"] = [fan_out, r]
    header = safetensors_header(os.path.join(adapter, "adapter_model.safetensors"))
    loaded = {insert_adapter_name(k): v for k, v in header.items()}
    unexpected = sorted(set(loaded) - set(expected))
    missing = sorted(set(expected) - set(loaded))
    wrong = sorted(k for k in set(loaded) & set(expected) if loaded[k]["shape"] != expected[k])
    dtypes = sorted({v["dtype"] for v in header.values()})
    if unexpected:
        problems.append(f"{len(unexpected)} keys PEFT would not load, e.g. {unexpected[:3]}")
    if missing:
        problems.append(f"{len(missing)} LoRA parameters left at their init, e.g. {missing[:3]}")
    if wrong:
        problems.append(f"{len(wrong)} shapes differ from PEFT's, e.g. {wrong[0]}: {loaded[wrong[0]]['shape']} vs {expected[wrong[0]]}")
    if set(dtypes) - {"F32", "F16", "BF16"}:
        problems.append(f"dtypes {dtypes} are not floating point")
    print(f"weights: {len(header)} tensors ({'/'.join(dtypes)}), {len(expected)} expected by PEFT's LoraModel: "
          f"{len(unexpected)} unexpected, {len(missing)} missing, {len(wrong)} wrong shapes; e.g. {sorted(header)[0]}")
    for p in problems:
        print("MISMATCH:", p)
    print("PEFT layout OK" if not problems else "PEFT layout NOT OK")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
