// minidl's exception types as Python classes, so `except minidl.ShapeError` works, and each also
// derives from the built-in a Python user expects (IndexError ends iteration, DtypeError is a
// TypeError, ...). Every C++ exception is translated: none reaches the interpreter uncaught.
#include "bindings.h"
#include "minidl/error.h"
#include "minidl/io/safetensors.h"

namespace minidl::python {

namespace {
PyObject* make(py::module_& m, const char* name, std::initializer_list<PyObject*> bases, const char* doc) {
  py::tuple t(bases.size());
  size_t i = 0;
  for (PyObject* b : bases) t[i++] = py::reinterpret_borrow<py::object>(b);
  std::string qualified = std::string("minidl.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, t.ptr(), nullptr);
  if (!type) throw py::error_already_set();
  m.attr(name) = py::reinterpret_borrow<py::object>(type);
  return type;
}
}  // namespace

void bind_errors(py::module_& m) {
  static PyObject* error = make(m, "Error", {PyExc_RuntimeError}, "Base of minidl's errors.");
  static PyObject* shape = make(m, "ShapeError", {error, PyExc_ValueError}, "Shapes that do not fit an op or a module.");
  static PyObject* dtype = make(m, "DtypeError", {error, PyExc_TypeError}, "A dtype an op does not take.");
  static PyObject* value = make(m, "ValueError", {error, PyExc_ValueError}, "A bad argument value.");
  static PyObject* index = make(m, "IndexError", {error, PyExc_IndexError}, "A dim or an index out of range.");
  static PyObject* autograd = make(m, "AutogradError", {error}, "backward on a freed graph, in-place on a leaf, ...");
  static PyObject* config = make(m, "ConfigError", {error, PyExc_ValueError}, "A configuration value that is wrong.");
  static PyObject* data = make(m, "DataError", {error}, "A data file or data set that is wrong.");
  static PyObject* checkpoint = make(m, "CheckpointError", {error}, "A checkpoint that is malformed or does not fit.");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ShapeError& e) {
      PyErr_SetString(shape, e.what());
    } catch (const DtypeError& e) {
      PyErr_SetString(dtype, e.what());
    } catch (const minidl::ValueError& e) {
      PyErr_SetString(value, e.what());
    } catch (const minidl::IndexError& e) {
      PyErr_SetString(index, e.what());
    } catch (const AutogradError& e) {
      PyErr_SetString(autograd, e.what());
    } catch (const ConfigError& e) {
      PyErr_SetString(config, e.what());
    } catch (const DataError& e) {
      PyErr_SetString(data, e.what());
    } catch (const CheckpointError& e) {
      PyErr_SetString(checkpoint, e.what());
    } catch (const Error& e) {
      PyErr_SetString(error, e.what());
    }
    // Anything else (std::bad_alloc, std::out_of_range, ...) falls through to pybind11's own
    // translator, which raises MemoryError, IndexError, RuntimeError, ...
  });
}

}  // namespace minidl::python
