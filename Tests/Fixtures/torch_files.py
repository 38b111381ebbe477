#!/usr/bin/env python3
"""Writes weight files for GraftIO's tests with torch itself (run with Debian's python3).

  make OUT            writes the fixtures below into OUT
  roundtrip IN OUT    reads the safetensors file IN by hand (struct + json), re-saves its
                      tensors with torch.save (zip) as OUT and prints {"metadata", "keys",
                      "dtypes", "shapes"} as JSON

Fixtures written by `make` (each NAME.pth or NAME.safetensors whose values are checked has
NAME.expected.json, [[key, dtype, shape, byte offset, byte count], ...], and
NAME.expected.bin: each tensor contiguous, floats as float32, ints as themselves):
  tensors.pth / tensors_legacy.pth   float32 (with inf, nan, -0, subnormals), every float16
                                     and bfloat16 bit pattern, float64, int64, int32, 0-d
                                     tensors, a transposed view, a sliced view sharing its
                                     base's storage, a stride-0 expansion, an empty tensor, a
                                     Parameter; zip and legacy format
  wrapped.pth                        {"state_dict": {"module." + key: ...}, "epoch", "best"}
  wrapped_legacy.pth                 {"model": {"module." + key: ...}, "optimizer": SGD's
                                     state dict}, legacy format
  python.safetensors                 written by hand: F32, F16, BF16, F64, I64, I32, a 0-d
                                     I64, and __metadata__
  seq.pth                            nn.Sequential(Conv2d(2, 3, 3), BatchNorm2d(3),
                                     Linear(4, 5)) state dict; seq_old.pth without the
                                     num_batches_tracked counters
Hostile files (never loaded by Python; see `hostile`):
  os_system.pth, os_system_legacy.pth   data.pkl / main pickle call os.system("touch OUT/pwned")
  eval_stack_global.pth                 protocol-4 STACK_GLOBAL of builtins.eval
  whole_model.pth                       torch.save of a module (names its class)
  bytes.pth                             a uint8 tensor (torch.ByteStorage)
  huge_view.pth, rank7.pth              a stride-0 view of 2^40 elements; a 7-d tensor
  list.pth                              a list of tensors, not a state dict
  missing_storage.pth                   tensors.pth without the entry of one storage
"""
import collections, io, json, os, pickle, struct, sys, zipfile

import torch

EXPECTED_FLOAT = (torch.float32, torch.float16, torch.bfloat16, torch.float64)


def write_expected(path, entries):
    """Writes path.expected.json and path.expected.bin for (key, tensor) entries."""
    table, blob = [], bytearray()
    for key, t in entries:
        t = t.detach()
        if t.dtype in EXPECTED_FLOAT:
            t, dtype = t.to(torch.float32), "float32"
        else:
            dtype = str(t.dtype).replace("torch.", "")
        data = t.contiguous().numpy().tobytes()
        table.append([key, dtype, list(t.shape), len(blob), len(data)])
        blob += data
    with open(path + ".expected.json", "w") as f:
        json.dump(table, f)
    with open(path + ".expected.bin", "wb") as f:
        f.write(blob)


def state_tensors():
    torch.manual_seed(0)
    special = torch.tensor([float("inf"), -float("inf"), float("nan"), -0.0, 1e-45, -3e-42, 1.17549435e-38, 3.4028235e38])
    f32 = torch.cat([torch.randn(52), special]).reshape(3, 4, 5)
    bits = torch.arange(-32768, 32768, dtype=torch.int32).to(torch.int16)
    base = torch.randn(4, 6)
    d = collections.OrderedDict()
    d["f32"] = f32
    d["f16_all"] = bits.view(torch.float16).reshape(256, 256)
    d["bf16_all"] = bits.view(torch.bfloat16).clone()
    d["f64"] = torch.tensor([0.1, -1e300, 1e-320, 3.0000001, 2.0 ** -149, 1.0 + 2.0 ** -24], dtype=torch.float64)
    d["i64"] = torch.tensor([0, -1, 2 ** 62, -2 ** 63, 2 ** 53 + 1, 123456789012345], dtype=torch.int64)
    d["i32"] = torch.tensor([[0, -1, 2 ** 31 - 1], [-2 ** 31, 5, 6]], dtype=torch.int32)
    d["counter"] = torch.tensor(7, dtype=torch.int64)
    d["scalar"] = torch.tensor(2.5)
    d["transposed"] = torch.randn(3, 5).t()
    d["sliced"] = base[1:, ::2]
    d["base"] = base
    d["expanded"] = torch.randn(3, 1).expand(3, 4)
    d["empty"] = torch.zeros(0, 3)
    d["param"] = torch.nn.Parameter(torch.randn(2, 2))
    assert not d["transposed"].is_contiguous() and d["sliced"].storage_offset() == 6
    return d


def write_safetensors(path, entries, metadata):
    """The safetensors layout, by hand: u64 header length, JSON header, data."""
    header, blob = {"__metadata__": metadata}, bytearray()
    names = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
             torch.int64: "I64", torch.int32: "I32"}
    for key, t in entries:
        raw = t.contiguous().view(-1).view(torch.uint8).numpy().tobytes() if t.dim() else t.reshape(1).view(torch.uint8).numpy().tobytes()
        header[key] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    text = json.dumps(header, ensure_ascii=False).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + blob)


