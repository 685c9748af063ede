// minidl.optim: every optimizer (PyTorch's keyword arguments, parameter groups as dicts) and every
// learning-rate scheduler; a step releases the GIL, a closure re-takes it.
#include "bindings.h"
#include "minidl/error.h"
#include "minidl/optim.h"

namespace minidl::python {

using namespace pybind11::literals;
using optim::Optimizer;

namespace {

std::vector<Tensor> to_tensors(py::handle params, const char* optimizer) {
  std::vector<Tensor> out;
  for (py::handle p : params) {
    if (!py::isinstance<Tensor>(p)) {
      throw py::type_error(std::string(optimizer) + ": parameters must be minidl tensors, got " +
                           std::string(py::str(py::type::of(p).attr("__name__"))));
    }
    out.push_back(p.cast<Tensor>());
  }
  return out;
}

// params: an iterable of tensors, or of dicts {"params": [...], "lr": ...} (parameter groups
// whose missing options take the keyword defaults), as PyTorch.
template <class O>
std::shared_ptr<O> make(py::handle params, const typename O::Options& defaults, const char* name) {
  py::list items = py::module_::import("builtins").attr("list")(params);
  if (items.size() > 0 && py::isinstance<py::dict>(items[0])) {
    if constexpr (std::is_constructible_v<O, std::vector<typename O::Group>>) {
      std::vector<typename O::Group> groups;
      for (py::handle item : items) {
        py::dict d = item.cast<py::dict>();
        typename O::Group g;
        g.params = to_tensors(d["params"], name);
        g.options = defaults;
        g.options.visit([&](const char* key, auto& value) {
          using V = std::decay_t<decltype(value)>;
          if constexpr (!std::is_enum_v<V>) {
            if (d.contains(key)) value = d[key].template cast<V>();
          }
        });
        groups.push_back(std::move(g));
      }
      return std::make_shared<O>(std::move(groups));
    } else {
      throw ValueError(std::string(name) + " takes one parameter group");
    }
  }
  return std::make_shared<O>(to_tensors(items, name), defaults);
}

std::array<double, 2> pair(const std::pair<double, double>& p) { return {p.first, p.second}; }

optim::LineSearch line_search(const std::optional<std::string>& name) {
  if (!name) return optim::LineSearch::none;
  if (*name == "strong_wolfe") return optim::LineSearch::strong_wolfe;
  throw ValueError("line_search_fn must be None or 'strong_wolfe', got '" + *name + "'");
}

StateDict to_state_dict(const py::dict& d) {
  StateDict s;
  for (auto [key, value] : d) s.insert(key.cast<std::string>(), value.cast<Tensor>());
  return s;
}
py::dict to_dict(const StateDict& s) {
  py::dict d;
  for (const auto& [key, value] : s) d[py::str(key)] = value;
  return d;
}

// opt.param_groups[i]["lr"] reads and writes the group's learning rate (what schedulers written
// in Python change); "momentum" / "betas" read the momentum-like option.
struct ParamGroupView {
  std::shared_ptr<Optimizer> optimizer;
  size_t index;
};

// Adam and AdamW take the same keywords; only weight_decay's default differs, as in PyTorch.
template <class O>
void bind_adam(py::module_& optim, const char* name, double default_weight_decay) {
  py::class_<O, Optimizer, std::shared_ptr<O>>(optim, name)
      .def(py::init([name](py::handle params, double lr, std::pair<double, double> betas, double eps,
                           double weight_decay, bool amsgrad) {
             return make<O>(params, {.lr = lr, .betas = pair(betas), .eps = eps, .weight_decay = weight_decay,
                                     .amsgrad = amsgrad}, name);
           }),
           "params"_a, "lr"_a = 1e-3, "betas"_a = std::pair<double, double>(0.9, 0.999), "eps"_a = 1e-8,
           "weight_decay"_a = default_weight_decay, "amsgrad"_a = false);
}

}  // namespace

void bind_optim(py::module_& optim) {
  py::class_<ParamGroupView>(optim, "_ParamGroup")
      .def("__getitem__", [](const ParamGroupView& g, const std::string& key) -> py::object {
        if (key == "lr") return py::float_(g.optimizer->lr(g.index));
        if (key == "momentum" || key == "betas") {
          double* m = g.optimizer->momentum_option(g.index);
          if (m) return key == "betas" ? py::object(py::make_tuple(m[0], m[1])) : py::object(py::float_(*m));
        }
        throw py::key_error(key);
      })
      .def("__setitem__", [](ParamGroupView& g, const std::string& key, double value) {
        if (key != "lr") throw py::key_error("only 'lr' can be set through param_groups, got '" + key + "'");
        g.optimizer->set_lr(g.index, value);
      });

  py::class_<Optimizer, std::shared_ptr<Optimizer>>(optim, "Optimizer")
      .def("step", [](Optimizer& o, py::object closure) -> py::object {
        if (closure.is_none()) {
          py::gil_scoped_release release;
          o.step();
          return py::none();
        }
        Tensor loss;
        {
          py::gil_scoped_release release;
          loss = o.step([closure]() {
            py::gil_scoped_acquire gil;
            if (PyErr_CheckSignals() != 0) throw py::error_already_set();  // Ctrl-C between evaluations
            return closure().cast<Tensor>();
          });
        }
        return py::cast(loss);
      }, "closure"_a = py::none())
      .def("zero_grad", &Optimizer::zero_grad, "set_to_none"_a = false)
      .def("state_dict", [](const Optimizer& o) { return to_dict(o.state_dict()); })
      .def("load_state_dict", [](Optimizer& o, const py::dict& d) { o.load_state_dict(to_state_dict(d)); }, "state_dict"_a)
      .def("reset", &Optimizer::reset)
      .def_property_readonly("param_groups", [](std::shared_ptr<Optimizer> o) {
        py::list groups;
        for (size_t i = 0; i < o->num_param_groups(); ++i) groups.append(ParamGroupView{o, i});
        return groups;
      })
      .def("__repr__", [](const Optimizer& o) {
        std::string s = std::string(o.name()) + " (";
        for (size_t i = 0; i < o.num_param_groups(); ++i) s += (i ? ", " : "") + std::string("lr=") + std::to_string(o.lr(i));
        return s + ")";
      });

  py::class_<optim::SGD, Optimizer, std::shared_ptr<optim::SGD>>(optim, "SGD")
      .def(py::init([](py::handle params, double lr, double momentum, double dampening, double weight_decay, bool nesterov) {
             return make<optim::SGD>(params, {.lr = lr, .momentum = momentum, .dampening = dampening,
                                              .weight_decay = weight_decay, .nesterov = nesterov}, "SGD");
           }),
           "params"_a, "lr"_a = 0.01, "momentum"_a = 0.0, "dampening"_a = 0.0, "weight_decay"_a = 0.0,
           "nesterov"_a = false);
  bind_adam<optim::Adam>(optim, "Adam", /*weight_decay=*/0.0);
  bind_adam<optim::AdamW>(optim, "AdamW", /*weight_decay=*/1e-2);
  py::class_<optim::RMSprop, Optimizer, std::shared_ptr<optim::RMSprop>>(optim, "RMSprop")
      .def(py::init([](py::handle params, double lr, double alpha, double eps, double weight_decay, double momentum,
                       bool centered) {
             return make<optim::RMSprop>(params, {.lr = lr, .alpha = alpha, .eps = eps, .weight_decay = weight_decay,
                                                  .momentum = momentum, .centered = centered}, "RMSprop");
           }),
           "params"_a, "lr"_a = 1e-2, "alpha"_a = 0.99, "eps"_a = 1e-8, "weight_decay"_a = 0.0, "momentum"_a = 0.0,
           "centered"_a = false);
  py::class_<optim::LBFGS, Optimizer, std::shared_ptr<optim::LBFGS>>(optim, "LBFGS")
      .def(py::init([](py::handle params, double lr, int64_t max_iter, std::optional<int64_t> max_eval, double tolerance_grad,
                       double tolerance_change, int64_t history_size, std::optional<std::string> line_search_fn) {
             return make<optim::LBFGS>(params, {.lr = lr, .max_iter = max_iter, .max_eval = max_eval.value_or(0),
                                                .tolerance_grad = tolerance_grad, .tolerance_change = tolerance_change,
                                                .history_size = history_size, .line_search_fn = line_search(line_search_fn)},
                                       "LBFGS");
           }),
           "params"_a, "lr"_a = 1.0, "max_iter"_a = 20, "max_eval"_a = py::none(), "tolerance_grad"_a = 1e-7,
           "tolerance_change"_a = 1e-9, "history_size"_a = 100, "line_search_fn"_a = py::none());
  py::class_<optim::BFGS, Optimizer, std::shared_ptr<optim::BFGS>>(optim, "BFGS")
      .def(py::init([](py::handle params, double lr, int64_t max_iter, std::optional<int64_t> max_eval, double tolerance_grad,
                       double tolerance_change, std::optional<std::string> line_search_fn, double c1, double c2) {
             return make<optim::BFGS>(params, {.lr = lr, .max_iter = max_iter, .max_eval = max_eval.value_or(0),
                                               .tolerance_grad = tolerance_grad, .tolerance_change = tolerance_change,
                                               .line_search_fn = line_search(line_search_fn), .c1 = c1, .c2 = c2},
                                      "BFGS");
           }),
           "params"_a, "lr"_a = 1.0, "max_iter"_a = 1, "max_eval"_a = py::none(), "tolerance_grad"_a = 1e-7,
           "tolerance_change"_a = 1e-9, "line_search_fn"_a = py::none(), "c1"_a = 1e-4, "c2"_a = 0.9);

  // ---- schedulers: each keeps its optimizer alive ----
  py::module_ lr = optim.def_submodule("lr_scheduler", "Learning-rate schedules (torch.optim.lr_scheduler).");
  using optim::LRScheduler;
  py::class_<LRScheduler, std::shared_ptr<LRScheduler>>(lr, "LRScheduler")
      .def("step", &LRScheduler::step)
      .def("get_last_lr", &LRScheduler::get_last_lr)
      .def_property_readonly("last_epoch", &LRScheduler::last_epoch)
      .def_property_readonly("base_lrs", &LRScheduler::base_lrs)
      .def("state_dict", [](const LRScheduler& s) { return to_dict(s.state_dict()); })
      .def("load_state_dict", [](LRScheduler& s, const py::dict& d) { s.load_state_dict(to_state_dict(d)); });
  py::class_<optim::StepLR, LRScheduler, std::shared_ptr<optim::StepLR>>(lr, "StepLR")
      .def(py::init<Optimizer&, int64_t, double>(), "optimizer"_a, "step_size"_a, "gamma"_a = 0.1, py::keep_alive<1, 2>());
  py::class_<optim::ExponentialLR, LRScheduler, std::shared_ptr<optim::ExponentialLR>>(lr, "ExponentialLR")
      .def(py::init<Optimizer&, double>(), "optimizer"_a, "gamma"_a, py::keep_alive<1, 2>());
  py::class_<optim::CosineAnnealingLR, LRScheduler, std::shared_ptr<optim::CosineAnnealingLR>>(lr, "CosineAnnealingLR")
      .def(py::init<Optimizer&, int64_t, double>(), "optimizer"_a, "T_max"_a, "eta_min"_a = 0.0, py::keep_alive<1, 2>());
  py::class_<optim::LambdaLR, LRScheduler, std::shared_ptr<optim::LambdaLR>>(lr, "LambdaLR")
      .def(py::init([](Optimizer& o, py::function f) {
             return std::make_shared<optim::LambdaLR>(o, optim::LambdaLR::Lambda([f](int64_t epoch) {
               py::gil_scoped_acquire gil;
               return f(epoch).cast<double>();
             }));
           }),
           "optimizer"_a, "lr_lambda"_a, py::keep_alive<1, 2>());
  py::class_<optim::PowerDecayLR, LRScheduler, std::shared_ptr<optim::PowerDecayLR>>(lr, "PowerDecayLR")
      .def(py::init<Optimizer&, double, double>(), "optimizer"_a, "eta"_a, "kappa"_a, py::keep_alive<1, 2>());
  py::class_<optim::OneCycleLR, LRScheduler, std::shared_ptr<optim::OneCycleLR>>(lr, "OneCycleLR")
      .def(py::init([](Optimizer& o, double max_lr, int64_t total_steps, double pct_start, const std::string& anneal,
                       bool cycle_momentum, double base_momentum, double max_momentum, double div_factor,
                       double final_div_factor, bool three_phase) {
             if (anneal != "cos" && anneal != "linear") throw ValueError("anneal_strategy must be 'cos' or 'linear'");
             return std::make_shared<optim::OneCycleLR>(
                 o, optim::OneCycleLROptions{.max_lr = max_lr, .total_steps = total_steps, .pct_start = pct_start,
                                             .anneal_strategy = anneal == "cos" ? optim::AnnealStrategy::cos
                                                                                : optim::AnnealStrategy::linear,
                                             .cycle_momentum = cycle_momentum, .base_momentum = base_momentum,
                                             .max_momentum = max_momentum, .div_factor = div_factor,
                                             .final_div_factor = final_div_factor, .three_phase = three_phase});
           }),
           "optimizer"_a, "max_lr"_a, "total_steps"_a, "pct_start"_a = 0.3, "anneal_strategy"_a = "cos",
           "cycle_momentum"_a = true, "base_momentum"_a = 0.85, "max_momentum"_a = 0.95, "div_factor"_a = 25.0,
           "final_div_factor"_a = 1e4, "three_phase"_a = false, py::keep_alive<1, 2>());
  py::class_<optim::ReduceLROnPlateau, std::shared_ptr<optim::ReduceLROnPlateau>>(lr, "ReduceLROnPlateau")
      .def(py::init([](Optimizer& o, const std::string& mode, double factor, int64_t patience, double threshold,
                       const std::string& threshold_mode, int64_t cooldown, double min_lr, double eps) {
             if (mode != "min" && mode != "max") throw ValueError("mode must be 'min' or 'max', got '" + mode + "'");
             if (threshold_mode != "rel" && threshold_mode != "abs") {
               throw ValueError("threshold_mode must be 'rel' or 'abs', got '" + threshold_mode + "'");
             }
             return std::make_shared<optim::ReduceLROnPlateau>(
                 o, optim::ReduceLROnPlateauOptions{
                        .mode = mode == "min" ? optim::PlateauMode::min : optim::PlateauMode::max, .factor = factor,
                        .patience = patience, .threshold = threshold,
                        .threshold_mode = threshold_mode == "rel" ? optim::ThresholdMode::rel : optim::ThresholdMode::abs,
                        .cooldown = cooldown, .min_lr = min_lr, .eps = eps});
           }),
           "optimizer"_a, "mode"_a = "min", "factor"_a = 0.1, "patience"_a = 10, "threshold"_a = 1e-4,
           "threshold_mode"_a = "rel", "cooldown"_a = 0, "min_lr"_a = 0.0, "eps"_a = 1e-8, py::keep_alive<1, 2>())
      .def("step", &optim::ReduceLROnPlateau::step, "metrics"_a)
      .def("get_last_lr", &optim::ReduceLROnPlateau::get_last_lr)
      .def_property_readonly("last_epoch", &optim::ReduceLROnPlateau::last_epoch)
      .def_property_readonly("best", &optim::ReduceLROnPlateau::best)
      .def_property_readonly("num_bad_epochs", &optim::ReduceLROnPlateau::num_bad_epochs)
      .def("state_dict", [](const optim::ReduceLROnPlateau& s) { return to_dict(s.state_dict()); })
      .def("load_state_dict", [](optim::ReduceLROnPlateau& s, const py::dict& d) { s.load_state_dict(to_state_dict(d)); });
}

}  // namespace minidl::python
