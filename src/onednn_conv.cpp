// oneDNN convolutions with a per-shape cache of primitives and reorders (see onednn_conv.h).
// Blocked buffers and scratchpads come from minidl's caching allocator (Tensor::empty), so a
// steady-state step allocates nothing and the memory is returned with the allocator's cache.
#include "onednn_conv.h"

#include "openmp.h"

#include <map>
#include <unordered_map>
#include <memory>
#include <optional>
#include <oneapi/dnnl/dnnl.hpp>

#include "minidl/tensor.h"
#include "minidl/threads.h"
#include "signal_safety.h"

namespace minidl::onednn {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dims = memory::dims;

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& stream() {
  static dnnl::stream s(cpu_engine());
  return s;
}

// oneDNN splits a primitive's work for omp_get_max_threads() threads when it creates the
// primitive, so the count is set before creation and is part of the cache key. Set at every call:
// blas.cpp sets it to 1 around its sgemm calls on the same thread. Returns it.
int sync_threads() {
  const int n = get_num_threads();
  omp_set_num_threads(n);
  return n;
}

// A buffer of md's size from minidl's allocator (it may be larger than the plain tensor: a
// blocked layout pads channels to the vector width).
struct Buffer {
  Tensor storage;
  memory mem;
};
Buffer allocate(const memory::desc& md) {
  Tensor storage = Tensor::empty({static_cast<int64_t>((md.get_size() + 3) / 4)}, kFloat32);
  return {storage, memory(md, cpu_engine(), storage.raw_data())};
}

// One argument of a primitive: the caller's plain layout and the one the primitive chose, with
// the reorder between them when they differ.
struct Operand {
  memory::desc plain, own;
  std::optional<dnnl::reorder> convert;

  Operand(const memory::desc& plain_md, const memory::desc& own_md, bool is_input) : plain(plain_md), own(own_md) {
    if (plain != own) {
      convert = is_input ? dnnl::reorder(memory(plain, cpu_engine()), memory(own, cpu_engine()))
                         : dnnl::reorder(memory(own, cpu_engine()), memory(plain, cpu_engine()));
    }
  }
  // The primitive's view of a caller's input (reordered into `holder` when needed).
  memory input(const float* data, Buffer& holder) const {
    memory user(plain, cpu_engine(), const_cast<float*>(data));
    if (!convert) return user;
    holder = allocate(own);
    convert->execute(stream(), user, holder.mem);
    return holder.mem;
  }
  // Where the primitive writes an output bound for `data`; finish() copies it there.
  memory output(float* data, Buffer& holder) const {
    if (!convert) return memory(plain, cpu_engine(), data);
    holder = allocate(own);
    return holder.mem;
  }
  void finish(float* data, Buffer& holder) const {
    if (!convert) return;
    memory user(plain, cpu_engine(), data);
    convert->execute(stream(), holder.mem, user);
  }
};

memory::desc md(const dims& d, tag t) { return memory::desc(d, memory::data_type::f32, t); }

dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

// Every primitive of one shape, the backward ones built on first use.
struct ConvPrimitives {
  dims x_dims, w_dims, b_dims, y_dims, strides, padding;
  dnnl::convolution_forward::primitive_desc forward_pd;
  dnnl::convolution_forward forward;
  std::optional<Operand> fx, fw, fy;

  std::optional<dnnl::convolution_backward_data::primitive_desc> data_pd;
  std::optional<dnnl::convolution_backward_data> data;
  std::optional<Operand> dw_w, dw_dy, dw_dx;  // backward data: w, dy, dx

  std::optional<dnnl::convolution_backward_weights::primitive_desc> weights_pd;
  std::optional<dnnl::convolution_backward_weights> weights;
  std::optional<Operand> wx, wdy, wdw;  // backward weights: x, dy, dw

  explicit ConvPrimitives(const ConvShape& s)
      : x_dims{s.n, s.c, s.h, s.w},
        w_dims{s.oc, s.c, s.kh, s.kw},
        b_dims{s.oc},
        y_dims{s.n, s.oc, s.oh, s.ow},
        strides{s.sh, s.sw},
        padding{s.ph, s.pw} {
    // Padding on the high side equals PyTorch's symmetric padding: oneDNN, like PyTorch, floors
    // (h + 2p - kh) / sh, so the rows it would drop are never read.
    const memory::desc bias_md = s.bias ? md(b_dims, tag::x) : memory::desc();
    dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                         md(x_dims, tag::any), md(w_dims, tag::any), bias_md, md(y_dims, tag::any),
                                         strides, padding, padding);
    forward_pd = dnnl::convolution_forward::primitive_desc(desc, user_scratchpad(), cpu_engine());
    forward = dnnl::convolution_forward(forward_pd);
    fx.emplace(md(x_dims, tag::nchw), forward_pd.src_desc(), true);
    fw.emplace(md(w_dims, tag::oihw), forward_pd.weights_desc(), true);
    fy.emplace(md(y_dims, tag::nchw), forward_pd.dst_desc(), false);
  }

