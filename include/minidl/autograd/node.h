// Node: one recorded op in the autograd graph, and record(), which every differentiable op calls
// right under its forward. A node holds its backward closure and one edge per input; the output
// tensor owns the node, so the graph is freed when the last tensor of it dies.
#pragma once

#include <memory>
#include <vector>

#include "minidl/allocator.h"
#include "minidl/autograd/small_function.h"
#include "minidl/tensor.h"

namespace minidl::autograd {

// One gradient per input, in input order; an undefined Tensor where an input gets none.
// (The containers and closures of a node come from the small-object pool: allocator.h.)
using Grads = std::vector<Tensor, PoolAllocator<Tensor>>;
using BackwardFn = SmallFunction<Grads(const Tensor& dy)>;

// Where an input's gradient goes: the node that made it, or the leaf tensor that accumulates it.
struct Edge {
  std::shared_ptr<Node> node;
  std::shared_ptr<TensorImpl> leaf;
};

using Edges = std::vector<Edge, PoolAllocator<Edge>>;

struct Node {
  Node(const char* name, BackwardFn backward, Edges edges);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const char* name;
  BackwardFn backward;  // empty once the graph has been freed by a backward pass
  Edges edges;
  Shape output_shape;   // the gradient that reaches this node must have this shape
  Dtype output_dtype = kFloat32;

  // Scratch of one backward pass (see engine.cpp).
  Tensor grad;
  int dependencies = 0;

  static int64_t live_count();  // nodes alive now (tests check the graph is freed)
};

// Is gradient recording on for this thread? Off under NoGradGuard and inside backward.
bool grad_mode_enabled();

// Turns recording off for its scope (PyTorch's torch.no_grad()).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// Does any input need a gradient (and is recording on)? Ops may skip saving work when not.
bool needs_grad(std::initializer_list<const Tensor*> inputs);

// Makes `y` the output of a node named `name` whose backward is `backward`, with one edge per
// input. Returns `y` untouched when no input requires grad or recording is off, so inference
// pays nothing. The closure must capture inputs (or y.detached()), never y itself.
Tensor record(const char* name, Tensor y, std::initializer_list<Tensor> inputs, BackwardFn backward);
Tensor record(const char* name, Tensor y, const std::vector<Tensor>& inputs, BackwardFn backward);

}  // namespace minidl::autograd
