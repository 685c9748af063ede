// minidl.Tensor and its factories: operators, row indexing, printing, and zero-copy exchange with
// NumPy (the buffer protocol, from_numpy, numpy()) and with PyTorch (DLPack).
#include <Python.h>

#include <cstring>

#include "bindings.h"
#include "dlpack.h"
#include "minidl/autograd/node.h"
#include "minidl/error.h"
#include "minidl/ops/activation.h"
#include "minidl/ops/elementwise.h"
#include "minidl/ops/index.h"
#include "minidl/ops/matmul.h"
#include "minidl/ops/reduce.h"
#include "minidl/ops/view.h"

namespace minidl::python {

Shape to_shape(py::handle sizes) {
  if (py::isinstance<py::int_>(sizes)) return Shape{sizes.cast<int64_t>()};
  std::vector<int64_t> v;
  for (py::handle s : sizes) {
    if (!py::isinstance<py::int_>(s) && !py::hasattr(s, "__index__")) {
      throw ValueError("a shape holds integers, got " + std::string(py::str(py::type::of(s).attr("__name__"))) +
                       " in " + std::string(py::repr(sizes)));
    }
    v.push_back(s.cast<int64_t>());
  }
  if (static_cast<int>(v.size()) > Shape::kMaxDims) {
    throw ValueError("a shape has at most " + std::to_string(Shape::kMaxDims) + " dims, got " + std::to_string(v.size()));
  }
  return Shape(v);
}

// zeros(2, 3) and zeros((2, 3)) both mean (2, 3).
static Shape sizes_arg(const py::args& sizes) {
  if (sizes.size() == 1 && !py::isinstance<py::int_>(sizes[0])) return to_shape(sizes[0]);
  return to_shape(sizes);
}

py::tuple to_tuple(const Shape& shape) {
  py::tuple t(shape.dim());
  for (int64_t d = 0; d < shape.dim(); ++d) t[d] = py::int_(shape[d]);
  return t;
}

Dtype to_dtype(py::handle dtype) {
  if (py::isinstance<Dtype>(dtype)) return dtype.cast<Dtype>();
  std::string name = py::str(dtype);
  if (name == "float32" || name == "float") return kFloat32;
  if (name == "float64" || name == "double") return kFloat64;
  if (name == "int64" || name == "long") return kInt64;
  throw DtypeError("unknown dtype " + std::string(py::repr(dtype)) + "; minidl has float32, float64 and int64");
}

Generator& default_generator() {
  static auto* gen = new std::shared_ptr<Generator>(std::make_shared<Generator>(0));
  return **gen;
}
static std::shared_ptr<Generator>& default_generator_ptr() {
  static auto* gen = new std::shared_ptr<Generator>(std::shared_ptr<Generator>(&default_generator(), [](Generator*) {}));
  return *gen;
}

static Generator& gen_or_default(const std::shared_ptr<Generator>& gen) { return gen ? *gen : default_generator(); }

// ---- NumPy ----------------------------------------------------------------------------------------

static py::dtype numpy_dtype(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32: return py::dtype::of<float>();
    case Dtype::Float64: return py::dtype::of<double>();
    case Dtype::Int64: break;
  }
  return py::dtype::of<int64_t>();
}

static Dtype dtype_of_numpy(const py::array& a, const char* op) {
  if (a.dtype().is(py::dtype::of<float>())) return kFloat32;
  if (a.dtype().is(py::dtype::of<double>())) return kFloat64;
  if (a.dtype().is(py::dtype::of<int64_t>())) return kInt64;
  throw DtypeError(std::string(op) + ": NumPy dtype " + std::string(py::str(a.dtype())) +
                   " has no minidl counterpart; use float32, float64 or int64 (a.astype(np.float32))");
}