  void build_backward_data() {
    if (data) return;
    dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, md(x_dims, tag::any),
                                               md(w_dims, tag::any), md(y_dims, tag::any), strides, padding, padding);
    data_pd.emplace(desc, user_scratchpad(), cpu_engine(), forward_pd);
    data.emplace(*data_pd);
    dw_w.emplace(md(w_dims, tag::oihw), data_pd->weights_desc(), true);
    dw_dy.emplace(md(y_dims, tag::nchw), data_pd->diff_dst_desc(), true);
    dw_dx.emplace(md(x_dims, tag::nchw), data_pd->diff_src_desc(), false);
  }

  void build_backward_weights(bool bias) {
    if (weights) return;
    const memory::desc bias_md = bias ? md(b_dims, tag::x) : memory::desc();
    dnnl::convolution_backward_weights::desc desc(dnnl::algorithm::convolution_direct, md(x_dims, tag::any),
                                                  md(w_dims, tag::any), bias_md, md(y_dims, tag::any), strides,
                                                  padding, padding);
    weights_pd.emplace(desc, user_scratchpad(), cpu_engine(), forward_pd);
    weights.emplace(*weights_pd);
    wx.emplace(md(x_dims, tag::nchw), weights_pd->src_desc(), true);
    wdy.emplace(md(y_dims, tag::nchw), weights_pd->diff_dst_desc(), true);
    wdw.emplace(md(w_dims, tag::oihw), weights_pd->diff_weights_desc(), false);
  }
};

// A few shapes per network (train batch, last batch, evaluation chunk): a small map, never evicted
// in practice; bounded so a program that sweeps shapes does not keep JIT code forever.
ConvPrimitives& primitives(const ConvShape& s) {
  thread_local std::map<std::pair<ConvShape, int>, std::unique_ptr<ConvPrimitives>> cache;
  const std::pair key{s, sync_threads()};
  auto it = cache.find(key);
  if (it == cache.end()) {
    if (cache.size() >= 64) cache.clear();
    it = cache.emplace(key, std::make_unique<ConvPrimitives>(s)).first;
  }
  return *it->second;
}

Buffer scratchpad(const memory::desc& md) { return md.get_size() ? allocate(md) : Buffer{}; }

}  // namespace

void conv_forward(const ConvShape& s, const float* x, const float* w, const float* b, float* y) {
  detail::AsynchronousSignalsBlocked no_signals;  // oneDNN kernels and their OpenMP workers: signal_safety.h
  ConvPrimitives& p = primitives(s);
  Buffer hx, hw, hy;
  Buffer pad = scratchpad(p.forward_pd.scratchpad_desc());
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, p.fx->input(x, hx)},
                                       {DNNL_ARG_WEIGHTS, p.fw->input(w, hw)},
                                       {DNNL_ARG_DST, p.fy->output(y, hy)}};
  if (s.bias) args.emplace(DNNL_ARG_BIAS, memory(md(p.b_dims, tag::x), cpu_engine(), const_cast<float*>(b)));
  if (pad.storage.defined()) args.emplace(DNNL_ARG_SCRATCHPAD, pad.mem);
  p.forward.execute(stream(), args);
  p.fy->finish(y, hy);
}

void conv_backward_data(const ConvShape& s, const float* w, const float* dy, float* dx) {
  detail::AsynchronousSignalsBlocked no_signals;  // oneDNN kernels and their OpenMP workers: signal_safety.h
  ConvPrimitives& p = primitives(s);
  p.build_backward_data();
  Buffer hw, hdy, hdx;
  Buffer pad = scratchpad(p.data_pd->scratchpad_desc());
  std::unordered_map<int, memory> args{{DNNL_ARG_WEIGHTS, p.dw_w->input(w, hw)},
                                       {DNNL_ARG_DIFF_DST, p.dw_dy->input(dy, hdy)},
                                       {DNNL_ARG_DIFF_SRC, p.dw_dx->output(dx, hdx)}};
  if (pad.storage.defined()) args.emplace(DNNL_ARG_SCRATCHPAD, pad.mem);
  p.data->execute(stream(), args);
  p.dw_dx->finish(dx, hdx);
}

void conv_backward_weights(const ConvShape& s, const float* x, const float* dy, float* dw, float* db) {
  detail::AsynchronousSignalsBlocked no_signals;  // oneDNN kernels and their OpenMP workers: signal_safety.h
  ConvPrimitives& p = primitives(s);
  p.build_backward_weights(s.bias);
  Buffer hx, hdy, hdw;
  Buffer pad = scratchpad(p.weights_pd->scratchpad_desc());
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, p.wx->input(x, hx)},
                                       {DNNL_ARG_DIFF_DST, p.wdy->input(dy, hdy)},
                                       {DNNL_ARG_DIFF_WEIGHTS, p.wdw->output(dw, hdw)}};
  if (s.bias) args.emplace(DNNL_ARG_DIFF_BIAS, memory(md(p.b_dims, tag::x), cpu_engine(), db));
  if (pad.storage.defined()) args.emplace(DNNL_ARG_SCRATCHPAD, pad.mem);
  p.weights->execute(stream(), args);
  p.wdw->finish(dw, hdw);
}

std::string conv_implementation(const ConvShape& s) { return primitives(s).forward_pd.impl_info_str(); }

std::string max_isa() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::sse41: return "sse41";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx2_vnni: return "avx2_vnni";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "other";
  }
}

std::string version() {
  const dnnl::version_t* v = dnnl::version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

}  // namespace minidl::onednn
