// minidl.nn: Module (subclassable in Python, with a Python forward), Sequential, every layer and
// loss of the library with PyTorch's keyword names, nn.functional, nn.init and nn.utils.
#include <Python.h>

#include "bindings.h"
#include "minidl/error.h"
#include "minidl/nn.h"
#include "minidl/ops/conv.h"
#include "minidl/ops/index.h"
#include "minidl/ops/loss.h"
#include "minidl/ops/matmul.h"
#include "minidl/ops/pool.h"

namespace minidl::python {

using namespace pybind11::literals;

// The C++ side of a module written in Python. forward and extra_repr call the Python methods;
// the class name comes from the Python class. Registration reaches Module's protected registry.
class PyModule : public nn::Module {
 public:
  Tensor forward(const Tensor& x) override {
    py::gil_scoped_acquire gil;
    py::function f = py::get_override(static_cast<const nn::Module*>(this), "forward");
    if (!f) {
      throw py::type_error("module '" + type_name() + "' has no forward(), or its Python object is gone " +
                           "(keep a reference to a Python module that a C++ module holds)");
    }
    py::object y = f(x);
    if (!py::isinstance<Tensor>(y) && return_any) {
      returned = std::move(y);  // a tuple, a dict, ...: handed to Python by Module.__call__
      return Tensor();
    }
    if (!py::isinstance<Tensor>(y)) {
      throw py::type_error(type_name() + ".forward returned " + std::string(py::str(py::type::of(y).attr("__name__"))) +
                           "; a module inside a C++ Sequential (or called with one tensor) must return one tensor");
    }
    return y.cast<Tensor>();
  }
  std::string type_name() const override {
    if (type_name_.empty()) {
      py::gil_scoped_acquire gil;
      py::handle self = py::detail::get_object_handle(this, py::detail::get_type_info(typeid(nn::Module)));
      type_name_ = self ? py::str(py::type::of(self).attr("__name__")).cast<std::string>() : "Module";
    }
    return type_name_;
  }
  std::string extra_repr() const override {
    PYBIND11_OVERRIDE(std::string, nn::Module, extra_repr, );
  }

  // Set while Python calls this module directly: its forward may then return any Python object,
  // as in PyTorch (inside a C++ Sequential it must return one tensor).
  bool return_any = false;
  py::object returned;