static std::vector<int64_t> strides_of(const Shape& shape, Dtype dtype) {
  std::vector<int64_t> strides(shape.dim());
  int64_t s = static_cast<int64_t>(element_size(dtype));
  for (int64_t d = shape.dim() - 1; d >= 0; --d) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

// Drops one reference to `owner` when the last tensor sharing its memory goes, from whatever
// thread that happens on (the GIL is taken; nothing is done once the interpreter is gone).
static std::function<void()> python_release(py::handle owner) {
  PyObject* obj = owner.ptr();
  Py_INCREF(obj);
  return [obj] {
    if (!Py_IsInitialized()) return;
    PyGILState_STATE state = PyGILState_Ensure();
    Py_DECREF(obj);
    PyGILState_Release(state);
  };
}

// Shares the array's memory, as torch.from_numpy: the tensor keeps the array alive.
static Tensor from_numpy(const py::array& a) {
  Dtype dtype = dtype_of_numpy(a, "from_numpy");
  if (!(a.flags() & py::array::c_style)) {
    throw ValueError("from_numpy: the array is not C-contiguous (strides " + std::string(py::str(a.attr("strides"))) +
                     "); minidl tensors are contiguous: pass np.ascontiguousarray(a)");
  }
  Shape shape;
  for (py::ssize_t d = 0; d < a.ndim(); ++d) shape.push_back(a.shape(d));
  return from_blob(const_cast<void*>(a.data()), shape, dtype, python_release(a));
}

// A NumPy array over the tensor's memory; the array keeps the storage alive.
static py::array to_numpy(const Tensor& t) {
  auto* keep = new std::shared_ptr<Storage>(t.impl()->storage);
  py::capsule base(keep, [](void* p) { delete static_cast<std::shared_ptr<Storage>*>(p); });
  std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end());
  auto strides = strides_of(t.shape(), t.dtype());
  return py::array(numpy_dtype(t.dtype()), shape, std::vector<py::ssize_t>(strides.begin(), strides.end()),
                   t.raw_data(), base);
}

// minidl.tensor(data): always a copy. Python floats give float32 and ints int64 (PyTorch's rule);
// a NumPy array keeps its dtype unless `dtype` is given.
static Tensor make_tensor(py::handle data, py::object dtype_arg, bool requires_grad) {
  py::module_ np = py::module_::import("numpy");
  Tensor result;
  if (py::isinstance<Tensor>(data)) {
    result = data.cast<Tensor>().detach().clone();
    if (!dtype_arg.is_none()) result = result.to(to_dtype(dtype_arg));
  } else {
    bool from_array = py::isinstance<py::array>(data);
    py::array a = np.attr("asarray")(data);
    Dtype dtype;
    if (!dtype_arg.is_none()) {
      dtype = to_dtype(dtype_arg);
    } else if (a.dtype().kind() == 'f') {
      dtype = from_array && a.dtype().is(py::dtype::of<double>()) ? kFloat64 : kFloat32;
    } else if (a.dtype().kind() == 'i' || a.dtype().kind() == 'u' || a.dtype().kind() == 'b') {
      dtype = kInt64;
    } else {
      throw DtypeError("tensor: cannot make a tensor from " + std::string(py::repr(data).cast<std::string>().substr(0, 80)) +
                       " (NumPy dtype " + std::string(py::str(a.dtype())) + ")");
    }
    py::array c = np.attr("asarray")(a, numpy_dtype(dtype), "C");  // ascontiguousarray would make 0-d 1-d
    Shape shape;
    for (py::ssize_t d = 0; d < c.ndim(); ++d) shape.push_back(c.shape(d));
    result = Tensor::empty(shape, dtype);
    if (c.nbytes() > 0) std::memcpy(result.raw_data(), c.data(), static_cast<size_t>(c.nbytes()));
  }
  if (requires_grad) result.requires_grad_(true);
  return result;
}

// ---- indexing by rows ---------------------------------------------------------------------------

// t[i] (a row, one dim fewer), t[a:b] (a view of rows a..b), t[index] (int64 tensor: a copy).
static Tensor get_rows(const Tensor& t, py::handle key) {
  if (t.dim() == 0) throw IndexError("a 0-dim tensor cannot be indexed; use .item()");
  int64_t n = t.size(0);
  if (py::isinstance<py::int_>(key)) {
    int64_t i = key.cast<int64_t>();
    if (i < -n || i >= n) {
      throw IndexError("index " + std::to_string(i) + " is out of range for dim 0 of shape " + to_string(t.shape()));
    }
    if (i < 0) i += n;
    Shape rest;
    for (int64_t d = 1; d < t.dim(); ++d) rest.push_back(t.size(d));
    return reshape(narrow(t, 0, i, 1), rest);
  }
  if (py::isinstance<py::slice>(key)) {
    py::ssize_t start = 0, stop = 0, step = 0, length = 0;
    if (!key.cast<py::slice>().compute(static_cast<py::ssize_t>(n), &start, &stop, &step, &length)) throw py::error_already_set();
    if (step != 1) throw IndexError("tensor rows: only slices with step 1 are supported, got step " + std::to_string(step));
    return narrow(t, 0, start, length);
  }
  if (py::isinstance<Tensor>(key)) return index_select(t, key.cast<Tensor>());
  if (py::isinstance<py::list>(key)) return index_select(t, tensor(key.cast<std::vector<int64_t>>()));
  if (py::isinstance<py::tuple>(key)) {
    Tensor row = t;
    for (py::handle k : key) {
      if (!py::isinstance<py::int_>(k)) throw IndexError("tensor indexing: a tuple index holds integers only");
      row = get_rows(row, k);
    }
    return row;
  }
  throw IndexError("tensor indices are integers, slices, int64 tensors or lists of integers, got " +
                   std::string(py::str(py::type::of(key).attr("__name__"))));
}

