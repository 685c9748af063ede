// Node bookkeeping, grad mode and record(): the one place where ops join the graph.
#include "minidl/autograd/node.h"

#include "live_counter.h"

namespace minidl::autograd {

namespace {
detail::LiveCounter g_live_nodes;
thread_local bool t_grad_mode = true;
}  // namespace

Node::Node(const char* name, BackwardFn backward, Edges edges)
    : name(name), backward(std::move(backward)), edges(std::move(edges)) {
  g_live_nodes.add(1);
}

Node::~Node() { g_live_nodes.add(-1); }

int64_t Node::live_count() { return g_live_nodes.live(); }

bool grad_mode_enabled() { return t_grad_mode; }

NoGradGuard::NoGradGuard() : previous_(t_grad_mode) { t_grad_mode = false; }
NoGradGuard::~NoGradGuard() { t_grad_mode = previous_; }

bool needs_grad(std::initializer_list<const Tensor*> inputs) {
  if (!t_grad_mode) return false;
  for (const Tensor* x : inputs) {
    if (x->defined() && x->requires_grad()) return true;
  }
  return false;
}

namespace {
template <class Inputs>
Tensor record_impl(const char* name, Tensor y, const Inputs& inputs, BackwardFn backward) {
  if (!t_grad_mode) return y;
  bool any = false;
  for (const Tensor& x : inputs) any = any || (x.defined() && x.requires_grad());
  if (!any) return y;

  Edges edges;
  edges.reserve(inputs.size());
  for (const Tensor& x : inputs) {
    if (!x.defined() || !x.requires_grad()) {
      edges.push_back({});
    } else if (x.grad_fn()) {
      edges.push_back({x.grad_fn(), nullptr});
    } else {
      edges.push_back({nullptr, x.impl()});
    }
  }
  auto node = make_pooled<Node>(name, std::move(backward), std::move(edges));
  node->output_shape = y.shape();
  node->output_dtype = y.dtype();
  TensorImpl& impl = *y.impl();
  impl.grad_fn = std::move(node);
  impl.requires_grad = true;
  return y;
}
}  // namespace

Tensor record(const char* name, Tensor y, std::initializer_list<Tensor> inputs, BackwardFn backward) {
  return record_impl(name, std::move(y), inputs, std::move(backward));
}

Tensor record(const char* name, Tensor y, const std::vector<Tensor>& inputs, BackwardFn backward) {
  return record_impl(name, std::move(y), inputs, std::move(backward));
}

}  // namespace minidl::autograd
