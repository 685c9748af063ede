// The backward pass: count each node's consumers inside the graph reachable from the root, then
// run nodes whose consumers have all delivered their gradient (Kahn's algorithm), so each node's
// backward runs once with the sum of its incoming gradients.
#include "minidl/autograd/engine.h"

#include <string>
#include <vector>

#include "minidl/autograd/node.h"
#include "minidl/error.h"
#include "minidl/ops/elementwise.h"

namespace minidl::autograd {

namespace {

// A leaf's .grad: the first gradient is taken over when nothing else holds it (PyTorch's
// AccumulateGrad), else copied, so that later in-place accumulation never touches another tensor.
void accumulate_leaf(TensorImpl& leaf, const Tensor& g) {
  if (!leaf.grad) {
    leaf.grad = g.is_sole_owner() ? g.impl() : g.clone().detach().impl();
    leaf.grad->grad_fn = nullptr;
    leaf.grad->requires_grad = false;
    return;
  }
  Tensor(leaf.grad).add_(g);  // the leaf owns this buffer: in place, no allocation
}

struct Scratch {
  std::vector<Node*> stack, ready;
  std::vector<std::shared_ptr<Node>> seen;
  bool in_use = false;
};

void check_grad(const char* where, const Tensor& g, const Shape& shape, Dtype dtype) {
  if (g.shape() != shape || g.dtype() != dtype) {
    throw AutogradError(std::string("backward: ") + where + " returned a gradient " + to_string(g.dtype()) + " " +
                        to_string(g.shape()) + " for an input " + to_string(dtype) + " " + to_string(shape));
  }
}

}  // namespace

void backward(const Tensor& root, const Tensor& grad, bool retain_graph) {
  if (!root.defined()) throw AutogradError("backward: the tensor is undefined");
  if (!root.requires_grad()) {
    throw AutogradError("backward: the tensor does not require grad and has no grad_fn "
                        "(did a NoGradGuard or detach() cut the graph?)");
  }
  Tensor g = grad;
  if (!g.defined()) {
    if (root.numel() != 1) {
      throw AutogradError("backward: grad can be implicitly created only for one-element outputs; this one has shape " +
                          to_string(root.shape()) + ", pass a gradient of that shape");
    }
    g = ones(root.shape(), root.dtype());
  } else if (g.shape() != root.shape() || g.dtype() != root.dtype()) {
    throw ShapeError("backward: gradient " + to_string(g.dtype()) + " " + to_string(g.shape()) +
                     " does not match the tensor, " + to_string(root.dtype()) + " " + to_string(root.shape()));
  }

  NoGradGuard no_grad;  // ops called by backward closures record nothing
  if (!root.grad_fn()) {
    accumulate_leaf(*root.impl(), g);
    return;
  }

  // Pass 1: dependencies = number of edges into each node from nodes reachable from the root.
  // `seen` holds every node of this pass alive until the end, even once its consumers have
  // dropped their edges to it.
  // The three work lists are reused across calls on this thread (no allocation per step); a
  // backward started from inside a backward closure gets fresh ones.
  thread_local Scratch t_scratch;
  Scratch local;
  Scratch& scratch = t_scratch.in_use ? local : t_scratch;
  scratch.in_use = true;
  struct Release {
    Scratch& s;
    ~Release() {
      s.stack.clear();
      s.seen.clear();  // drops the nodes this pass kept alive
      s.ready.clear();
      s.in_use = false;
    }
  } release{scratch};
  std::vector<Node*>& stack = scratch.stack;
  std::vector<std::shared_ptr<Node>>& seen = scratch.seen;
  const std::shared_ptr<Node>& start = root.grad_fn();
  stack.push_back(start.get());
  seen.push_back(start);
  start->dependencies = 0;
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    for (const Edge& e : node->edges) {
      if (!e.node) continue;
      if (e.node->dependencies++ == 0) {
        seen.push_back(e.node);
        stack.push_back(e.node.get());
      }
    }
  }
  // A node reached first through pass 1 started at 0, so dependencies now counts its in-edges;
  // the root has none.

  // Pass 2: run nodes whose consumers have all delivered.
  start->grad = g;
  std::vector<Node*>& ready = scratch.ready;
  ready.push_back(start.get());
  try {
    while (!ready.empty()) {
      Node* node = ready.back();
      ready.pop_back();
      if (!node->backward) {
        throw AutogradError(std::string("backward: trying to backward through the graph a second time (through '") +
                            node->name +
                            "'); its saved values were freed by the first backward. Pass retain_graph=true to "
                            "the first backward if you need to call it twice");
      }
      Tensor dy = std::move(node->grad);
      node->grad = Tensor();
      // No gradient reached this node (its consumers returned none): it passes none on.
      Grads grads = dy.defined() ? node->backward(dy) : Grads(node->edges.size());
      if (grads.size() != node->edges.size()) {
        throw AutogradError(std::string("backward: '") + node->name + "' returned " + std::to_string(grads.size()) +
                            " gradients for " + std::to_string(node->edges.size()) + " inputs");
      }
      for (size_t i = 0; i < grads.size(); ++i) {
        const Edge& e = node->edges[i];
        const Tensor& gi = grads[i];
        if (e.node) {
          if (gi.defined()) {
            check_grad(node->name, gi, e.node->output_shape, e.node->output_dtype);
            e.node->grad = e.node->grad.defined() ? add(e.node->grad, gi) : gi;
          }
          if (--e.node->dependencies == 0) ready.push_back(e.node.get());
        } else if (e.leaf && gi.defined()) {
          check_grad(node->name, gi, e.leaf->shape, e.leaf->dtype);
          accumulate_leaf(*e.leaf, gi);
        }
      }
      if (!retain_graph) {
        node->backward = nullptr;  // frees what the closure saved
        node->edges.clear();       // and the rest of the graph, unless other tensors hold it
      }
    }
  } catch (...) {
    for (const auto& node : seen) {  // leave the graph consistent for a later, corrected call
      node->dependencies = 0;
      node->grad = Tensor();
    }
    throw;
  }
}

}  // namespace minidl::autograd