static void set_rows(Tensor& t, py::handle key, py::handle value) {
  Tensor rows = get_rows(t, key);
  if (!rows.impl()->storage || rows.impl()->storage != t.impl()->storage) {
    throw IndexError("tensor assignment: only integer and slice indices write into the tensor");
  }
  if (t.requires_grad() && autograd::grad_mode_enabled()) {
    throw AutogradError("a leaf tensor that requires grad cannot be written in place; use `with minidl.no_grad():`");
  }
  if (py::isinstance<Tensor>(value)) {
    Tensor v = value.cast<Tensor>();
    rows.copy_(v.shape() == rows.shape() ? v : broadcast_to(v, rows.shape()).to(rows.dtype()));
  } else {
    rows.fill_(value.cast<double>());
  }
}

// ---- in-place arithmetic ------------------------------------------------------------------------

static void check_inplace(const Tensor& t, const char* op) {
  if (autograd::grad_mode_enabled() && (t.requires_grad() || !t.is_leaf())) {
    throw AutogradError(std::string(op) + ": a tensor that requires grad cannot be changed in place while gradients are " +
                        "recorded; use `with minidl.no_grad():` (as for an optimizer step)");
  }
}

static Tensor& inplace(Tensor& t, const Tensor& result, const char* op) {
  check_inplace(t, op);
  if (result.shape() != t.shape()) {
    throw ShapeError(std::string(op) + ": the result has shape " + to_string(result.shape()) + ", the tensor " +
                     to_string(t.shape()));
  }
  t.copy_(result.dtype() == t.dtype() ? result : result.to(t.dtype()));
  return t;
}

// ---- DLPack ---------------------------------------------------------------------------------------

namespace {
struct DLPackOwner {
  Tensor tensor;
  std::vector<int64_t> shape, strides;
  DLManagedTensor managed{};
};

DLDataType dl_dtype(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32: return {kDLFloat, 32, 1};
    case Dtype::Float64: return {kDLFloat, 64, 1};
    case Dtype::Int64: break;
  }
  return {kDLInt, 64, 1};
}

py::capsule to_dlpack(const Tensor& t) {
  auto* owner = new DLPackOwner;
  owner->tensor = t.detach();
  owner->shape = t.shape().to_vector();
  owner->strides.resize(owner->shape.size());
  int64_t s = 1;
  for (int64_t d = static_cast<int64_t>(owner->shape.size()) - 1; d >= 0; --d) {
    owner->strides[d] = s;
    s *= owner->shape[d];
  }
  DLTensor& dl = owner->managed.dl_tensor;
  dl.data = t.raw_data();
  dl.device = {kDLCPU, 0};
  dl.ndim = static_cast<int32_t>(t.dim());
  dl.dtype = dl_dtype(t.dtype());
  dl.shape = owner->shape.data();
  dl.strides = owner->strides.data();
  dl.byte_offset = 0;
  owner->managed.manager_ctx = owner;
  owner->managed.deleter = [](DLManagedTensor* self) { delete static_cast<DLPackOwner*>(self->manager_ctx); };
  // An unconsumed capsule frees its tensor; a consumer renames it "used_dltensor" and calls the
  // deleter itself (the DLPack protocol).
  PyObject* capsule = PyCapsule_New(&owner->managed, "dltensor", [](PyObject* cap) {
    if (PyCapsule_IsValid(cap, "dltensor")) {
      auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(cap, "dltensor"));
      if (m && m->deleter) m->deleter(m);
    }
  });
  if (!capsule) throw py::error_already_set();
  return py::reinterpret_steal<py::capsule>(capsule);
}

