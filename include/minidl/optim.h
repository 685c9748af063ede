// minidl::optim: optimizers (SGD, Adam, AdamW, RMSprop, LBFGS, dense BFGS) over parameter groups,
// and learning-rate schedulers, with PyTorch 1.13's formulas and state_dict()s.
//   optim::Adam opt(params, {.lr = 1e-3, .betas = {0.9, 0.999}});
//   optim::StepLR sched(opt, /*step_size=*/30, /*gamma=*/0.1);
//   for (...) { opt.zero_grad(); loss(...).backward(); opt.step(); } sched.step();
#pragma once

#include "minidl/optim/adam.h"
#include "minidl/optim/bfgs.h"
#include "minidl/optim/lbfgs.h"
#include "minidl/optim/line_search.h"
#include "minidl/optim/one_cycle_lr.h"
#include "minidl/optim/optimizer.h"
#include "minidl/optim/reduce_lr_on_plateau.h"
#include "minidl/optim/rmsprop.h"
#include "minidl/optim/schedule.h"
#include "minidl/optim/sgd.h"
