"""Read an official DiGIT (fairseq) checkpoint without fairseq and without running its pickles.

The file is a torch zip archive whose pickle may name any Python callable. `load_checkpoint`
reads the archive itself (torch.load would run the pickle with the standard unpickler) with an
allow-list: tensors rebuilt from the archive's storage records, plain containers, and
`copyreg._reconstructor` (how protocol-2 pickles rebuild plain objects, which also spell
`builtins` as `__builtin__`), and numpy's array and scalar constructors (fairseq keeps training
metrics in `extra_state`). Classes from the configuration libraries a checkpoint legitimately
holds (argparse, omegaconf, fairseq, enum, pathlib) become `Inert` records of their state, never
instances of the real classes. Anything else — `os.system`, `builtins.eval`,
`subprocess.Popen`, … — is refused before it can be called.
"""
import io
import os
import pickle
import zipfile
from typing import Any

import torch

STORAGE_DTYPES = {
    "FloatStorage": torch.float32,
    "HalfStorage": torch.float16,
    "BFloat16Storage": torch.bfloat16,
    "DoubleStorage": torch.float64,
    "LongStorage": torch.int64,
    "IntStorage": torch.int32,
    "ShortStorage": torch.int16,
    "CharStorage": torch.int8,
    "ByteStorage": torch.uint8,
    "BoolStorage": torch.bool,
}
SAFE = {
    ("collections", "OrderedDict"),
    ("copyreg", "_reconstructor"),
    *(("builtins", name) for name in ("object", "set", "frozenset", "slice", "dict", "list", "tuple")),
    *(("builtins", name) for name in ("int", "float", "complex", "bool", "str", "bytes", "bytearray")),
    ("torch", "Size"),
    # numpy data: arrays, scalars and their dtypes (numpy 1 and numpy 2 module names)
    *(
        (module, name)
        for module in ("numpy.core.multiarray", "numpy._core.multiarray")
        for name in ("_reconstruct", "scalar")
    ),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
}
PROTOCOL_2_MODULES = {"__builtin__": "builtins", "copy_reg": "copyreg"}  # Python 2 spellings
INERT_MODULES = ("argparse", "omegaconf", "fairseq", "enum", "pathlib", "typing")


class UnsafeCheckpoint(pickle.UnpicklingError):
    pass


class Inert:
    """The state of an object whose class we will not import: its origin, the arguments it was
    rebuilt with, and the state pickle gave it."""

    origin = "?"

    def __new__(cls, *args, **kwargs):
        obj = object.__new__(cls)
        obj.args, obj.kwargs, obj.state = args, kwargs, None
        return obj

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        self.state = state

    def __setitem__(self, key, value):  # dict subclasses are rebuilt item by item
        if not isinstance(self.state, dict):
            self.state = {}
        self.state[key] = value

    def __repr__(self):
        return f"Inert({self.origin})"


def _inert_class(module: str, name: str) -> type:
    return type(name, (Inert,), {"origin": f"{module}.{name}", "__module__": "inert." + module})


def _rebuild_tensor(storage: torch.Tensor, offset: int, size, stride, *_):
    return torch.as_strided(storage, tuple(size), tuple(stride), offset).clone()


def _rebuild_parameter(data: torch.Tensor, *_):
    return data


def _latin1_bytes(text: str, encoding: str) -> bytes:
    """How protocol 2 spells a bytes object (numpy array data): _codecs.encode(text, 'latin1')."""
    if encoding not in ("latin1", "latin-1"):
        raise UnsafeCheckpoint(f"the checkpoint asks for _codecs.encode with {encoding!r}; refusing to load it")
    return text.encode("latin1")


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles data.pkl of a torch zip archive; storages are read from the archive's records."""

    def __init__(self, file, records):
        super().__init__(file, encoding="utf-8")
        self.records = records

    def find_class(self, module: str, name: str):
        module = PROTOCOL_2_MODULES.get(module, module)
        if module == "torch" and name in STORAGE_DTYPES:
            return STORAGE_DTYPES[name]
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if (module, name) == ("torch._utils", "_rebuild_parameter"):
            return _rebuild_parameter
        if (module, name) == ("_codecs", "encode"):
            return _latin1_bytes
        if module == "torch" and isinstance(getattr(torch, name, None), torch.dtype):
            return getattr(torch, name)
        if (module, name) in SAFE:
            return super().find_class(module, name)
        if module.split(".")[0] in INERT_MODULES:
            return _inert_class(module, name)
        raise UnsafeCheckpoint(
            f"the checkpoint asks for {module}.{name}, which a model checkpoint "
            "has no reason to run; refusing to load it"
        )

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid[0] == "storage" and isinstance(pid[1], torch.dtype)):
            raise UnsafeCheckpoint(f"unexpected persistent id {pid!r}")
        _, dtype, key, _location, numel = pid
        data = bytearray(self.records(f"data/{key}"))
        flat = torch.frombuffer(data, dtype=dtype) if data else torch.empty(0, dtype=dtype)
        return flat[:numel]


def _unpickle(path: str):
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pkl = next((n for n in names if n.endswith("/data.pkl") or n == "data.pkl"), None)
        if pkl is None:
            raise ValueError("it has no data.pkl record")
        root = pkl[: -len("data.pkl")]
        return RestrictedUnpickler(io.BytesIO(archive.read(pkl)), lambda name: archive.read(root + name)).load()


def load_checkpoint(path: str) -> dict:
    """The checkpoint as plain data: tensors, dicts, lists, and `plain()` views of config objects.
    Never imports or calls anything outside the allow-list above (not even torch.load's)."""
    if not os.path.isfile(path):
        raise ValueError(f"{path}: no such file")
    try:
        ckpt = _unpickle(path)
    except UnsafeCheckpoint:
        raise
    except Exception as e:
        with open(path, "rb") as f:
            starts_like_a_zip = f.read(4) == b"PK\x03\x04"
        if starts_like_a_zip:  # a torch archive whose end is missing
            size = os.path.getsize(path)
            raise ValueError(f"{path} looks truncated ({size:,} bytes, {e}): download it again") from e
        raise ValueError(f"{path} is not a torch checkpoint ({e}): is it the .pt file from the DiGIT release?") from e
    if not isinstance(ckpt, dict) or "model" not in ckpt:
        raise ValueError(f"{path} holds no 'model' state: is it a DiGIT/fairseq checkpoint?")
    return {key: plain(value) for key, value in ckpt.items()}


def plain(value: Any) -> Any:
    """Config objects (argparse Namespace, omegaconf DictConfig/ListConfig and their nodes) as
    plain dicts, lists and scalars; tensors untouched."""
    if isinstance(value, Inert):
        state = value.state
        if isinstance(state, dict) and "_content" in state:  # omegaconf containers and nodes
            return plain(state["_content"])
        if isinstance(state, dict) and "_val" in state:
            return plain(state["_val"])
        if isinstance(state, tuple) and len(state) == 2 and isinstance(state[1], dict):
            state = state[1]  # (dict state, slot state)
        return plain(state) if state is not None else [plain(a) for a in value.args]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    return value