Tensor from_dlpack(py::object x) {
  py::object capsule = x;
  if (py::hasattr(x, "__dlpack__")) {
    if (py::hasattr(x, "__dlpack_device__")) {
      auto device = x.attr("__dlpack_device__")().cast<std::pair<int, int>>();
      if (device.first != kDLCPU) {
        throw ValueError("from_dlpack: the tensor is on device type " + std::to_string(device.first) +
                         "; minidl reads CPU memory only (call .cpu() first)");
      }
    }
    capsule = x.attr("__dlpack__")();
  }
  if (!PyCapsule_IsValid(capsule.ptr(), "dltensor")) {
    throw ValueError("from_dlpack: expected an object with __dlpack__ or an unconsumed 'dltensor' capsule");
  }
  auto* managed = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule.ptr(), "dltensor"));
  const DLTensor& dl = managed->dl_tensor;
  Dtype dtype;
  if (dl.dtype.code == kDLFloat && dl.dtype.bits == 32 && dl.dtype.lanes == 1) {
    dtype = kFloat32;
  } else if (dl.dtype.code == kDLFloat && dl.dtype.bits == 64 && dl.dtype.lanes == 1) {
    dtype = kFloat64;
  } else if (dl.dtype.code == kDLInt && dl.dtype.bits == 64 && dl.dtype.lanes == 1) {
    dtype = kInt64;
  } else {
    throw DtypeError("from_dlpack: dtype code " + std::to_string(dl.dtype.code) + " with " + std::to_string(dl.dtype.bits) +
                     " bits has no minidl counterpart (float32, float64, int64)");
  }
  if (dl.device.device_type != kDLCPU) throw ValueError("from_dlpack: the tensor is not in CPU memory");
  Shape shape;
  for (int32_t d = 0; d < dl.ndim; ++d) shape.push_back(dl.shape[d]);
  if (dl.strides) {
    int64_t expected = 1;
    for (int32_t d = dl.ndim - 1; d >= 0; --d) {
      if (dl.shape[d] != 1 && dl.strides[d] != expected) {
        throw ValueError("from_dlpack: the tensor is not contiguous (shape " + to_string(shape) +
                         "); minidl tensors are contiguous: call .contiguous() first");
      }
      expected *= dl.shape[d];
    }
  }
  void* data = static_cast<char*>(dl.data) + dl.byte_offset;
  Tensor t = from_blob(data, shape, dtype, [managed] {
    if (managed->deleter) managed->deleter(managed);
  });
  PyCapsule_SetName(capsule.ptr(), "used_dltensor");
  return t;
}
}  // namespace

// ---- the class ----------------------------------------------------------------------------------

using Scalar = double;

