// The losses of loss.name: one add() each, with its options and its builder, which also says how
// predictions are read from the outputs (Objective).
#include "minidl/error.h"
#include "registry/registry.h"

namespace minidl::cli {

namespace {

using Build = std::function<Objective(const Options&, const Config&, const Data&)>;

void add(std::vector<LossRow>& rows, std::string name, std::string meaning, std::vector<Option> options, Build build) {
  LossRow row;
  row.name = std::move(name);
  row.meaning = std::move(meaning);
  row.options = std::move(options);
  row.build = std::move(build);
  rows.push_back(std::move(row));
}

// Throws the config error "loss.name = "bce" needs ..." unless `ok`.
void need(const Config& config, bool ok, const std::string& what) {
  if (!ok) throw ConfigError(config.name() + ": loss.name = \"" + config.get_string("loss.name") + "\" " + what);
}

// A loss of the outputs and the float targets (mse, l1, bce, bce_with_logits).
Build on_float_targets(std::function<std::shared_ptr<nn::Loss>()> make, bool needs_label, data::OutputKind kind) {
  return [make, needs_label, kind](const Options&, const Config& config, const Data& data) {
    Objective o;
    o.classification = data.num_classes > 0;
    std::string targets = config.get_string("data.targets");
    need(config, !o.classification || targets != "class",
         "needs float targets: data.targets = \"one-hot\" (one output per class) or \"label\" (one 0/1 output)");
    if (needs_label) need(config, targets == "label", "needs data.targets = \"label\"");
    std::shared_ptr<nn::Loss> loss = make();
    o.loss = [loss](const Tensor& y, const data::Batch& b) { return (*loss)(y, b.targets); };
    o.repr = loss->repr();
    // One output trained on 0/1 targets: the prediction is output > 0.5, except for logits.
    o.output_kind = kind;
    return o;
  };
}

Objective cross_entropy(const Options& opts, const Config& config, const Data& data) {
  Objective o;
  o.classification = data.num_classes > 0;
  std::string targets = config.get_string("data.targets");
  need(config, targets != "label", "needs data.targets = \"class\" or \"one-hot\" (class logits, not one 0/1 output)");
  auto loss = std::make_shared<nn::CrossEntropyLoss>(Reduction::mean, opts.number("label_smoothing"));
  bool indices = targets == "class";
  o.loss = [loss, indices](const Tensor& y, const data::Batch& b) { return (*loss)(y, indices ? b.labels : b.targets); };
  o.repr = loss->repr();
  return o;
}

Objective nll(const Options&, const Config& config, const Data& data) {
  Objective o;
  o.classification = data.num_classes > 0;
  need(config, config.get_string("data.targets") == "class", "needs data.targets = \"class\"");
  o.loss = [](const Tensor& y, const data::Batch& b) { return nll_loss(y, b.labels); };
  o.repr = "NLLLoss(reduction=mean)";
  return o;
}

std::vector<LossRow> make_rows() {
  using data::OutputKind;
  std::vector<LossRow> r;
  add(r, "mse", "mean squared error on float targets", {},
      on_float_targets([] { return std::make_shared<nn::MSELoss>(); }, false, OutputKind::probabilities));
  add(r, "l1", "mean absolute error on float targets", {},
      on_float_targets([] { return std::make_shared<nn::L1Loss>(); }, false, OutputKind::probabilities));
  add(r, "bce", "binary cross-entropy of probabilities and 0/1 labels", {},
      on_float_targets([] { return std::make_shared<nn::BCELoss>(); }, true, OutputKind::probabilities));
  add(r, "bce_with_logits", "binary cross-entropy of logits and 0/1 labels (a sigmoid inside)", {},
      on_float_targets([] { return std::make_shared<nn::BCEWithLogitsLoss>(); }, true, OutputKind::logits));
  add(r, "cross_entropy", "cross-entropy of class logits (log-softmax inside) and class indices or one-hot targets",
      {opt::number("label_smoothing", 0.0, "mix the targets with the uniform distribution by this much").min(0)},
      cross_entropy);
  add(r, "nll", "negative log-likelihood of log-probabilities and class indices", {}, nll);
  return r;
}

}  // namespace

const std::vector<LossRow>& loss_rows() {
  static const std::vector<LossRow> rows = make_rows();
  return rows;
}

}  // namespace minidl::cli