def zip_with(path, members):
    """A zip of stored entries, as torch.save writes them."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in members:
            z.writestr(name, data)


def legacy_preamble():
    out = io.BytesIO()
    for value in (0x1950a86a20f9469cfc6c, 1001,
                  {"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}):
        pickle.dump(value, out, protocol=2)
    return out.getvalue()


def os_system_payload(command):
    """GLOBAL os.system, the command, TUPLE1, REDUCE: calls os.system(command) when unpickled."""
    c = command.encode()
    return b"\x80\x02cos\nsystem\nX" + struct.pack("<I", len(c)) + c + b"\x85R."


def hostile(out):
    marker = os.path.join(out, "pwned")
    payload = os_system_payload("touch " + marker)
    # Prove that the payload is live: Python's own unpickler runs it (on another marker).
    proof = os.path.join(out, "proof")
    pickle.loads(os_system_payload("touch " + proof))
    assert os.path.exists(proof), "the os.system payload did not run under pickle.loads"
    os.remove(proof)
    zip_with(os.path.join(out, "os_system.pth"), [("os_system/data.pkl", payload), ("os_system/version", b"3\n")])
    with open(os.path.join(out, "os_system_legacy.pth"), "wb") as f:
        f.write(legacy_preamble() + payload)
    stack_global = b"\x80\x04\x8c\x08builtins\x8c\x04eval\x93\x8c\x031+1\x85R."
    zip_with(os.path.join(out, "eval_stack_global.pth"), [("x/data.pkl", stack_global), ("x/version", b"3\n")])
    torch.save(torch.nn.Sequential(torch.nn.Linear(2, 2)), os.path.join(out, "whole_model.pth"))
    torch.save({"b": torch.tensor([1, 2, 3], dtype=torch.uint8)}, os.path.join(out, "bytes.pth"))
    torch.save({"huge": torch.zeros(1).expand(2 ** 40)}, os.path.join(out, "huge_view.pth"))
    torch.save({"deep": torch.zeros([1] * 7)}, os.path.join(out, "rank7.pth"))
    torch.save([torch.zeros(1)], os.path.join(out, "list.pth"))
    with zipfile.ZipFile(os.path.join(out, "tensors.pth")) as z:
        members = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    zip_with(os.path.join(out, "missing_storage.pth"), [(n, d) for n, d in members if not n.endswith("/data/0")])


def make(out):
    os.makedirs(out, exist_ok=True)
    d = state_tensors()
    for name, legacy in (("tensors", False), ("tensors_legacy", True)):
        path = os.path.join(out, name + ".pth")
        torch.save(d, path, _use_new_zipfile_serialization=not legacy)
        write_expected(path, d.items())
    small = collections.OrderedDict((k, d[k]) for k in ("f32", "i64", "sliced", "counter"))
    prefixed = collections.OrderedDict(("module." + k, v) for k, v in small.items())
    path = os.path.join(out, "wrapped.pth")
    torch.save({"state_dict": prefixed, "epoch": 3, "best": 0.75}, path)
    write_expected(path, small.items())
    model = torch.nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.randn(3, 2)).sum().backward()
    opt.step()
    path = os.path.join(out, "wrapped_legacy.pth")
    torch.save({"model": prefixed, "optimizer": opt.state_dict()}, path, _use_new_zipfile_serialization=False)
    write_expected(path, small.items())

    st = [("weight", torch.randn(2, 3)), ("half", torch.tensor([1.0, -2.5, 65504.0, 6e-8], dtype=torch.float16)),
          ("brain", torch.tensor([[1.0, -3.0], [1e38, 1e-39]], dtype=torch.bfloat16)),
          ("double", torch.tensor([0.1, -7.25], dtype=torch.float64)),
          ("steps", torch.tensor([5, -2 ** 63, 2 ** 63 - 1], dtype=torch.int64)),
          ("labels", torch.tensor([3, -4], dtype=torch.int32)), ("counter", torch.tensor(9, dtype=torch.int64))]
    path = os.path.join(out, "python.safetensors")
    write_safetensors(path, st, {"architecture": "resnet18", "classes": "[\"cat\", \"dog\"]", "note": "naïve ✓"})
    write_expected(path, st)

    torch.manual_seed(1)
    seq = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.Linear(4, 5))
    seq[1].running_mean.uniform_()
    seq[1].running_var.uniform_(0.5, 1.5)
    seq[1].num_batches_tracked.fill_(12)
    state = seq.state_dict()
    path = os.path.join(out, "seq.pth")
    torch.save(state, path)
    write_expected(path, state.items())
    old = collections.OrderedDict((k, v) for k, v in state.items() if not k.endswith("num_batches_tracked"))
    torch.save(old, os.path.join(out, "seq_old.pth"))
    hostile(out)


def roundtrip(src, dst):
    with open(src, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    dtypes = {"F32": torch.float32, "I64": torch.int64, "I32": torch.int32}
    metadata = header.pop("__metadata__", {})
    entries = sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0])
    state = collections.OrderedDict()
    for key, info in entries:
        b, e = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:e]), dtype=dtypes[info["dtype"]]) if e > b else torch.zeros(0, dtype=dtypes[info["dtype"]])
        state[key] = t.reshape(info["shape"]).clone()
    assert (8 + n) % 8 == 0, "data is not 8-byte aligned"
    assert entries[-1][1]["data_offsets"][1] == len(data), "data does not end at the last tensor"
    torch.save(state, dst)
    json.dump({"metadata": metadata, "keys": list(state), "dtypes": [str(t.dtype) for t in state.values()],
               "shapes": [list(t.shape) for t in state.values()]}, sys.stdout)


if __name__ == "__main__":
    torch.set_num_threads(1)
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "roundtrip":
        roundtrip(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
