// minidl::nn: modules, initialisation, losses and gradient clipping, with PyTorch's names.
//
//   Generator gen(0);
//   auto model = nn::sequential(nn::linear(2, 25, gen), nn::relu(), nn::linear(25, 25, gen), nn::tanh(),
//                               nn::linear(25, 2, gen));
//   nn::CrossEntropyLoss loss_fn;
//   Tensor loss = loss_fn((*model)(x), labels);   // labels: int64 (N)
//   loss.backward();                              // gradients in model->parameters()
//   std::cout << *model << "\n" << nn::summary(*model, {1, 2});
//
// Shape errors inside a module name its path from the root, which is called "model":
//   Linear 'model.4' (in_features=25, out_features=1, bias=true): input has 24 features, expected 25
#pragma once

#include "minidl/nn/activation.h"
#include "minidl/nn/batch_norm.h"
#include "minidl/nn/conv2d.h"
#include "minidl/nn/dropout.h"
#include "minidl/nn/embedding.h"
#include "minidl/nn/flatten.h"
#include "minidl/nn/identity.h"
#include "minidl/nn/init.h"
#include "minidl/nn/linear.h"
#include "minidl/nn/loss.h"
#include "minidl/nn/module.h"
#include "minidl/nn/pool.h"
#include "minidl/nn/rnn.h"
#include "minidl/nn/sequential.h"
#include "minidl/nn/summary.h"
#include "minidl/nn/utils.h"
#include "minidl/ops/loss.h"
