// Autograd from Python: minidl.no_grad() as a context manager and decorator, is_grad_enabled,
// gradcheck (minidl's finite-difference checker around a Python function).
#include <memory>

#include "bindings.h"
#include "minidl/autograd/node.h"
#include "minidl/error.h"
#include "minidl/gradcheck.h"

namespace minidl::python {

void bind_autograd(py::module_& m) {
  struct NoGrad {
    std::vector<std::unique_ptr<autograd::NoGradGuard>> guards;  // one per nested `with` of this object
  };
  py::class_<NoGrad>(m, "no_grad", "Context manager: ops inside record no graph (PyTorch's torch.no_grad()).")
      .def(py::init<>())
      .def("__enter__", [](NoGrad& self) { self.guards.push_back(std::make_unique<autograd::NoGradGuard>()); })
      .def("__exit__", [](NoGrad& self, py::args) {
        if (!self.guards.empty()) self.guards.pop_back();
        return false;
      });  // used as a decorator through __call__, defined in minidl/__init__.py
  m.def("is_grad_enabled", &autograd::grad_mode_enabled);

  m.def("gradcheck", [](py::function fn, std::vector<Tensor> inputs, double eps, double atol, double rtol,
                        bool raise_exception) {
        GradcheckOptions options{.eps = eps, .atol = atol, .rtol = rtol};
        GradcheckResult r = gradcheck([&fn](const std::vector<Tensor>& xs) {
          py::tuple args(xs.size());
          for (size_t i = 0; i < xs.size(); ++i) args[i] = py::cast(xs[i]);
          return fn(*args).cast<Tensor>();
        }, inputs, options);
        if (!r.ok && raise_exception) throw AutogradError("gradcheck: gradients do not match finite differences: " + r.message);
        return r.ok;
      },
      py::arg("func"), py::arg("inputs"), py::kw_only(), py::arg("eps") = 1e-6, py::arg("atol") = 1e-5,
      py::arg("rtol") = 1e-3, py::arg("raise_exception") = true,
      "Checks the backward of func(*inputs) against central differences (float64 inputs that require grad).");
}

}  // namespace minidl::python
