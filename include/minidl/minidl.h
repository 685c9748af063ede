// minidl: a small, fast deep learning library with PyTorch's names and reverse-mode autograd.
//
// A tour:
//   #include <minidl/minidl.h>
//   using namespace minidl;
//   Generator gen(0);                                     // explicit, seeded randomness
//   Tensor x = rand({50, 2}, gen);                        // float32, shape (50, 2)
//   Tensor w = randn({25, 2}, gen).requires_grad_();      // a leaf that collects .grad()
//   Tensor b = zeros({25}).requires_grad_();
//   Tensor h = relu(linear(x, w, b));                     // x w^T + b: one BLAS GEMM
//   Tensor loss = mean(h * h);                            // broadcasting elementwise ops
//   loss.backward();                                      // reverse-mode autograd
//   w.grad();                                             // d loss / d w, shape (25, 2)
//   { NoGradGuard no_grad; w.copy_(w - w.grad() * 0.1); } // updates are not recorded
//   std::cout << w << "\n";                               // prints like PyTorch
//
// Tensors are shared handles to contiguous row-major storage from a caching allocator
// (allocator.h). Ops live in ops/ (elementwise, matmul, reduce, view, index, activation); each
// records its backward right under its forward (autograd/node.h). gradcheck.h checks any function
// against finite differences. Errors are exceptions from error.h that name the op and the shapes.
#pragma once

#include "minidl/allocator.h"
#include "minidl/autograd/engine.h"
#include "minidl/autograd/node.h"
#include "minidl/data.h"
#include "minidl/dist.h"
#include "minidl/dtype.h"
#include "minidl/error.h"
#include "minidl/generator_state.h"
#include "minidl/gradcheck.h"
#include "minidl/nn.h"
#include "minidl/io/checkpoint.h"
#include "minidl/kernels.h"
#include "minidl/system.h"
#include "minidl/ops/activation.h"
#include "minidl/ops/batch_norm.h"
#include "minidl/ops/conv.h"
#include "minidl/ops/elementwise.h"
#include "minidl/ops/embedding.h"
#include "minidl/ops/index.h"
#include "minidl/ops/matmul.h"
#include "minidl/ops/pool.h"
#include "minidl/ops/reduce.h"
#include "minidl/ops/rnn.h"
#include "minidl/ops/view.h"
#include "minidl/optim.h"
#include "minidl/random.h"
#include "minidl/shape.h"
#include "minidl/state_dict.h"
#include "minidl/tensor.h"
#include "minidl/threads.h"

namespace minidl {
using autograd::NoGradGuard;
}
