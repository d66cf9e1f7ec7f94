"""Minimal safetensors reader/writer (no dependency on the `safetensors` package).

File layout: u64 little-endian header length N, N bytes of JSON header
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
padded with spaces to a multiple of 8, then the raw little-endian tensor bytes
(offsets are relative to the start of the data section).
"""
import json
import struct

import numpy as np
import torch

# dtype name -> (element size, numpy dtype used for the raw bytes)
_DTYPES = {
    "F64": (8, np.float64),
    "F32": (4, np.float32),
    "F16": (2, np.float16),
    "BF16": (2, np.int16),  # raw bits; converted through torch
    "I64": (8, np.int64),
    "I32": (4, np.int32),
    "I16": (2, np.int16),
    "I8": (1, np.int8),
    "U8": (1, np.uint8),
    "BOOL": (1, np.uint8),
}

_TORCH_TO_ST = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}


def _tensor_bytes(t):
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        arr = t.view(torch.int16).numpy()
    elif t.dtype == torch.bool:
        arr = t.to(torch.uint8).numpy()
    else:
        arr = t.numpy()
    return arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes(order="C")


def save(tensors, path, metadata=None):
    """Write {name: torch.Tensor} to `path`. Tensors are laid out like the
    reference implementation does: sorted by element size (descending), then name."""
    items = sorted(tensors.items(), key=lambda kv: (-_DTYPES[_TORCH_TO_ST[kv[1].dtype]][0], kv[0]))
    header = {}
    blobs = []
    off = 0
    for name, t in items:
        b = _tensor_bytes(t)
        header[name] = {"dtype": _TORCH_TO_ST[t.dtype], "shape": list(t.shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if metadata is not None:
        header = {"__metadata__": metadata, **header}
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((-len(hjson)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)
    return off


def load(path):
    """Read a safetensors file -> ({name: torch.Tensor in the stored dtype}, metadata)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", None)
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        dt = info["dtype"]
        size, npdt = _DTYPES[dt]
        b, e = info["data_offsets"]
        shape = info["shape"]
        count = int(np.prod(shape)) if shape else 1
        assert e - b == count * size, (name, b, e, count, size)
        arr = np.frombuffer(data[b:e], dtype=np.dtype(npdt).newbyteorder("<")).astype(npdt).reshape(shape)
        t = torch.from_numpy(arr.copy())
        if dt == "BF16":
            t = t.view(torch.bfloat16)
        elif dt == "BOOL":
            t = t.to(torch.bool)
        out[name] = t
    return out, meta


def header(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n).decode("utf-8"))
