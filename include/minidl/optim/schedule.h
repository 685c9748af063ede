// Learning-rate schedulers over epochs (torch.optim.lr_scheduler, 1.13): the LRScheduler base and
// the closed-form families StepLR, ExponentialLR, CosineAnnealingLR, LambdaLR and report 004's
// PowerDecayLR. OneCycleLR and ReduceLROnPlateau have their own files.
// Call scheduler.step() after optimizer.step(). A scheduler sets the lr option of every group.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "minidl/optim/optimizer.h"
#include "minidl/state_dict.h"

namespace minidl::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  // Advances last_epoch by one and sets each group's lr.
  void step();
  // The lr of each group after the last step (the constructor makes step 0, as PyTorch).
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }

  // "last_epoch" (0-dim int64), "base_lrs" and "last_lr" (float64, one per group). Restoring it
  // does not change the optimizer: load the optimizer's own state_dict too, as in PyTorch.
  virtual StateDict state_dict() const;
  // Checks every entry first (ValueError, nothing changed on a mismatch).
  virtual void load_state_dict(const StateDict& dict);

 protected:
  // base_lrs are the groups' lrs now (PyTorch's initial_lr, which minidl does not put in groups).
  LRScheduler(Optimizer& optimizer, const char* name);
  // PyTorch's _initial_step: every derived constructor ends with it (a base constructor cannot
  // call the derived get_lr).
  void initial_step() { step(); }
  // The lr of every group at `epoch` (= last_epoch after this step). May read the groups' current
  // lrs (the chainable forms). Throws without side effects when epoch is out of range.
  virtual std::vector<double> get_lr(int64_t epoch) = 0;

  Optimizer& optimizer_;
  const char* name_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = -1;
  std::vector<double> last_lr_;
};

// lr *= gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);

 private:
  std::vector<double> get_lr(int64_t epoch) override;
  int64_t step_size_;
  double gamma_;
};

// lr *= gamma every epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);

 private:
  std::vector<double> get_lr(int64_t epoch) override;
  double gamma_;
};

// lr = eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2, computed with PyTorch's
// recursive (chainable) form; past T_max it rises again (period 2 T_max), as PyTorch.
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0);

 private:
  std::vector<double> get_lr(int64_t epoch) override;
  int64_t T_max_;
  double eta_min_;
};

// lr = base_lr * lr_lambda(epoch); one function for all groups or one per group.
class LambdaLR : public LRScheduler {
 public:
  using Lambda = std::function<double(int64_t epoch)>;
  LambdaLR(Optimizer& optimizer, Lambda lr_lambda);
  LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas);

 private:
  std::vector<double> get_lr(int64_t epoch) override;
  std::vector<Lambda> lr_lambdas_;
};

// Report 004's decaying rate lr = eta t^(-kappa), with t = epoch + 1 the 1-based number of the
// update about to be made (t = 1 at construction, so the first update uses eta). The same values
// as PyTorch's LambdaLR(lambda epoch: (epoch + 1) ** -kappa) on an optimizer with lr = eta. Every
// group gets the same lr (the groups' own lrs are ignored).
class PowerDecayLR : public LRScheduler {
 public:
  PowerDecayLR(Optimizer& optimizer, double eta, double kappa);

 private:
  std::vector<double> get_lr(int64_t epoch) override;
  double eta_, kappa_;
};

}  // namespace minidl::optim
