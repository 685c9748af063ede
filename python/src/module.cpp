// The extension module minidl._minidl; the package minidl (python/minidl/__init__.py) re-exports it.
#include "bindings.h"
#include "minidl/threads.h"

PYBIND11_MODULE(_minidl, m) {
  m.doc() = "minidl: a small deep-learning library with PyTorch's names (C++ core, Python bindings)";
  py::module_ nn = m.def_submodule("nn", "Layers, losses, nn.functional, nn.init, nn.utils");
  py::module_ optim = m.def_submodule("optim", "Optimizers and optim.lr_scheduler");
  py::module_ data = m.def_submodule("data", "Data sets, DataLoader and metrics");
  minidl::python::bind_errors(m);
  minidl::python::bind_tensor(m);
  minidl::python::bind_autograd(m);
  minidl::python::bind_nn(m, nn);
  minidl::python::bind_optim(optim);
  minidl::python::bind_data(data);
  minidl::python::bind_io(m);
  m.def("set_num_threads", &minidl::set_num_threads, py::arg("n"));
  m.def("get_num_threads", &minidl::get_num_threads);
}
