// The learning-rate schedules of scheduler.name: one add() each, with its options, whether it steps
// per optimizer step by default, and its builder.
#include "registry/registry.h"

namespace minidl::cli {

namespace {

using Make = std::function<SchedulerParts(const Options&, const Config&, optim::Optimizer&, int64_t)>;

void add(std::vector<SchedulerRow>& rows, std::string name, std::string meaning, std::vector<Option> options,
         bool per_step, Make make) {
  cli::add(rows, std::move(name), std::move(meaning), std::move(options), SchedulerBuild{per_step, std::move(make)});
}

SchedulerParts lr(std::unique_ptr<optim::LRScheduler> s) { return {std::move(s), nullptr}; }

SchedulerParts one_cycle(const Options& o, const Config& config, optim::Optimizer& optimizer, int64_t steps) {
  optim::OneCycleLROptions c;
  c.max_lr = o.has("max_lr") ? o.number("max_lr") : config.get_float("optimizer.lr");
  c.total_steps = steps;
  c.pct_start = o.number("pct_start");
  c.anneal_strategy = o.string("anneal_strategy") == "linear" ? optim::AnnealStrategy::linear : optim::AnnealStrategy::cos;
  c.div_factor = o.number("div_factor");
  c.final_div_factor = o.number("final_div_factor");
  // Momentum cycling needs a momentum (SGD with momentum, or Adam's beta1), as in PyTorch.
  std::string opt = config.get_string("optimizer.name");
  c.cycle_momentum = opt == "adam" || opt == "adamw" || (opt == "sgd" && config.get_float("optimizer.momentum") > 0) ||
                     (opt == "rmsprop" && config.get_float("optimizer.momentum") > 0);
  return lr(std::make_unique<optim::OneCycleLR>(optimizer, c));
}

std::vector<SchedulerRow> make_rows() {
  std::vector<SchedulerRow> r;
  Option gamma = opt::number("gamma", 0.1, "multiplies the rate").above(0);
  add(r, "none", "a constant rate", {}, false,
      [](const Options&, const Config&, optim::Optimizer&, int64_t) { return SchedulerParts{}; });
  add(r, "step", "the rate times gamma every step_size epochs",
      {opt::integer("step_size", 30, "epochs (or steps) between decays").min(1), gamma}, false,
      [](const Options& o, const Config&, optim::Optimizer& optimizer, int64_t) {
        return lr(std::make_unique<optim::StepLR>(optimizer, o.integer("step_size"), o.number("gamma")));
      });
  add(r, "exponential", "the rate times gamma every epoch", {gamma}, false,
      [](const Options& o, const Config&, optim::Optimizer& optimizer, int64_t) {
        return lr(std::make_unique<optim::ExponentialLR>(optimizer, o.number("gamma")));
      });
  add(r, "cosine", "cosine annealing from the rate to eta_min over T_max",
      {opt::integer("T_max", 0, "the half period").min(0).shown_as("`train.epochs`"),
       opt::number("eta_min", 0.0, "the lowest rate").min(0)},
      false, [](const Options& o, const Config&, optim::Optimizer& optimizer, int64_t steps) {
        int64_t t_max = o.has("T_max") ? o.integer("T_max") : steps;
        return lr(std::make_unique<optim::CosineAnnealingLR>(optimizer, t_max, o.number("eta_min")));
      });
  add(r, "onecycle", "one cycle (Smith 2018): up to max_lr, then down",
      {opt::number("max_lr", 0.0, "the peak rate; a value other than a given optimizer.lr is an error").min(0)
           .shown_as("`optimizer.lr`"),
       opt::number("pct_start", 0.3, "the rising part of the cycle").min(0),
       opt::string("anneal_strategy", "cos", "`cos` or `linear`").one_of({"cos", "linear"}),
       opt::number("div_factor", 25.0, "initial rate = max_lr / div_factor").above(0),
       opt::number("final_div_factor", 1e4, "final rate = initial rate / final_div_factor").above(0)},
      true, one_cycle);
  add(r, "plateau", "the rate times factor after patience epochs without a better monitored loss",
      {opt::number("factor", 0.1, "multiplies the rate").above(0),
       opt::integer("patience", 10, "epochs without improvement of the validation (else training) loss").min(0)},
      false, [](const Options& o, const Config&, optim::Optimizer& optimizer, int64_t) {
        optim::ReduceLROnPlateauOptions p;
        p.factor = o.number("factor");
        p.patience = o.integer("patience");
        return SchedulerParts{nullptr, std::make_unique<optim::ReduceLROnPlateau>(optimizer, p)};
      });
  add(r, "power", "lr = eta * t^(-kappa) (report 004)",
      {opt::number("eta", 0.0, "the rate at t = 1").min(0).shown_as("`optimizer.lr`"),
       opt::number("kappa", 0.6, "the decay exponent").min(0)},
      true, [](const Options& o, const Config& config, optim::Optimizer& optimizer, int64_t) {
        double eta = o.has("eta") ? o.number("eta") : config.get_float("optimizer.lr");
        return lr(std::make_unique<optim::PowerDecayLR>(optimizer, eta, o.number("kappa")));
      });
  return r;
}

}  // namespace

const std::vector<SchedulerRow>& scheduler_rows() {
  static const std::vector<SchedulerRow> rows = make_rows();
  return rows;
}

}  // namespace minidl::cli
