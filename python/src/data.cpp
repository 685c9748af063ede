// minidl.data: TensorDataset, DataLoader (iterates batches; a batch unpacks to inputs, targets),
// the disk and Fashion-MNIST data sets, and the metrics.
#include "bindings.h"
#include "minidl/data.h"
#include "minidl/error.h"

namespace minidl::python {

using namespace pybind11::literals;
using namespace minidl::data;

static Targets to_targets(const std::string& name) { return parse_targets(name); }

static OutputKind to_kind(const std::string& name) {
  if (name == "logits") return OutputKind::logits;
  if (name == "probabilities") return OutputKind::probabilities;
  throw ValueError("kind must be 'logits' or 'probabilities', got '" + name + "'");
}

void bind_data(py::module_& d) {
  py::class_<Batch>(d, "Batch", "inputs, labels and targets; `x, y = batch` gives inputs and targets (labels if none)")
      .def_readonly("inputs", &Batch::inputs)
      .def_readonly("labels", &Batch::labels)
      .def_property_readonly("targets", [](const Batch& b) -> py::object {
        return b.targets.defined() ? py::cast(b.targets) : py::none();
      })
      .def("__len__", [](const Batch&) { return 2; })
      .def("__iter__", [](const Batch& b) {
        return py::iter(py::make_tuple(b.inputs, b.targets.defined() ? b.targets : b.labels));
      })
      .def("__getitem__", [](const Batch& b, int i) {
        if (i == 0 || i == -2) return b.inputs;
        if (i == 1 || i == -1) return b.targets.defined() ? b.targets : b.labels;
        throw py::index_error("a batch unpacks to (inputs, targets)");
      });

  py::class_<Dataset, std::shared_ptr<Dataset>>(d, "Dataset")
      .def("__len__", &Dataset::size)
      .def("get_batch", &Dataset::get_batch, "indices"_a)
      .def_property_readonly("input_shape", [](const Dataset& s) { return to_tuple(s.input_shape()); })
      .def_property_readonly("num_classes", &Dataset::num_classes);
  py::class_<TensorDataset, Dataset, std::shared_ptr<TensorDataset>>(d, "TensorDataset")
      .def(py::init([](Tensor inputs, Tensor labels, std::optional<Tensor> targets, int64_t num_classes) {
             return std::make_shared<TensorDataset>(inputs, labels, targets ? *targets : Tensor(), num_classes);
           }),
           "inputs"_a, "labels"_a, "targets"_a = py::none(), "num_classes"_a = 0)
      .def_property_readonly("inputs", &TensorDataset::inputs)
      .def_property_readonly("labels", &TensorDataset::labels)
      .def_property_readonly("targets", [](const TensorDataset& s) -> py::object {
        return s.targets().defined() ? py::cast(s.targets()) : py::none();
      });
  py::class_<FashionMnist, Dataset, std::shared_ptr<FashionMnist>>(d, "FashionMNIST")
      .def(py::init([](const std::string& root, bool train, int64_t limit, bool flatten, bool normalize) {
             FashionMnistOptions o;
             o.dir = root;
             o.train = train;
             o.limit = limit;
             o.flatten = flatten;
             o.normalize = normalize;
             py::gil_scoped_release release;
             return std::make_shared<FashionMnist>(o);
           }),
           "root"_a = kFashionMnistDir, "train"_a = true, py::kw_only(), "limit"_a = 0, "flatten"_a = false,
           "normalize"_a = false)
      .def_property_readonly_static("classes", [](py::object) {
        return std::vector<std::string>(FashionMnist::kClassNames.begin(), FashionMnist::kClassNames.end());
      });

  py::class_<DataLoader, std::shared_ptr<DataLoader>>(d, "DataLoader")
      .def(py::init([](std::shared_ptr<Dataset> dataset, int64_t batch_size, bool shuffle, bool drop_last, uint64_t seed) {
             return std::make_shared<DataLoader>(std::shared_ptr<const Dataset>(dataset),
                                                 DataLoaderOptions{.batch_size = batch_size, .shuffle = shuffle,
                                                                   .drop_last = drop_last, .seed = seed});
           }),
           "dataset"_a, "batch_size"_a = 1, "shuffle"_a = false, "drop_last"_a = false, py::kw_only(), "seed"_a = 0,
           py::keep_alive<1, 2>())
      .def("__len__", &DataLoader::num_batches)
      .def("__iter__", [](std::shared_ptr<DataLoader> loader) {
        // One epoch: a new order when shuffling, then batches made one at a time.
        loader->start_epoch();
        py::list batches;  // cheap handles: each batch is made when the generator reaches it
        struct State {
          std::shared_ptr<DataLoader> loader;
          int64_t next = 0;
        };
        auto state = std::make_shared<State>(State{loader, 0});
        py::cpp_function next([state]() -> Batch {
          if (state->next >= state->loader->num_batches()) throw py::stop_iteration();
          return state->loader->batch(state->next++);
        });
        return py::module_::import("builtins").attr("iter")(next, py::none());
      })
      .def_property_readonly("batch_size", &DataLoader::batch_size)
      .def_property_readonly("epoch", &DataLoader::epoch)
      .def("state_dict", [](const DataLoader& l) {
        py::dict out;
        for (const auto& [k, v] : l.state_dict()) out[py::str(k)] = v;
        return out;
      });

  d.def("disk_labels", &disk_labels, "points"_a, "1 inside the disk of area 1/2 centred at (0.5, 0.5), else 0.");
  d.def("make_disk", [](int64_t n, std::shared_ptr<Generator> gen, const std::string& targets) {
    Generator& g = gen ? *gen : default_generator();
    return std::make_shared<TensorDataset>(make_disk(n, g, to_targets(targets)));
  }, "n"_a, py::kw_only(), "generator"_a = nullptr, "targets"_a = "labels");
  d.def("make_disk_splits", [](int64_t train_size, int64_t validation_size, int64_t test_size, uint64_t seed,
                               const std::string& targets, bool baseline, bool standardize) {
    DiskSplits s = make_disk_splits({.train_size = train_size, .validation_size = validation_size, .test_size = test_size,
                                     .seed = seed, .targets = to_targets(targets), .baseline_features = baseline,
                                     .standardize = standardize});
    return py::make_tuple(std::make_shared<TensorDataset>(s.train), std::make_shared<TensorDataset>(s.validation),
                          std::make_shared<TensorDataset>(s.test));
  }, py::kw_only(), "train_size"_a = 1000, "validation_size"_a = 0, "test_size"_a = 1000, "seed"_a = 0,
     "targets"_a = "labels", "baseline_features"_a = false, "standardize"_a = false,
     "(train, validation, test) TensorDatasets of the disk task, as `minidl train` makes them.");

  d.def("predict", [](const Tensor& outputs, const std::string& kind) { return predict(outputs, to_kind(kind)); },
        "outputs"_a, "kind"_a = "logits");
  d.def("count_correct", [](const Tensor& o, const Tensor& l, const std::string& kind) {
    return count_correct(o, l, to_kind(kind));
  }, "outputs"_a, "labels"_a, "kind"_a = "logits");
  d.def("accuracy", [](const Tensor& o, const Tensor& l, const std::string& kind) { return accuracy(o, l, to_kind(kind)); },
        "outputs"_a, "labels"_a, "kind"_a = "logits");
  py::class_<ConfusionMatrix>(d, "ConfusionMatrix")
      .def(py::init<int64_t>(), "num_classes"_a)
      .def("add", py::overload_cast<const Tensor&, const Tensor&>(&ConfusionMatrix::add), "predictions"_a, "labels"_a)
      .def("add", [](ConfusionMatrix& c, const Tensor& o, const Tensor& l, const std::string& kind) { c.add(o, l, to_kind(kind)); },
           "outputs"_a, "labels"_a, "kind"_a)
      .def("reset", &ConfusionMatrix::reset)
      .def("count", &ConfusionMatrix::count, "true_class"_a, "predicted_class"_a)
      .def("total", &ConfusionMatrix::total)
      .def("accuracy", &ConfusionMatrix::accuracy)
      .def("precision", &ConfusionMatrix::precision, "c"_a)
      .def("recall", &ConfusionMatrix::recall, "c"_a)
      .def("f1", &ConfusionMatrix::f1, "c"_a)
      .def("macro_precision", &ConfusionMatrix::macro_precision)
      .def("macro_recall", &ConfusionMatrix::macro_recall)
      .def("macro_f1", &ConfusionMatrix::macro_f1)
      .def("to_string", &ConfusionMatrix::to_string, "class_names"_a = std::vector<std::string>{})
      .def("__str__", [](const ConfusionMatrix& c) { return c.to_string(); });
  py::class_<RunningMean>(d, "RunningMean")
      .def(py::init<>())
      .def("add", &RunningMean::add, "value"_a, "count"_a = 1)
      .def_property_readonly("mean", &RunningMean::mean)
      .def_property_readonly("count", &RunningMean::count)
      .def("reset", &RunningMean::reset);
}

}  // namespace minidl::python
