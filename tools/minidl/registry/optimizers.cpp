// The optimizers of optimizer.name: one add() each, with its options and its builder. Every
// builder also reads optimizer.lr (the [optimizer] key all of them share).
#include "registry/registry.h"

namespace minidl::cli {

namespace {

using Make = std::function<std::unique_ptr<optim::Optimizer>(const Options&, const std::vector<Tensor>&)>;

void add(std::vector<OptimizerRow>& rows, std::string name, std::string meaning, std::vector<Option> options,
         Make make, bool full_batch = false) {
  cli::add(rows, std::move(name), std::move(meaning), std::move(options), OptimizerBuild{full_batch, std::move(make)});
}

Option weight_decay(double fallback = 0.0) {
  return opt::number("weight_decay", fallback, "L2 penalty (adamw: decoupled decay)").min(0);
}
Option momentum() { return opt::number("momentum", 0.0, "momentum factor").min(0); }
Option betas() { return opt::numbers("betas", {0.9, 0.999}, "running averages of the gradient and its square").size(2); }
Option eps() { return opt::number("eps", 1e-8, "added to the denominator").above(0); }
Option amsgrad() { return opt::boolean("amsgrad", false, "the AMSGrad variant (max of the second moments)"); }
Option line_search() {
  return opt::string("line_search", "strong_wolfe", "`strong_wolfe`, or `none` (a fixed step lr)").one_of({"strong_wolfe", "none"});
}
optim::LineSearch line_search_of(const Options& o) {
  return o.string("line_search") == "none" ? optim::LineSearch::none : optim::LineSearch::strong_wolfe;
}

// Adam and AdamW take the same options.
template <class A>
std::unique_ptr<optim::Optimizer> adam(const Options& o, const std::vector<Tensor>& params) {
  std::vector<double> b = o.numbers("betas");
  return std::make_unique<A>(params, typename A::Options{.lr = o.number("lr"),
                                                        .betas = {b[0], b[1]},
                                                        .eps = o.number("eps"),
                                                        .weight_decay = o.number("weight_decay"),
                                                        .amsgrad = o.boolean("amsgrad")});
}

std::vector<OptimizerRow> make_rows() {
  std::vector<OptimizerRow> r;
  add(r, "sgd", "stochastic gradient descent, with momentum and Nesterov",
      {momentum(), opt::number("dampening", 0.0, "dampening of the momentum").min(0),
       opt::boolean("nesterov", false, "Nesterov momentum"), weight_decay()},
      [](const Options& o, const std::vector<Tensor>& params) {
        return std::make_unique<optim::SGD>(params, optim::SGDOptions{.lr = o.number("lr"),
                                                                      .momentum = o.number("momentum"),
                                                                      .dampening = o.number("dampening"),
                                                                      .weight_decay = o.number("weight_decay"),
                                                                      .nesterov = o.boolean("nesterov")});
      });
  add(r, "adam", "Adam (Kingma & Ba 2015)", {weight_decay(), betas(), eps(), amsgrad()}, adam<optim::Adam>);
  add(r, "adamw", "Adam with decoupled weight decay (Loshchilov & Hutter 2019)", {weight_decay(1e-2), betas(), eps(), amsgrad()},
      adam<optim::AdamW>);
  add(r, "rmsprop", "RMSprop, optionally centred and with momentum",
      {momentum(), weight_decay(), eps(), opt::number("alpha", 0.99, "smoothing constant").min(0),
       opt::boolean("centered", false, "divide by the variance estimate instead of the second moment")},
      [](const Options& o, const std::vector<Tensor>& params) {
        return std::make_unique<optim::RMSprop>(params, optim::RMSpropOptions{.lr = o.number("lr"),
                                                                              .alpha = o.number("alpha"),
                                                                              .eps = o.number("eps"),
                                                                              .weight_decay = o.number("weight_decay"),
                                                                              .momentum = o.number("momentum"),
                                                                              .centered = o.boolean("centered")});
      });
  add(r, "lbfgs", "L-BFGS on the whole training set per step",
      {opt::integer("history_size", 100, "updates kept").min(1), opt::integer("max_iter", 20, "iterations per step").min(1),
       line_search()},
      [](const Options& o, const std::vector<Tensor>& params) {
        optim::LBFGSOptions l;
        l.lr = o.number("lr");
        l.max_iter = o.integer("max_iter");
        l.history_size = o.integer("history_size");
        l.line_search_fn = line_search_of(o);
        return std::make_unique<optim::LBFGS>(params, l);
      },
      true);
  add(r, "bfgs", "BFGS (dense inverse Hessian) on the whole training set per step", {line_search()},
      [](const Options& o, const std::vector<Tensor>& params) {
        optim::BFGSOptions b;
        b.lr = o.number("lr");
        b.line_search_fn = line_search_of(o);
        return std::make_unique<optim::BFGS>(params, b);
      },
      true);
  return r;
}

}  // namespace

const std::vector<OptimizerRow>& optimizer_rows() {
  static const std::vector<OptimizerRow> rows = make_rows();
  return rows;
}

}  // namespace minidl::cli
