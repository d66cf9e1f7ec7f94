"""A small GGUF v3 reader and writer (little-endian), written from the format's description in
ggml's docs/gguf.md: magic "GGUF", u32 version, u64 tensor count, u64 metadata count, metadata
(string key, u32 value type, value), tensor infos (name, u32 n_dims, u64 ne[n_dims] with ne[0]
the row length, u32 ggml type, u64 offset), then the data aligned to general.alignment (32).
"""
import struct

import numpy as np

import ggml_quants

ALIGN = 32
# value types
U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
_SCALAR = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f", BOOL: "<?",
           U64: "<Q", I64: "<q", F64: "<d"}


class Reader:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.buf = f.read()
        self.pos = 0
        assert self._take("<I") == 0x46554747, "not GGUF"
        assert self._take("<I") == 3, "not GGUF v3"
        n_tensors, n_kv = self._take("<Q"), self._take("<Q")
        self.metadata = {}
        for _ in range(n_kv):
            key = self._string()
            self.metadata[key] = self._value(self._take("<I"))
        infos = []
        for _ in range(n_tensors):
            name = self._string()
            dims = [self._take("<Q") for _ in range(self._take("<I"))]
            infos.append((name, dims, self._take("<I"), self._take("<Q")))
        align = self.metadata.get("general.alignment", ALIGN)
        start = (self.pos + align - 1) // align * align
        self.tensors = {}
        for name, dims, type_id, offset in infos:
            n = int(np.prod(dims))
            _, per_block, size = ggml_quants.TYPES[type_id]
            raw = self.buf[start + offset:start + offset + n // per_block * size]
            self.tensors[name] = (type_id, list(reversed(dims)), raw)  # shape rows first

    def _take(self, fmt):
        v = struct.unpack_from(fmt, self.buf, self.pos)[0]
        self.pos += struct.calcsize(fmt)
        return v

    def _string(self):
        n = self._take("<Q")
        s = self.buf[self.pos:self.pos + n].decode("utf-8")
        self.pos += n
        return s

    def _value(self, t):
        if t == STRING:
            return self._string()
        if t == ARRAY:
            et, n = self._take("<I"), self._take("<Q")
            return [self._value(et) for _ in range(n)]
        return self._take(_SCALAR[t])

    def type_name(self, name):
        return ggml_quants.TYPES[self.tensors[name][0]][0]

    def dequantized(self, name):
        """float32 array of the tensor, shape rows first."""
        type_id, shape, raw = self.tensors[name]
        return ggml_quants.dequantize(type_id, raw, int(np.prod(shape))).reshape(shape)


class Writer:
    def __init__(self):
        self.kv = []
        self.tensors = []

    def add(self, key, vtype, value, element_type=None):
        self.kv.append((key, vtype, value, element_type))
        return self

    def tensor_f32(self, name, array):
        self.tensors.append((name, np.ascontiguousarray(array, dtype="<f4")))

    def write(self, path):
        out = bytearray(struct.pack("<IIQQ", 0x46554747, 3, len(self.tensors), len(self.kv)))
        for key, vtype, value, et in self.kv:
            out += _string(key) + struct.pack("<I", vtype)
            if vtype == ARRAY:
                out += struct.pack("<IQ", et, len(value))
                for v in value:
                    out += _string(v) if et == STRING else struct.pack(_SCALAR[et], v)
            else:
                out += _string(value) if vtype == STRING else struct.pack(_SCALAR[vtype], value)
        offset = 0
        for name, a in self.tensors:
            out += _string(name) + struct.pack("<I", a.ndim)
            for d in reversed(a.shape):
                out += struct.pack("<Q", d)
            out += struct.pack("<IQ", 0, offset)
            offset += (a.nbytes + ALIGN - 1) // ALIGN * ALIGN
        out += b"\0" * (-len(out) % ALIGN)
        for _, a in self.tensors:
            out += a.tobytes() + b"\0" * (-a.nbytes % ALIGN)
        with open(path, "wb") as f:
            f.write(out)


def _string(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b