 private:
  mutable std::string type_name_;
};

// Module's protected registry, for Python code (PyTorch lets any module register members).
struct Registry : nn::Module {
  static Tensor parameter(nn::Module& m, const std::string& name, const Tensor& x) {
    return (m.*(&Registry::register_parameter))(name, x);
  }
  static Tensor buffer(nn::Module& m, const std::string& name, const Tensor& x) {
    return (m.*(&Registry::register_buffer))(name, x);
  }
  static void child(nn::Module& m, const std::string& name, std::shared_ptr<nn::Module> c) {
    (m.*(&Registry::add_child))(name, std::move(c));
  }
  static bool remove(nn::Module& m, const std::string& name) { return (m.*(&Registry::unregister))(name); }
};

std::shared_ptr<nn::Module> hold_module(py::handle module) {
  auto held = module.cast<std::shared_ptr<nn::Module>>();
  if (!dynamic_cast<PyModule*>(held.get())) return held;
  // A Python module held by C++ only: the pointer owns a reference to the Python object, so its
  // forward and attributes stay reachable (the pybind11 shared_ptr-to-trampoline rule).
  auto* ref = new py::object(py::reinterpret_borrow<py::object>(module));
  return std::shared_ptr<nn::Module>(held.get(), [held, ref](nn::Module*) mutable {
    if (!Py_IsInitialized()) return;
    py::gil_scoped_acquire gil;
    delete ref;
    held.reset();
  });
}

static StateDict to_state_dict(const py::dict& d) {
  StateDict s;
  for (auto [key, value] : d) {
    if (!py::isinstance<Tensor>(value)) {
      throw ValueError("load_state_dict: '" + key.cast<std::string>() + "' is a " +
                       std::string(py::str(py::type::of(value).attr("__name__"))) + ", expected a minidl.Tensor");
    }
    s.insert(key.cast<std::string>(), value.cast<Tensor>());
  }
  return s;
}

static py::dict to_dict(const StateDict& s) {
  py::dict d;
  for (const auto& [key, value] : s) d[py::str(key)] = value;
  return d;
}

static Reduction to_reduction(const std::string& name) {
  if (name == "mean") return Reduction::mean;
  if (name == "sum") return Reduction::sum;
  if (name == "none") return Reduction::none;
  throw ValueError("reduction must be 'mean', 'sum' or 'none', got '" + name + "'");
}

static Size2 to_size2(py::handle v) {
  if (py::isinstance<py::int_>(v)) return Size2(v.cast<int64_t>());
  auto p = v.cast<std::vector<int64_t>>();
  if (p.size() != 2) throw ValueError("expected an int or a pair (h, w), got " + std::string(py::repr(v)));
  return Size2(p[0], p[1]);
}
static std::optional<Size2> to_optional_size2(py::handle v) {
  if (v.is_none()) return std::nullopt;
  return to_size2(v);
}

static nn::Init to_init(const std::string& name) {
  static const std::pair<const char*, nn::Init> inits[] = {
      {"pytorch_default", nn::Init::pytorch_default}, {"pytorch_default_scaled", nn::Init::pytorch_default_scaled},
      {"xavier_uniform", nn::Init::xavier_uniform},   {"xavier_normal", nn::Init::xavier_normal},
      {"kaiming_uniform", nn::Init::kaiming_uniform}, {"kaiming_normal", nn::Init::kaiming_normal},
      {"normal", nn::Init::normal},                   {"zeros", nn::Init::zeros}};
  std::string known;
  for (auto [n, init] : inits) {
    if (name == n) return init;
    known += std::string(known.empty() ? "" : ", ") + n;
  }
  throw ValueError("Linear: unknown init '" + name + "'; known: " + known);
}

static nn::init::Nonlinearity to_nonlinearity(const std::string& name) {
  using N = nn::init::Nonlinearity;
  if (name == "linear" || name == "conv2d") return N::linear;
  if (name == "sigmoid") return N::sigmoid;
  if (name == "tanh") return N::tanh;
  if (name == "relu") return N::relu;
  if (name == "leaky_relu") return N::leaky_relu;
  if (name == "selu") return N::selu;
  throw ValueError("unknown nonlinearity '" + name + "'");
}

static Generator& gen_or_default(const std::shared_ptr<Generator>& gen) { return gen ? *gen : default_generator(); }

template <class M>
using ModuleClass = py::class_<M, nn::Module, std::shared_ptr<M>>;

void bind_nn(py::module_& m, py::module_& nn) {
  // No py::dynamic_attr(): a Python subclass then gets its own __dict__ and garbage-collector
  // support from Python itself (with pybind11 2.10 on Python 3.11, a dynamic_attr base's
  // __dict__ escapes the collector, and cycles through a module's attributes leaked).
  py::class_<nn::Module, PyModule, std::shared_ptr<nn::Module>>(nn, "Module",
                                                                "Base of every layer; subclass it in Python as torch.nn.Module.")
      .def(py::init<>())
      .def("forward", &nn::Module::forward, "x"_a)
      .def("__call__", [](nn::Module& self, const Tensor& x) -> py::object {
        auto* python_module = dynamic_cast<PyModule*>(&self);
        if (!python_module) {
          py::gil_scoped_release release;
          return py::reinterpret_steal<py::object>(py::cast(self(x)).release());
        }
        // Through operator(), so the module is on the call path of errors and of summary().
        struct Restore {
          PyModule* m;
          bool previous;
          ~Restore() { m->return_any = previous; }
        } restore{python_module, python_module->return_any};
        python_module->return_any = true;
        Tensor y;
        {
          py::gil_scoped_release release;
          y = self(x);
        }
        if (python_module->returned) return std::move(python_module->returned);
        return py::cast(y);
      })
      .def("__call__", [](py::object self, py::args args, py::kwargs kwargs) { return self.attr("forward")(*args, **kwargs); })
      .def("__repr__", &nn::Module::repr)
      .def("extra_repr", [](const nn::Module& self) { return self.nn::Module::extra_repr(); })
      .def("_get_name", &nn::Module::type_name)
      .def("parameters", [](const nn::Module& self) { return self.parameters(); })
      .def("named_parameters", &nn::Module::named_parameters)
      .def("buffers", &nn::Module::buffers)
      .def("named_buffers", &nn::Module::named_buffers)
      .def("children", &nn::Module::children)
      .def("named_children", [](const nn::Module& self) { return self.named_children(); })
      .def("state_dict", [](const nn::Module& self) { return to_dict(self.state_dict()); })
      .def("load_state_dict", [](nn::Module& self, const py::dict& d, bool strict) {
        self.load_state_dict(to_state_dict(d), strict);
      }, "state_dict"_a, "strict"_a = true)
      .def("to", [](nn::Module& self, py::handle dtype) -> nn::Module& { return self.to(to_dtype(dtype)); }, "dtype"_a,
           py::return_value_policy::reference)
      .def("double", [](nn::Module& self) -> nn::Module& { return self.to(kFloat64); }, py::return_value_policy::reference)
      .def("float", [](nn::Module& self) -> nn::Module& { return self.to(kFloat32); }, py::return_value_policy::reference)
      .def("train", [](nn::Module& self, bool mode) -> nn::Module& { return self.train(mode); }, "mode"_a = true,
           py::return_value_policy::reference)
      .def("eval", [](nn::Module& self) -> nn::Module& { return self.eval(); }, py::return_value_policy::reference)
      .def_property_readonly("training", &nn::Module::is_training)
      .def("zero_grad", &nn::Module::zero_grad, "set_to_none"_a = false)
      .def("register_parameter", &Registry::parameter, "name"_a, "param"_a)
      .def("register_buffer", &Registry::buffer, "name"_a, "tensor"_a)
      .def("register_module", [](nn::Module& self, const std::string& name, py::handle child) {
        Registry::child(self, name, hold_module(child));
      }, "name"_a, "module"_a)
      .def("add_module", [](nn::Module& self, const std::string& name, py::handle child) {
        Registry::child(self, name, hold_module(child));
      }, "name"_a, "module"_a)
      // For __setattr__ (minidl/__init__.py): the attribute in the module's __dict__ owns the
      // child, and the registry holds a non-owning pointer to it. So no ownership hides in C++:
      // the garbage collector sees every cycle through Python attributes and collects it.
      .def("_set_child", [](nn::Module& self, const std::string& name, std::shared_ptr<nn::Module> child) {
        Registry::remove(self, name);
        Registry::child(self, name, std::shared_ptr<nn::Module>(std::shared_ptr<nn::Module>(), child.get()));
      })
      .def("_set_parameter", [](nn::Module& self, const std::string& name, const Tensor& x) {
        Registry::remove(self, name);
        Registry::parameter(self, name, x);
      })
      .def("_unregister", &Registry::remove);

  // PyTorch's message for a module that assigns members before calling super().__init__().
  nn.def("_require_init", [](py::handle self) {
    auto* inst = reinterpret_cast<py::detail::instance*>(self.ptr());
    auto v_h = inst->get_value_and_holder();  // the one C++ base of a Module subclass
    if (!v_h.holder_constructed()) {
      throw py::attribute_error("cannot assign a module or parameter to " +
                                std::string(py::str(py::type::of(self).attr("__name__"))) +
                                " before Module.__init__() call: call super().__init__() first");
    }
  });

  ModuleClass<nn::Sequential>(nn, "Sequential")
      .def(py::init([](py::args modules) {
        auto s = std::make_shared<nn::Sequential>();
        for (py::handle mod : modules) s->push_back(hold_module(mod));
        return s;
      }))
      .def("append", [](nn::Sequential& s, py::handle mod) { s.push_back(hold_module(mod)); }, "module"_a)
      .def("__len__", &nn::Sequential::size)
      .def("__getitem__", [](const nn::Sequential& s, int64_t i) { return s[i]; })
      .def("__iter__", [](const nn::Sequential& s) { return py::iter(py::cast(s.children())); });

  ModuleClass<nn::Linear>(nn, "Linear")
      .def(py::init([](int64_t in, int64_t out, bool bias, py::handle dtype, const std::string& init,
                       std::optional<double> weight_std, std::optional<double> bias_std, double gain,
                       std::shared_ptr<Generator> gen) {
             nn::LinearOptions o{.bias = bias, .init = to_init(init), .weight_std = weight_std, .bias_std = bias_std,
                                 .gain = gain, .generator = &gen_or_default(gen),
                                 .dtype = dtype.is_none() ? kFloat32 : to_dtype(dtype)};
             return std::make_shared<nn::Linear>(in, out, o);
           }),
           "in_features"_a, "out_features"_a, "bias"_a = true, py::kw_only(), "dtype"_a = py::none(),
           "init"_a = "pytorch_default", "weight_std"_a = py::none(), "bias_std"_a = py::none(), "gain"_a = 1.0,
           "generator"_a = nullptr)
      .def_property_readonly("in_features", &nn::Linear::in_features)
      .def_property_readonly("out_features", &nn::Linear::out_features)
      .def_property_readonly("weight", &nn::Linear::weight)
      .def_property_readonly("bias", [](const nn::Linear& l) -> py::object {
        return l.bias().defined() ? py::cast(l.bias()) : py::none();
      });

  ModuleClass<nn::Conv2d>(nn, "Conv2d")
      .def(py::init([](int64_t in, int64_t out, py::handle kernel_size, py::handle stride, py::handle padding, bool bias,
                       py::handle dtype, std::shared_ptr<Generator> gen) {
             nn::Conv2dOptions o{.stride = to_size2(stride), .padding = to_size2(padding), .bias = bias,
                                 .generator = &gen_or_default(gen), .dtype = dtype.is_none() ? kFloat32 : to_dtype(dtype)};
             return std::make_shared<nn::Conv2d>(in, out, to_size2(kernel_size), o);
           }),
           "in_channels"_a, "out_channels"_a, "kernel_size"_a, "stride"_a = 1, "padding"_a = 0, "bias"_a = true,
           py::kw_only(), "dtype"_a = py::none(), "generator"_a = nullptr)
      .def_property_readonly("weight", &nn::Conv2d::weight)
      .def_property_readonly("bias", [](const nn::Conv2d& c) -> py::object {
        return c.bias().defined() ? py::cast(c.bias()) : py::none();
      })
      .def("forward", [](nn::Conv2d& c, const Tensor& x) {
        py::gil_scoped_release release;
        return c.forward(x);
      });
  ModuleClass<nn::MaxPool2d>(nn, "MaxPool2d")
      .def(py::init([](py::handle k, py::handle s, py::handle p) {
        return std::make_shared<nn::MaxPool2d>(to_size2(k), to_optional_size2(s), to_size2(p));
      }), "kernel_size"_a, "stride"_a = py::none(), "padding"_a = 0);
  ModuleClass<nn::AvgPool2d>(nn, "AvgPool2d")
      .def(py::init([](py::handle k, py::handle s, py::handle p) {
        return std::make_shared<nn::AvgPool2d>(to_size2(k), to_optional_size2(s), to_size2(p));
      }), "kernel_size"_a, "stride"_a = py::none(), "padding"_a = 0);
  py::class_<nn::BatchNorm, nn::Module, std::shared_ptr<nn::BatchNorm>>(nn, "_BatchNorm")
      .def_property_readonly("num_features", &nn::BatchNorm::num_features)
      .def_property_readonly("weight", [](const nn::BatchNorm& b) -> py::object {
        return b.weight().defined() ? py::cast(b.weight()) : py::none();
      })
      .def_property_readonly("bias", [](const nn::BatchNorm& b) -> py::object {
        return b.bias().defined() ? py::cast(b.bias()) : py::none();
      })
      .def_property_readonly("running_mean", [](const nn::BatchNorm& b) -> py::object {
        return b.running_mean().defined() ? py::cast(b.running_mean()) : py::none();
      })
      .def_property_readonly("running_var", [](const nn::BatchNorm& b) -> py::object {
        return b.running_var().defined() ? py::cast(b.running_var()) : py::none();
      });
  auto batch_norm = [&](auto tag, const char* name) {
    using B = typename decltype(tag)::type;
    py::class_<B, nn::BatchNorm, std::shared_ptr<B>>(nn, name)
        .def(py::init([](int64_t n, double eps, double momentum, bool affine, bool track, py::handle dtype) {
               return std::make_shared<B>(n, nn::BatchNormOptions{.eps = eps, .momentum = momentum, .affine = affine,
                                                                  .track_running_stats = track,
                                                                  .dtype = dtype.is_none() ? kFloat32 : to_dtype(dtype)});
             }),
             "num_features"_a, "eps"_a = 1e-5, "momentum"_a = 0.1, "affine"_a = true, "track_running_stats"_a = true,
             py::kw_only(), "dtype"_a = py::none());
  };
  batch_norm(std::type_identity<nn::BatchNorm1d>{}, "BatchNorm1d");
  batch_norm(std::type_identity<nn::BatchNorm2d>{}, "BatchNorm2d");

  ModuleClass<nn::Dropout>(nn, "Dropout")
      .def(py::init([](double p, std::shared_ptr<Generator> gen) {
        // PyTorch draws masks from its global generator; here each Dropout gets its own stream,
        // seeded from minidl.default_generator unless one is given (same seed, same masks).
        if (!gen) gen = std::make_shared<Generator>(default_generator().next_u64());
        return std::make_shared<nn::Dropout>(p, gen);
      }), "p"_a = 0.5, py::kw_only(), "generator"_a = nullptr)
      .def_property_readonly("p", &nn::Dropout::p);
  ModuleClass<nn::ReLU>(nn, "ReLU").def(py::init<>());
  ModuleClass<nn::LeakyReLU>(nn, "LeakyReLU")
      .def(py::init<double>(), "negative_slope"_a = 0.01)
      .def_property_readonly("negative_slope", &nn::LeakyReLU::negative_slope);
  ModuleClass<nn::Tanh>(nn, "Tanh").def(py::init<>());
  ModuleClass<nn::Sigmoid>(nn, "Sigmoid").def(py::init<>());
  ModuleClass<nn::ShiftedTanh>(nn, "ShiftedTanh").def(py::init<>());
  ModuleClass<nn::Softmax>(nn, "Softmax").def(py::init<int64_t>(), "dim"_a);
  ModuleClass<nn::LogSoftmax>(nn, "LogSoftmax").def(py::init<int64_t>(), "dim"_a);
  ModuleClass<nn::Identity>(nn, "Identity").def(py::init<>());
  ModuleClass<nn::Flatten>(nn, "Flatten").def(py::init<int64_t, int64_t>(), "start_dim"_a = 1, "end_dim"_a = -1);

  // ---- losses ----
  py::class_<nn::Loss, std::shared_ptr<nn::Loss>>(nn, "_Loss")
      .def("__call__", [](const nn::Loss& l, const Tensor& input, const Tensor& target) { return l(input, target); },
           "input"_a, "target"_a)
      .def("forward", [](const nn::Loss& l, const Tensor& input, const Tensor& target) { return l(input, target); },
           "input"_a, "target"_a)
      .def_property_readonly("reduction", [](const nn::Loss& l) { return to_string(l.reduction()); })
      .def("__repr__", [](const nn::Loss& l) { return l.type_name() + "()"; });
  auto loss = [&](auto tag, const char* name) {
    using L = typename decltype(tag)::type;
    py::class_<L, nn::Loss, std::shared_ptr<L>>(nn, name)
        .def(py::init([](const std::string& r) { return std::make_shared<L>(to_reduction(r)); }), "reduction"_a = "mean");
  };
  loss(std::type_identity<nn::MSELoss>{}, "MSELoss");
  loss(std::type_identity<nn::L1Loss>{}, "L1Loss");
  loss(std::type_identity<nn::BCELoss>{}, "BCELoss");
  loss(std::type_identity<nn::BCEWithLogitsLoss>{}, "BCEWithLogitsLoss");
  loss(std::type_identity<nn::NLLLoss>{}, "NLLLoss");
  py::class_<nn::CrossEntropyLoss, nn::Loss, std::shared_ptr<nn::CrossEntropyLoss>>(nn, "CrossEntropyLoss")
      .def(py::init([](const std::string& r, double ls) { return std::make_shared<nn::CrossEntropyLoss>(to_reduction(r), ls); }),
           "reduction"_a = "mean", "label_smoothing"_a = 0.0)
      .def_property_readonly("label_smoothing", &nn::CrossEntropyLoss::label_smoothing);

  nn.def("summary", [](nn::Module& model, py::handle input_size) { return nn::summary(model, to_shape(input_size)); },
         "model"_a, "input_size"_a, "A table of the layers, their output shapes and parameter counts.");

  // ---- nn.functional ----
  py::module_ F = nn.def_submodule("functional", "Functional forms of the layers and losses.");
  F.def("relu", [](const Tensor& x) { return relu(x); }, "input"_a);
  F.def("leaky_relu", [](const Tensor& x, double s) { return leaky_relu(x, s); }, "input"_a, "negative_slope"_a = 0.01);
  F.def("sigmoid", [](const Tensor& x) { return sigmoid(x); }, "input"_a);
  F.def("tanh", [](const Tensor& x) { return tanh(x); }, "input"_a);
  F.def("softmax", [](const Tensor& x, int64_t d) { return softmax(x, d); }, "input"_a, "dim"_a);
  F.def("log_softmax", [](const Tensor& x, int64_t d) { return log_softmax(x, d); }, "input"_a, "dim"_a);
  F.def("linear", [](const Tensor& x, const Tensor& w, std::optional<Tensor> b) {
    py::gil_scoped_release release;
    return linear(x, w, b ? *b : Tensor());
  }, "input"_a, "weight"_a, "bias"_a = py::none());
  F.def("conv2d", [](const Tensor& x, const Tensor& w, std::optional<Tensor> b, py::handle stride, py::handle padding) {
    Size2 s = to_size2(stride), p = to_size2(padding);
    py::gil_scoped_release release;
    return conv2d(x, w, b ? *b : Tensor(), s, p);
  }, "input"_a, "weight"_a, "bias"_a = py::none(), "stride"_a = 1, "padding"_a = 0);
  F.def("max_pool2d", [](const Tensor& x, py::handle k, py::handle s, py::handle p) {
    return max_pool2d(x, to_size2(k), to_optional_size2(s), to_size2(p));
  }, "input"_a, "kernel_size"_a, "stride"_a = py::none(), "padding"_a = 0);
  F.def("avg_pool2d", [](const Tensor& x, py::handle k, py::handle s, py::handle p) {
    return avg_pool2d(x, to_size2(k), to_optional_size2(s), to_size2(p));
  }, "input"_a, "kernel_size"_a, "stride"_a = py::none(), "padding"_a = 0);
  F.def("dropout", [](const Tensor& x, double p, bool training, std::shared_ptr<Generator> gen) {
    if (!training) return x;
    return nn::dropout(x, p, gen_or_default(gen));
  }, "input"_a, "p"_a = 0.5, "training"_a = true, py::kw_only(), "generator"_a = nullptr);
  F.def("one_hot", [](const Tensor& labels, int64_t n) { return one_hot(labels, n, kFloat32).to(kInt64); }, "tensor"_a, "num_classes"_a);  // int64, as PyTorch
  F.def("mse_loss", [](const Tensor& i, const Tensor& t, const std::string& r) { return mse_loss(i, t, to_reduction(r)); },
        "input"_a, "target"_a, "reduction"_a = "mean");
  F.def("l1_loss", [](const Tensor& i, const Tensor& t, const std::string& r) { return l1_loss(i, t, to_reduction(r)); },
        "input"_a, "target"_a, "reduction"_a = "mean");
  F.def("binary_cross_entropy", [](const Tensor& i, const Tensor& t, const std::string& r) {
    return binary_cross_entropy(i, t, to_reduction(r));
  }, "input"_a, "target"_a, "reduction"_a = "mean");
  F.def("binary_cross_entropy_with_logits", [](const Tensor& i, const Tensor& t, const std::string& r, std::optional<Tensor> pw) {
    return binary_cross_entropy_with_logits(i, t, {.reduction = to_reduction(r), .pos_weight = pw.value_or(Tensor())});
  }, "input"_a, "target"_a, "reduction"_a = "mean", py::kw_only(), "pos_weight"_a = py::none());
  F.def("cross_entropy", [](const Tensor& i, const Tensor& t, const std::string& r, double ls, std::optional<Tensor> w,
                            int64_t ignore_index) {
    return cross_entropy(i, t, {.reduction = to_reduction(r), .weight = w.value_or(Tensor()), .ignore_index = ignore_index,
                                .label_smoothing = ls});
  }, "input"_a, "target"_a, "reduction"_a = "mean", "label_smoothing"_a = 0.0, py::kw_only(), "weight"_a = py::none(),
     "ignore_index"_a = -100);
  F.def("nll_loss", [](const Tensor& i, const Tensor& t, const std::string& r, std::optional<Tensor> w, int64_t ignore_index) {
    return nll_loss(i, t, {.reduction = to_reduction(r), .weight = w.value_or(Tensor()), .ignore_index = ignore_index});
  }, "input"_a, "target"_a, "reduction"_a = "mean", py::kw_only(), "weight"_a = py::none(), "ignore_index"_a = -100);

  // ---- nn.init ----
  py::module_ init = nn.def_submodule("init", "In-place initialisers (PyTorch's torch.nn.init), with an optional generator.");
  init.def("calculate_gain", [](const std::string& n, std::optional<double> param) {
    return nn::init::calculate_gain(to_nonlinearity(n), param.value_or(0.01));
  }, "nonlinearity"_a, "param"_a = py::none());
  init.def("uniform_", [](Tensor x, double a, double b, std::shared_ptr<Generator> g) {
    return nn::init::uniform_(x, a, b, gen_or_default(g));
  }, "tensor"_a, "a"_a = 0.0, "b"_a = 1.0, py::kw_only(), "generator"_a = nullptr);
  init.def("normal_", [](Tensor x, double mean, double std, std::shared_ptr<Generator> g) {
    return nn::init::normal_(x, mean, std, gen_or_default(g));
  }, "tensor"_a, "mean"_a = 0.0, "std"_a = 1.0, py::kw_only(), "generator"_a = nullptr);
  init.def("constant_", [](Tensor x, double v) { return nn::init::constant_(x, v); }, "tensor"_a, "val"_a);
  init.def("zeros_", [](Tensor x) { return nn::init::zeros_(x); }, "tensor"_a);
  init.def("ones_", [](Tensor x) { return nn::init::ones_(x); }, "tensor"_a);
  init.def("xavier_uniform_", [](Tensor x, double gain, std::shared_ptr<Generator> g) {
    return nn::init::xavier_uniform_(x, gen_or_default(g), gain);
  }, "tensor"_a, "gain"_a = 1.0, py::kw_only(), "generator"_a = nullptr);
  init.def("xavier_normal_", [](Tensor x, double gain, std::shared_ptr<Generator> g) {
    return nn::init::xavier_normal_(x, gen_or_default(g), gain);
  }, "tensor"_a, "gain"_a = 1.0, py::kw_only(), "generator"_a = nullptr);
  auto fan_mode = [](const std::string& mode) {
    if (mode == "fan_in") return nn::init::FanMode::fan_in;
    if (mode == "fan_out") return nn::init::FanMode::fan_out;
    throw ValueError("mode must be 'fan_in' or 'fan_out', got '" + mode + "'");
  };
  init.def("kaiming_uniform_", [fan_mode](Tensor x, double a, const std::string& mode, const std::string& nl,
                                          std::shared_ptr<Generator> g) {
    return nn::init::kaiming_uniform_(x, gen_or_default(g), a, fan_mode(mode), to_nonlinearity(nl));
  }, "tensor"_a, "a"_a = 0.0, "mode"_a = "fan_in", "nonlinearity"_a = "leaky_relu", py::kw_only(), "generator"_a = nullptr);
  init.def("kaiming_normal_", [fan_mode](Tensor x, double a, const std::string& mode, const std::string& nl,
                                         std::shared_ptr<Generator> g) {
    return nn::init::kaiming_normal_(x, gen_or_default(g), a, fan_mode(mode), to_nonlinearity(nl));
  }, "tensor"_a, "a"_a = 0.0, "mode"_a = "fan_in", "nonlinearity"_a = "leaky_relu", py::kw_only(), "generator"_a = nullptr);

  // ---- nn.utils ----
  py::module_ utils = nn.def_submodule("utils", "Gradient clipping.");
  utils.def("clip_grad_norm_", &nn::utils::clip_grad_norm_, "parameters"_a, "max_norm"_a, "norm_type"_a = 2.0,
            "error_if_nonfinite"_a = false);
  utils.def("clip_grad_value_", &nn::utils::clip_grad_value_, "parameters"_a, "clip_value"_a);
  (void)m;
}

}  // namespace minidl::python
