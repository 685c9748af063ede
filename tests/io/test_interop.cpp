// safetensors interop with PyTorch 1.13, both ways. Debian has no python3-safetensors, so the
// Python side reads and writes the format by hand (struct + json), as any tool could. Runs where
// /usr/bin/python3 can import torch; skipped with a message elsewhere (CI may not have it).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "io/io_test_util.h"
#include "minidl/io/checkpoint.h"
#include "minidl/minidl.h"

namespace minidl {
namespace {

bool torch_available() {
  static const bool available = std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0;
  return available;
}

// Runs `script` (with the shared helpers below prepended) in `dir`; returns exit status and output.
const char* kPythonHelpers = R"PY(
import json, struct, sys, torch
DTYPES = {'F32': torch.float32, 'F64': torch.float64, 'I64': torch.int64}
NAMES = {v: k for k, v in DTYPES.items()}

def write_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name, t in tensors.items():
        data = t.detach().contiguous().numpy().tobytes()
        header[name] = {'dtype': NAMES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()  # unpadded on purpose: readers must not need the padding
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))

def read_safetensors(path):
    raw = open(path, 'rb').read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    metadata = header.pop('__metadata__', {})
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        begin, end = info['data_offsets']
        flat = torch.frombuffer(bytearray(data[begin:end]), dtype=DTYPES[info['dtype']]) if end > begin \
            else torch.empty(0, dtype=DTYPES[info['dtype']])
        out[name] = flat.reshape(info['shape'])
    return out, metadata

def mlp():
    return torch.nn.Sequential(torch.nn.Linear(2, 25), torch.nn.ReLU(), torch.nn.Linear(25, 1))
)PY";

std::pair<int, std::string> run_python(const testing::TempDir& dir, const std::string& script) {
  std::string path = dir.file("script.py");
  testing::write_bytes(path, std::string(kPythonHelpers) + script);
  std::string command = "cd '" + dir.path() + "' && /usr/bin/python3 script.py 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string output;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  int status = ::pclose(pipe);
  return {status, output};
}

StateDict mlp_shapes() {
  StateDict sd;
  sd.insert("0.weight", zeros({25, 2}));
  sd.insert("0.bias", zeros({25}));
  sd.insert("2.weight", zeros({1, 25}));
  sd.insert("2.bias", zeros({1}));
  return sd;
}

Tensor mlp_forward(const StateDict& sd, const Tensor& x) {
  return linear(relu(linear(x, sd.at("0.weight"), sd.at("0.bias"))), sd.at("2.weight"), sd.at("2.bias"));
}

TEST(Interop, PyTorchStateDictLoadsIntoMinidlAndGivesTheSameOutputs) {
  if (!torch_available()) GTEST_SKIP() << "python3-torch not installed (/usr/bin/python3 cannot import torch)";
  testing::TempDir dir;
  auto [status, output] = run_python(dir, R"PY(
torch.manual_seed(0)
model = mlp()
x = torch.rand(50, 2)
write_safetensors('model.safetensors', model.state_dict(), {'format': 'pt'})
write_safetensors('io.safetensors', {'x': x, 'y': model(x)})
mixed = {'d': torch.randn(3, 4, dtype=torch.float64), 'i': torch.arange(-3, 3), 's': torch.tensor(2.5, dtype=torch.float64),
         'e': torch.zeros(0, 3)}
# The values again as JSON text (repr is exact for doubles): a second channel to compare against.
write_safetensors('mixed.safetensors', mixed, {k: json.dumps(v.tolist()) for k, v in mixed.items()})
)PY");
  ASSERT_EQ(status, 0) << output;

  StateDict model = mlp_shapes();
  load_into(dir.file("model.safetensors"), model);
  SafetensorsFile io = load_safetensors(dir.file("io.safetensors"));
  std::vector<double> y = mlp_forward(model, io.tensors.at("x")).to_vector();
  std::vector<double> y_torch = io.tensors.at("y").to_vector();
  ASSERT_EQ(y.size(), 50u);
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], y_torch[i], 1e-6 + 1e-5 * std::abs(y_torch[i])) << i;

  SafetensorsFile mixed = load_safetensors(dir.file("mixed.safetensors"));
  EXPECT_EQ(mixed.tensors.at("d").dtype(), kFloat64);
  EXPECT_EQ(mixed.tensors.at("i").dtype(), kInt64);
  EXPECT_EQ(mixed.tensors.at("s").dim(), 0);
  EXPECT_EQ(mixed.tensors.at("e").shape(), Shape({0, 3}));
  EXPECT_EQ(mixed.tensors.at("i").to_vector(), (std::vector<double>{-3, -2, -1, 0, 1, 2}));
  EXPECT_EQ(mixed.tensors.at("s").item(), 2.5);
  std::vector<double> d;
  for (const auto& row : nlohmann::json::parse(mixed.metadata.at("d"))) {
    for (double v : row) d.push_back(v);
  }
  EXPECT_EQ(mixed.tensors.at("d").to_vector(), d);  // float64 bits exactly
}

TEST(Interop, MinidlFileLoadsIntoPyTorch) {
  if (!torch_available()) GTEST_SKIP() << "python3-torch not installed (/usr/bin/python3 cannot import torch)";
  testing::TempDir dir;
  Generator gen(11);
  StateDict model;
  model.insert("0.weight", uniform({25, 2}, -0.7, 0.7, gen));
  model.insert("0.bias", uniform({25}, -0.7, 0.7, gen));
  model.insert("2.weight", uniform({1, 25}, -0.2, 0.2, gen));
  model.insert("2.bias", uniform({1}, -0.2, 0.2, gen));
  Tensor x = rand({50, 2}, gen);
  save(model, dir.file("model.safetensors"), {{"format", "pt"}});
  StateDict io;
  io.insert("x", x);
  io.insert("y", mlp_forward(model, x));
  save(io, dir.file("io.safetensors"));
  StateDict mixed;
  mixed.insert("d", tensor(std::vector<double>{0.1, -1e-300, 3.0}, {3}, kFloat64));
  mixed.insert("i", tensor(std::vector<int64_t>{INT64_MIN, 0, INT64_MAX}));
  mixed.insert("s", scalar_tensor(7, kInt64));
  mixed.insert("e", zeros({2, 0}, kFloat64));
  save(mixed, dir.file("mixed.safetensors"));

  auto [status, output] = run_python(dir, R"PY(
model = mlp()
state, meta = read_safetensors('model.safetensors')
assert meta == {'format': 'pt'}, meta
model.load_state_dict(state)  # strict: same keys and shapes as PyTorch's own
io, _ = read_safetensors('io.safetensors')
y = model(io['x'])
assert torch.allclose(y, io['y'], rtol=1e-5, atol=1e-6), (y - io['y']).abs().max()
mixed, _ = read_safetensors('mixed.safetensors')
assert mixed['d'].dtype == torch.float64 and mixed['d'].tolist() == [0.1, -1e-300, 3.0], mixed['d']
assert mixed['i'].tolist() == [-2**63, 0, 2**63 - 1], mixed['i']
assert mixed['s'].shape == () and mixed['s'].item() == 7
assert mixed['e'].shape == (2, 0) and mixed['e'].dtype == torch.float64
print('torch agrees')
)PY");
  EXPECT_EQ(status, 0) << output;
  EXPECT_THAT(output, ::testing::HasSubstr("torch agrees"));
}

}  // namespace
}  // namespace minidl
