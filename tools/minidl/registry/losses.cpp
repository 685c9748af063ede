// The losses of loss.name: one add() each, with its options and its builder, which also says how
// predictions are read from the outputs (Objective).
#include "minidl/error.h"
#include "registry/registry.h"

namespace minidl::cli {

namespace {

using Build = std::function<Objective(const Options&, const Config&, const Data&)>;

// Throws the config error "loss.name = "bce" needs ..." unless `ok`.
void need(const Config& config, bool ok, const std::string& what) {
  if (!ok) throw ConfigError(config.name() + ": loss.name = \"" + config.get_string("loss.name") + "\" " + what);
}

// loss.reduction as the library's Reduction; with "sum" the metrics divide the batch's loss by
// `terms` (Objective::summed_terms) so they read as per-term means under either reduction.
Reduction reduction_of(const Options& o) { return o.string("reduction") == "sum" ? Reduction::sum : Reduction::mean; }

// A (C) tensor of loss.<name>, one value per class, or undefined when the key is not given.
Tensor per_class(const Options& o, const std::string& name, const Config& config, const Data& data) {
  std::vector<double> v = o.numbers(name);
  if (v.empty()) return Tensor();
  const int64_t classes = std::max<int64_t>(data.num_classes, 1);
  if (static_cast<int64_t>(v.size()) != classes) {
    throw ConfigError(config.name() + ": loss." + name + " has " + std::to_string(v.size()) +
                      " values; it needs one per class, " + std::to_string(classes));
  }
  return tensor(v, {classes}, kFloat32);
}

void sum_over(Objective& o, const Options& opts, bool every_element) {
  if (reduction_of(opts) != Reduction::sum) return;
  if (every_element) o.summed_terms = [](const Tensor& y) { return y.numel(); };
  else o.summed_terms = [](const Tensor& y) { return y.size(0); };
}

// A loss of the outputs and the float targets (mse, l1, bce, bce_with_logits). `needs_label`:
// only one 0/1 output (bce); otherwise one-hot targets on one output per class work too.
Build on_float_targets(std::function<std::shared_ptr<nn::Loss>(const Options&, const Config&, const Data&)> make,
                       bool needs_label, data::OutputKind kind) {
  return [make, needs_label, kind](const Options& opts, const Config& config, const Data& data) {
    Objective o;
    o.classification = data.num_classes > 0;
    std::string targets = config.get_string("data.targets");
    need(config, !o.classification || targets != "class",
         "needs float targets: data.targets = \"one-hot\" (one output per class) or \"label\" (one 0/1 output)");
    if (needs_label) need(config, targets == "label", "needs data.targets = \"label\"");
    std::shared_ptr<nn::Loss> loss = make(opts, config, data);
    o.loss = [loss](const Tensor& y, const data::Batch& b) { return (*loss)(y, b.targets); };
    o.repr = loss->repr();
    sum_over(o, opts, true);
    // One output trained on 0/1 targets: the prediction is output > 0.5, except for logits.
    o.output_kind = kind;
    return o;
  };
}

// A loss with only the common options.
template <class L>
std::shared_ptr<nn::Loss> plain(const Options& opts, const Config&, const Data&) {
  return std::make_shared<L>(reduction_of(opts));
}

std::shared_ptr<nn::Loss> bce_with_logits(const Options& opts, const Config& config, const Data& data) {
  BCEWithLogitsLossOptions o;
  o.reduction = reduction_of(opts);
  if (config.get_string("data.targets") == "label" && !opts.numbers("pos_weight").empty()) {
    // One output: pos_weight has one value whatever the number of classes.
    o.pos_weight = tensor(opts.numbers("pos_weight"), {static_cast<int64_t>(opts.numbers("pos_weight").size())}, kFloat32);
    if (o.pos_weight.numel() != 1) {
      throw ConfigError(config.name() + ": loss.pos_weight has " + std::to_string(o.pos_weight.numel()) +
                        " values; with data.targets = \"label\" (one output) it needs one");
    }
  } else {
    o.pos_weight = per_class(opts, "pos_weight", config, data);
  }
  return std::make_shared<nn::BCEWithLogitsLoss>(o);
}

Objective cross_entropy(const Options& opts, const Config& config, const Data& data) {
  Objective o;
  o.classification = data.num_classes > 0;
  std::string targets = config.get_string("data.targets");
  need(config, targets != "label", "needs data.targets = \"class\" or \"one-hot\" (class logits, not one 0/1 output)");
  CrossEntropyLossOptions options;
  options.reduction = reduction_of(opts);
  options.weight = per_class(opts, "weight", config, data);
  options.ignore_index = opts.integer("ignore_index");
  options.label_smoothing = opts.number("label_smoothing");
  auto loss = std::make_shared<nn::CrossEntropyLoss>(options);
  bool indices = targets == "class";
  o.loss = [loss, indices](const Tensor& y, const data::Batch& b) { return (*loss)(y, indices ? b.labels : b.targets); };
  o.repr = loss->repr();
  sum_over(o, opts, false);
  return o;
}

Objective nll(const Options& opts, const Config& config, const Data& data) {
  Objective o;
  o.classification = data.num_classes > 0;
  need(config, config.get_string("data.targets") == "class", "needs data.targets = \"class\"");
  NLLLossOptions options;
  options.reduction = reduction_of(opts);
  options.weight = per_class(opts, "weight", config, data);
  options.ignore_index = opts.integer("ignore_index");
  auto loss = std::make_shared<nn::NLLLoss>(options);
  o.loss = [loss](const Tensor& y, const data::Batch& b) { return (*loss)(y, b.labels); };
  o.repr = loss->repr();
  sum_over(o, opts, false);
  return o;
}

// Class weights and the ignored class, as PyTorch's CrossEntropyLoss and NLLLoss take them.
std::vector<Option> class_options() {
  return {opt::numbers("weight", {}, "one weight per class; the mean divides by the weights of the targets (PyTorch's)"),
          opt::integer("ignore_index", -100, "targets of this class add nothing to the loss or its gradient")};
}

std::vector<LossRow> make_rows() {
  using data::OutputKind;
  std::vector<LossRow> r;
  add(r, "mse", "mean squared error on float targets", {}, on_float_targets(plain<nn::MSELoss>, false, OutputKind::probabilities));
  add(r, "l1", "mean absolute error on float targets", {}, on_float_targets(plain<nn::L1Loss>, false, OutputKind::probabilities));
  add(r, "bce", "binary cross-entropy of probabilities and 0/1 labels", {},
      on_float_targets(plain<nn::BCELoss>, true, OutputKind::probabilities));
  add(r, "bce_with_logits",
      "binary cross-entropy of logits (a sigmoid inside) and 0/1 labels, or one-hot targets on one output per class",
      {opt::numbers("pos_weight", {}, "weight of the positive targets, one per output (PyTorch's pos_weight)")},
      on_float_targets(bce_with_logits, false, OutputKind::logits));
  std::vector<Option> ce = class_options();
  ce.push_back(opt::number("label_smoothing", 0.0, "mix the targets with the uniform distribution by this much").min(0));
  add(r, "cross_entropy", "cross-entropy of class logits (log-softmax inside) and class indices or one-hot targets", ce,
      cross_entropy);
  add(r, "nll", "negative log-likelihood of log-probabilities and class indices", class_options(), nll);
  return r;
}

}  // namespace

const std::vector<LossRow>& loss_rows() {
  static const std::vector<LossRow> rows = make_rows();
  return rows;
}

}  // namespace minidl::cli
