// minidl.save / minidl.load: safetensors files of a state dict (PyTorch's torch.save(model.state_dict())
// idiom, in the format minidl's CLI and checkpoints use).
#include "bindings.h"
#include "minidl/io/checkpoint.h"
#include "minidl/io/safetensors.h"

namespace minidl::python {

using namespace pybind11::literals;

void bind_io(py::module_& m) {
  m.def("save", [](py::dict state, const std::string& path, std::map<std::string, std::string> metadata) {
    StateDict s;
    for (auto [key, value] : state) s.insert(key.cast<std::string>(), value.cast<Tensor>());
    py::gil_scoped_release release;
    save_safetensors(s, path, metadata);
  }, "state_dict"_a, "path"_a, "metadata"_a = std::map<std::string, std::string>{},
        "Writes a dict of tensors as a safetensors file (atomically).");
  m.def("load", [](const std::string& path) {
    SafetensorsFile f;
    {
      py::gil_scoped_release release;
      f = load_safetensors(path);
    }
    py::dict d;
    for (const auto& [key, value] : f.tensors) d[py::str(key)] = value;
    return d;
  }, "path"_a, "Reads a safetensors file into a dict of tensors, in file order.");
  m.def("load_metadata", [](const std::string& path) { return load_safetensors(path).metadata; }, "path"_a);
}

}  // namespace minidl::python