void bind_tensor(py::module_& m) {
  py::enum_<Dtype>(m, "dtype")
      .value("float32", kFloat32)
      .value("float64", kFloat64)
      .value("int64", kInt64)
      .def("__repr__", [](Dtype d) { return "minidl." + to_string(d); }, py::prepend())
      .def("__str__", [](Dtype d) { return "minidl." + to_string(d); }, py::prepend())
      .def_property_readonly("is_floating_point", [](Dtype d) { return is_floating(d); })
      .def_property_readonly("itemsize", [](Dtype d) { return element_size(d); });
  m.attr("float32") = kFloat32;
  m.attr("float") = kFloat32;
  m.attr("float64") = kFloat64;
  m.attr("double") = kFloat64;
  m.attr("int64") = kInt64;
  m.attr("long") = kInt64;

  py::class_<Generator, std::shared_ptr<Generator>>(m, "Generator")
      .def(py::init<uint64_t>(), py::arg("seed") = 0)
      .def("manual_seed", [](Generator& g, uint64_t seed) -> Generator& { g.manual_seed(seed); return g; },
           py::arg("seed"), py::return_value_policy::reference)
      .def("get_state", [](const Generator& g) {
        auto s = g.state();
        return py::make_tuple(py::make_tuple(s.s[0], s.s[1], s.s[2], s.s[3]), s.has_spare, s.spare);
      })
      .def("set_state", [](Generator& g, py::tuple t) {
        auto words = t[0].cast<std::array<uint64_t, 4>>();
        g.set_state({words, t[1].cast<bool>(), t[2].cast<double>()});
      })
      .def("random", [](Generator& g) { return g.uniform(); }, "one U[0, 1) draw");
  m.attr("default_generator") = default_generator_ptr();
  m.def("manual_seed", [](uint64_t seed) { default_generator().manual_seed(seed); return default_generator_ptr(); },
        py::arg("seed"), "Seeds minidl.default_generator, which factories and layers use when given no generator.");

  py::class_<Tensor> t(m, "Tensor", py::buffer_protocol());
  t.def_buffer([](Tensor& x) -> py::buffer_info {
    std::vector<py::ssize_t> shape(x.shape().begin(), x.shape().end());
    auto strides = strides_of(x.shape(), x.dtype());
    std::string format = x.dtype() == kFloat32 ? py::format_descriptor<float>::format()
                         : x.dtype() == kFloat64 ? py::format_descriptor<double>::format()
                                                 : py::format_descriptor<int64_t>::format();
    return py::buffer_info(x.raw_data(), static_cast<py::ssize_t>(element_size(x.dtype())), format, x.dim(), shape,
                           std::vector<py::ssize_t>(strides.begin(), strides.end()));
  });
  t.def(py::init([](py::object data, py::object dtype, bool requires_grad) { return make_tensor(data, dtype, requires_grad); }),
        py::arg("data"), py::arg("dtype") = py::none(), py::arg("requires_grad") = false);
  t.def_property_readonly("shape", [](const Tensor& x) { return to_tuple(x.shape()); })
      .def("size", [](const Tensor& x, py::object d) -> py::object {
        if (d.is_none()) return to_tuple(x.shape());
        return py::int_(x.size(d.cast<int64_t>()));
      }, py::arg("dim") = py::none())
      .def_property_readonly("dtype", &Tensor::dtype)
      .def_property_readonly("ndim", &Tensor::dim)
      .def("dim", &Tensor::dim)
      .def("numel", &Tensor::numel)
      .def_property_readonly("device", [](const Tensor&) { return "cpu"; })
      .def("__len__", [](const Tensor& x) {
        if (x.dim() == 0) throw py::type_error("len() of a 0-d tensor");
        return x.size(0);
      })
      .def("item", [](const Tensor& x) -> py::object {
        if (x.dtype() == kInt64) return py::int_(static_cast<int64_t>(x.item()));
        return py::float_(x.item());
      })
      .def("tolist", [](const Tensor& x) { return to_numpy(x).attr("tolist")(); })
      .def("numpy", [](const Tensor& x) {
        if (x.requires_grad()) {
          throw AutogradError("numpy: the tensor requires grad; use t.detach().numpy() (as PyTorch)");
        }
        return to_numpy(x);
      })
      .def("__repr__", [](const Tensor& x) {
        std::string s = x.to_string();
        for (size_t at; (at = s.find("torch.")) != std::string::npos;) s.replace(at, 6, "minidl.");
        return s;
      })
      .def("__getitem__", &get_rows)
      .def("__setitem__", &set_rows)
      .def("__bool__", [](const Tensor& x) {
        if (x.numel() != 1) throw ValueError("the truth value of a tensor with " + std::to_string(x.numel()) + " elements is ambiguous");
        return x.item() != 0;
      })
      .def("__float__", [](const Tensor& x) { return x.item(); })
      .def("__int__", [](const Tensor& x) { return static_cast<int64_t>(x.item()); })
      .def("__index__", [](const Tensor& x) {
        if (x.dtype() != kInt64 || x.numel() != 1) throw py::type_error("only one-element int64 tensors can be an index");
        return static_cast<int64_t>(x.item());
      })
      // autograd
      .def_property("requires_grad", &Tensor::requires_grad, [](Tensor& x, bool on) { x.requires_grad_(on); })
      .def("requires_grad_", [](Tensor& x, bool on) -> Tensor { return x.requires_grad_(on); }, py::arg("requires_grad") = true)
      .def_property("grad", [](const Tensor& x) -> py::object {
        Tensor g = x.grad();
        if (!g.defined()) return py::none();
        return py::cast(g);
      }, [](Tensor& x, py::object g) {
        if (g.is_none()) {
          x.impl()->grad.reset();
        } else {
          x.set_grad(g.cast<Tensor>());
        }
      })
      .def_property_readonly("is_leaf", &Tensor::is_leaf)
      .def_property_readonly("grad_fn", [](const Tensor& x) -> py::object {
        if (!x.grad_fn()) return py::none();
        return py::str(x.grad_fn()->name);
      })
      .def("backward", [](const Tensor& x, py::object gradient, bool retain_graph) {
        Tensor g = gradient.is_none() ? Tensor() : gradient.cast<Tensor>();
        py::gil_scoped_release release;
        x.backward(g, retain_graph);
      }, py::arg("gradient") = py::none(), py::arg("retain_graph") = false)
      .def("detach", &Tensor::detach)
      .def_property("data", &Tensor::detach, [](Tensor& x, const Tensor& v) {
        autograd::NoGradGuard guard;
        x.copy_(v);
      })
      // in place
      .def("zero_", [](Tensor& x) -> Tensor { check_inplace(x, "zero_"); return x.zero_(); })
      .def("fill_", [](Tensor& x, double v) -> Tensor { check_inplace(x, "fill_"); return x.fill_(v); })
      .def("copy_", [](Tensor& x, const Tensor& src) -> Tensor { check_inplace(x, "copy_"); return x.copy_(src); })
      .def("add_", [](Tensor& x, const Tensor& other, double alpha) -> Tensor {
        check_inplace(x, "add_");
        return x.add_(other, alpha);
      }, py::arg("other"), py::arg("alpha") = 1.0)
      .def("mul_", [](Tensor& x, double s) -> Tensor { check_inplace(x, "mul_"); return x.mul_(s); })
      .def("__iadd__", [](Tensor& x, const Tensor& o) -> Tensor { return inplace(x, x + o, "+="); })
      .def("__iadd__", [](Tensor& x, Scalar s) -> Tensor { return inplace(x, x + s, "+="); })
      .def("__isub__", [](Tensor& x, const Tensor& o) -> Tensor { return inplace(x, x - o, "-="); })
      .def("__isub__", [](Tensor& x, Scalar s) -> Tensor { return inplace(x, x - s, "-="); })
      .def("__imul__", [](Tensor& x, const Tensor& o) -> Tensor { return inplace(x, x * o, "*="); })
      .def("__imul__", [](Tensor& x, Scalar s) -> Tensor { return inplace(x, x * s, "*="); })
      .def("__itruediv__", [](Tensor& x, const Tensor& o) -> Tensor { return inplace(x, x / o, "/="); })
      .def("__itruediv__", [](Tensor& x, Scalar s) -> Tensor { return inplace(x, x / s, "/="); })
      // arithmetic: tensors broadcast, Python numbers are scalars
      .def("__add__", [](const Tensor& a, const Tensor& b) { return a + b; })
      .def("__add__", [](const Tensor& a, Scalar s) { return a + s; })
      .def("__radd__", [](const Tensor& a, Scalar s) { return s + a; })
      .def("__sub__", [](const Tensor& a, const Tensor& b) { return a - b; })
      .def("__sub__", [](const Tensor& a, Scalar s) { return a - s; })
      .def("__rsub__", [](const Tensor& a, Scalar s) { return s - a; })
      .def("__mul__", [](const Tensor& a, const Tensor& b) { return a * b; })
      .def("__mul__", [](const Tensor& a, Scalar s) { return a * s; })
      .def("__rmul__", [](const Tensor& a, Scalar s) { return s * a; })
      .def("__truediv__", [](const Tensor& a, const Tensor& b) { return a / b; })
      .def("__truediv__", [](const Tensor& a, Scalar s) { return a / s; })
      .def("__rtruediv__", [](const Tensor& a, Scalar s) { return s / a; })
      .def("__neg__", [](const Tensor& a) { return -a; })
      .def("__pow__", [](const Tensor& a, double e) { return pow(a, e); })
      .def("__matmul__", [](const Tensor& a, const Tensor& b) {
        py::gil_scoped_release release;
        return matmul(a, b);
      })
      .def("__gt__", [](const Tensor& a, const Tensor& b) { return gt(a, b); })
      .def("__gt__", [](const Tensor& a, Scalar s) { return gt(a, s); })
      .def("__lt__", [](const Tensor& a, const Tensor& b) { return lt(a, b); })
      .def("__lt__", [](const Tensor& a, Scalar s) { return lt(a, s); })
      .def("__eq__", [](const Tensor& a, const Tensor& b) { return eq(a, b); })
      .def("__eq__", [](const Tensor& a, Scalar s) { return eq(a, full(a.shape(), s, a.dtype())); })
      .def("__hash__", [](const Tensor& a) { return reinterpret_cast<intptr_t>(a.impl().get()); })
      .def("is_same", &Tensor::is_same, "True if both handles are the same tensor (not merely equal values)")
      // methods
      .def("matmul", [](const Tensor& a, const Tensor& b) {
        py::gil_scoped_release release;
        return matmul(a, b);
      })
      .def("sum", [](const Tensor& x, py::object dim, bool keepdim) {
        if (dim.is_none()) return x.sum();
        if (py::isinstance<py::int_>(dim)) return x.sum({dim.cast<int64_t>()}, keepdim);
        return x.sum(dim.cast<std::vector<int64_t>>(), keepdim);
      }, py::arg("dim") = py::none(), py::arg("keepdim") = false)
      .def("mean", [](const Tensor& x, py::object dim, bool keepdim) {
        if (dim.is_none()) return x.mean();
        if (py::isinstance<py::int_>(dim)) return x.mean({dim.cast<int64_t>()}, keepdim);
        return x.mean(dim.cast<std::vector<int64_t>>(), keepdim);
      }, py::arg("dim") = py::none(), py::arg("keepdim") = false)
      .def("max", [](const Tensor& x) { return max(x); })
      .def("argmax", [](const Tensor& x, int64_t dim, bool keepdim) { return argmax(x, dim, keepdim); },
           py::arg("dim"), py::arg("keepdim") = false)
      .def("exp", [](const Tensor& x) { return exp(x); })
      .def("log", [](const Tensor& x) { return log(x); })
      .def("sqrt", [](const Tensor& x) { return sqrt(x); })
      .def("abs", [](const Tensor& x) { return abs(x); })
      .def("pow", [](const Tensor& x, double e) { return pow(x, e); })
      .def("clamp", [](const Tensor& x, py::object lo, py::object hi) {
        double l = lo.is_none() ? -std::numeric_limits<double>::infinity() : lo.cast<double>();
        double h = hi.is_none() ? std::numeric_limits<double>::infinity() : hi.cast<double>();
        return clamp(x, l, h);
      }, py::arg("min") = py::none(), py::arg("max") = py::none())
      .def("relu", [](const Tensor& x) { return relu(x); })
      .def("sigmoid", [](const Tensor& x) { return sigmoid(x); })
      .def("tanh", [](const Tensor& x) { return tanh(x); })
      .def("softmax", [](const Tensor& x, int64_t dim) { return softmax(x, dim); }, py::arg("dim"))
      .def("log_softmax", [](const Tensor& x, int64_t dim) { return log_softmax(x, dim); }, py::arg("dim"))
      .def("reshape", [](const Tensor& x, py::args sizes) { return x.reshape(sizes_arg(sizes)); })
      .def("view", [](const Tensor& x, py::args sizes) { return x.reshape(sizes_arg(sizes)); })
      .def("flatten", &Tensor::flatten, py::arg("start_dim") = 0, py::arg("end_dim") = -1)
      .def("t", &Tensor::t)
      .def_property_readonly("T", &Tensor::t)
      .def("transpose", &Tensor::transpose, py::arg("dim0"), py::arg("dim1"))
      .def("permute", [](const Tensor& x, py::args dims) { return permute(x, sizes_arg(dims).to_vector()); })
      .def("unsqueeze", [](const Tensor& x, int64_t d) { return unsqueeze(x, d); }, py::arg("dim"))
      .def("squeeze", [](const Tensor& x, int64_t d) { return squeeze(x, d); }, py::arg("dim"))
      .def("clone", &Tensor::clone)
      .def("contiguous", [](const Tensor& x) { return x; }, "minidl tensors are always contiguous: returns the tensor itself")
      .def("to", [](const Tensor& x, py::handle dtype) { return x.to(to_dtype(dtype)); }, py::arg("dtype"))
      .def("float", [](const Tensor& x) { return x.to(kFloat32); })
      .def("double", [](const Tensor& x) { return x.to(kFloat64); })
      .def("long", [](const Tensor& x) { return x.to(kInt64); })
      .def("__dlpack__", [](const Tensor& x, py::object /*stream*/) { return to_dlpack(x); }, py::arg("stream") = py::none())
      .def("__dlpack_device__", [](const Tensor&) { return py::make_tuple(static_cast<int>(kDLCPU), 0); });

  // ---- factories ----
  m.def("tensor", &make_tensor, py::arg("data"), py::arg("dtype") = py::none(), py::arg("requires_grad") = false,
        "A new tensor with a copy of `data` (numbers, nested lists, a NumPy array or a tensor).");
  m.def("from_numpy", &from_numpy, py::arg("array"),
        "A tensor sharing the array's memory (C-contiguous float32, float64 or int64); it keeps the array alive.");
  m.def("from_dlpack", &from_dlpack, py::arg("tensor"), "A tensor sharing the memory of a DLPack producer (torch.Tensor, ...).");
  m.def("to_dlpack", &to_dlpack, py::arg("tensor"));
  auto factory = [&m](const char* name, auto fill) {
    m.def(name, [fill](py::args sizes, py::handle dtype, bool requires_grad) {
      Tensor x = fill(sizes_arg(sizes), dtype.is_none() ? kFloat32 : to_dtype(dtype));
      if (requires_grad) x.requires_grad_(true);
      return x;
    }, py::kw_only(), py::arg("dtype") = py::none(), py::arg("requires_grad") = false);
  };
  factory("zeros", [](const Shape& s, Dtype d) { return zeros(s, d); });
  factory("ones", [](const Shape& s, Dtype d) { return ones(s, d); });
  factory("empty", [](const Shape& s, Dtype d) { return Tensor::empty(s, d); });
  m.def("full", [](py::handle size, double value, py::handle dtype, bool requires_grad) {
    Tensor x = full(to_shape(size), value, dtype.is_none() ? kFloat32 : to_dtype(dtype));
    if (requires_grad) x.requires_grad_(true);
    return x;
  }, py::arg("size"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("requires_grad") = false);
  m.def("zeros_like", [](const Tensor& x) { return zeros_like(x); });
  m.def("ones_like", [](const Tensor& x) { return ones_like(x); });
  m.def("arange", [](double start, py::object end, double step, py::handle dtype) {
    bool integral = end.is_none() ? start == static_cast<int64_t>(start)
                                  : start == static_cast<int64_t>(start) && py::isinstance<py::int_>(end) &&
                                        step == static_cast<int64_t>(step);
    Dtype d = dtype.is_none() ? (integral ? kInt64 : kFloat32) : to_dtype(dtype);
    if (end.is_none()) return arange(0.0, start, step, d);
    return arange(start, end.cast<double>(), step, d);
  }, py::arg("start"), py::arg("end") = py::none(), py::arg("step") = 1.0, py::kw_only(), py::arg("dtype") = py::none());
  auto random = [&m](const char* name, auto draw) {
    m.def(name, [draw](py::args sizes, std::shared_ptr<Generator> gen, py::handle dtype, bool requires_grad) {
      Tensor x = draw(sizes_arg(sizes), gen_or_default(gen), dtype.is_none() ? kFloat32 : to_dtype(dtype));
      if (requires_grad) x.requires_grad_(true);
      return x;
    }, py::kw_only(), py::arg("generator") = nullptr, py::arg("dtype") = py::none(), py::arg("requires_grad") = false);
  };
  random("rand", [](const Shape& s, Generator& g, Dtype d) { return rand(s, g, d); });
  random("randn", [](const Shape& s, Generator& g, Dtype d) { return randn(s, g, d); });
  m.def("randperm", [](int64_t n, std::shared_ptr<Generator> gen) { return randperm(n, gen_or_default(gen)); },
        py::arg("n"), py::kw_only(), py::arg("generator") = nullptr);

  // ---- functions ----
  m.def("matmul", [](const Tensor& a, const Tensor& b) {
    py::gil_scoped_release release;
    return matmul(a, b);
  });
  m.def("mm", [](const Tensor& a, const Tensor& b) {
    py::gil_scoped_release release;
    return matmul(a, b);
  });
  m.def("cat", [](const std::vector<Tensor>& xs, int64_t dim) { return concat(xs, dim); }, py::arg("tensors"), py::arg("dim") = 0);
  m.def("where", [](const Tensor& c, const Tensor& a, const Tensor& b) { return where(c, a, b); });
  m.def("exp", [](const Tensor& x) { return exp(x); });
  m.def("log", [](const Tensor& x) { return log(x); });
  m.def("sqrt", [](const Tensor& x) { return sqrt(x); });
  m.def("abs", [](const Tensor& x) { return abs(x); });
  m.def("relu", [](const Tensor& x) { return relu(x); });
  m.def("sigmoid", [](const Tensor& x) { return sigmoid(x); });
  m.def("tanh", [](const Tensor& x) { return tanh(x); });
  m.def("sum", [](const Tensor& x) { return sum(x); });
  m.def("mean", [](const Tensor& x) { return mean(x); });
  m.def("argmax", [](const Tensor& x, int64_t dim, bool keepdim) { return argmax(x, dim, keepdim); },
        py::arg("input"), py::arg("dim"), py::arg("keepdim") = false);
  m.def("allclose", [](const Tensor& a, const Tensor& b, double rtol, double atol) {
    if (a.shape() != b.shape()) return false;
    auto x = a.to_vector(), y = b.to_vector();
    for (size_t i = 0; i < x.size(); ++i) {
      if (!(std::abs(x[i] - y[i]) <= atol + rtol * std::abs(y[i]))) return false;
    }
    return true;
  }, py::arg("input"), py::arg("other"), py::arg("rtol") = 1e-5, py::arg("atol") = 1e-8);
  m.def("live_storages", &Storage::live_count, "storages alive now (tests check memory is freed)");
}

}  // namespace minidl::python
