// Shared helpers of the Python bindings: one bind_* function per area (tensor, autograd, nn, optim,
// data, io), each in its own file, all called from module.cpp.
#pragma once

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>

#include "minidl/nn/module.h"
#include "minidl/random.h"
#include "minidl/shape.h"
#include "minidl/tensor.h"

namespace py = pybind11;

namespace minidl::python {

void bind_errors(py::module_& m);
void bind_tensor(py::module_& m);
void bind_autograd(py::module_& m);
void bind_nn(py::module_& m, py::module_& nn);
void bind_optim(py::module_& optim);
void bind_data(py::module_& data);
void bind_io(py::module_& m);

// (2, 3), [2, 3] or 2 -> Shape; sizes given as separate arguments arrive as a tuple.
Shape to_shape(py::handle sizes);
py::tuple to_tuple(const Shape& shape);

// "float32" / minidl.float32 -> Dtype.
Dtype to_dtype(py::handle dtype);

// The generator a random factory uses when none is given: minidl.default_generator (seeded by
// minidl.manual_seed), as PyTorch's global generator.
Generator& default_generator();

// A module for C++ to hold. For a module subclassed in Python, the pointer also keeps the Python
// object (its __dict__ and forward) alive; for a C++ module it is the module's own holder.
std::shared_ptr<nn::Module> hold_module(py::handle module);

}  // namespace minidl::python
