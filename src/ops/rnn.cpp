// Recurrent layers: forward loops over the steps with one GEMM (h W_hh^T) and one fused gate pass
// each, writing into buffers allocated once per call; backward is BPTT over the saved gates, with
// one GEMM per step for dh and one GEMM over all steps for dW_hh.
#include "minidl/ops/rnn.h"

#include <algorithm>
#include <string>
#include <vector>

#include "blas.h"
#include "dispatch.h"
#include "fast_math.h"
#include "minidl/autograd/node.h"
#include "minidl/ops/index.h"

namespace minidl {

using autograd::Grads;

namespace {

struct LayerDims {
  int64_t steps, batch, hidden, gates;  // T, N, H, G
};

std::string shape_of(const Tensor& x) { return x.defined() ? to_string(x.shape()) : std::string("undefined"); }

// Checks the shapes of a layer's inputs against xp's (T, N, G H) and w_hh's (G H, H).
LayerDims check_layer(const char* op, int64_t gates, const Tensor& xp, const Tensor& w_hh, const Tensor& b_hh,
                      const Tensor& h0, const Tensor& c0) {
  detail::check_defined(op, xp, "xp");
  detail::check_defined(op, w_hh, "w_hh");
  auto fail = [&](const std::string& what) {
    throw ShapeError(std::string(op) + ": " + what + " (xp " + shape_of(xp) + ", w_hh " + shape_of(w_hh) + ", b_hh " +
                     shape_of(b_hh) + ", h0 " + shape_of(h0) + (gates == 4 ? ", c0 " + shape_of(c0) : "") + ")");
  };
  if (w_hh.dim() != 2 || w_hh.size(0) != gates * w_hh.size(1) || w_hh.size(1) == 0) {
    fail("w_hh must be (" + std::to_string(gates) + " * hidden_size, hidden_size)");
  }
  LayerDims d{0, 0, w_hh.size(1), gates};
  if (xp.dim() != 3 || xp.size(2) != gates * d.hidden) {
    fail("xp must be (T, N, " + std::to_string(gates * d.hidden) + ")");
  }
  d.steps = xp.size(0);
  d.batch = xp.size(1);
  if (d.steps == 0 || d.batch == 0) fail("the sequence length and the batch size must be > 0");
  if (b_hh.defined() && b_hh.shape() != Shape{gates * d.hidden}) fail("b_hh must be (" + std::to_string(gates * d.hidden) + ")");
  for (const Tensor* s : {&h0, &c0}) {
    if (s->defined() && s->shape() != Shape{d.batch, d.hidden}) {
      fail(std::string(s == &h0 ? "h0" : "c0") + " must be (N, hidden_size) = (" + std::to_string(d.batch) + ", " +
           std::to_string(d.hidden) + ")");
    }
  }
  for (const Tensor* t : {&w_hh, &b_hh, &h0, &c0}) {
    if (t->defined() && t->dtype() != xp.dtype()) {
      throw DtypeError(std::string(op) + ": xp is " + to_string(xp.dtype()) + " but a weight or state is " +
                       to_string(t->dtype()) + " " + to_string(t->shape()));
    }
  }
  if (!is_floating(xp.dtype())) throw DtypeError(std::string(op) + ": expected float32 or float64, got " + to_string(xp.dtype()));
  return d;
}

Tensor or_zeros(const Tensor& state, const LayerDims& d, Dtype dtype) {
  return state.defined() ? state : zeros({d.batch, d.hidden}, dtype);
}

// Step s of the loop runs time t; its previous state is that of prev(t) (or the initial one).
struct Order {
  int64_t steps;
  bool reverse;
  int64_t time(int64_t s) const { return reverse ? steps - 1 - s : s; }
  int64_t prev(int64_t t) const { return reverse ? t + 1 : t - 1; }
};

template <class T>
T sigmoid_of(T v) {
  return T(1) / (T(1) + detail::exp(-v));
}

// dst (N, GH) = src rows + b (or src when b is null).
template <class T>
void rows_plus_bias(T* dst, const T* src, const T* b, int64_t n, int64_t gh) {
  for (int64_t r = 0; r < n; ++r) {
    T* out = dst + r * gh;
    const T* in = src + r * gh;
    if (b) {
      for (int64_t j = 0; j < gh; ++j) out[j] = in[j] + b[j];
    } else {
      std::copy_n(in, gh, out);
    }
  }
}

// One row of an LSTM step: the gates' activations in place, each gate a contiguous loop, then
// c and h. __restrict: the rows never overlap, which lets the compiler vectorise the loops.
// On entry a holds h W_hh^T; x is the row's input projection, b the hidden bias (zeros if none):
// adding them here saves a pass that would copy them into a before the GEMM.
template <class T>
void lstm_row(T* __restrict a, const T* __restrict x, const T* __restrict b, const T* __restrict c_prev,
              T* __restrict c, T* __restrict ht, int64_t h) {
  for (int64_t j = 0; j < 2 * h; ++j) a[j] = sigmoid_of(a[j] + (x[j] + b[j]));  // i, f
  for (int64_t j = 2 * h; j < 3 * h; ++j) a[j] = detail::tanh(a[j] + (x[j] + b[j]));  // g
  for (int64_t j = 3 * h; j < 4 * h; ++j) a[j] = sigmoid_of(a[j] + (x[j] + b[j]));  // o
  for (int64_t j = 0; j < h; ++j) {
    T cj = a[h + j] * c_prev[j] + a[j] * a[2 * h + j];
    c[j] = cj;
    ht[j] = a[3 * h + j] * detail::tanh(cj);
  }
}

// The backward of lstm_row: gradients of the four pre-activations into da, dc_prev into dc.
template <class T>
void lstm_row_backward(const T* __restrict a, const T* __restrict c, const T* __restrict c_prev,
                       const T* __restrict gh, const T* __restrict dh, T* __restrict dc, T* __restrict da, int64_t h) {
  for (int64_t j = 0; j < h; ++j) {
    T i = a[j], f = a[h + j], gg = a[2 * h + j], o = a[3 * h + j];
    T tc = detail::tanh(c[j]);
    T dht = gh[j] + dh[j];
    T dct = dc[j] + dht * o * (T(1) - tc * tc);
    da[j] = dct * gg * i * (T(1) - i);
    da[h + j] = dct * c_prev[j] * f * (T(1) - f);
    da[2 * h + j] = dct * i * (T(1) - gg * gg);
    da[3 * h + j] = dht * tc * o * (T(1) - o);
    dc[j] = dct * f;
  }
}

// dW (GH, H) = sum_t da[t]^T h_prev(t), db (GH) = sum over all rows of da: one GEMM over the steps
// whose previous state is an output row (they are contiguous), one for the step that starts from h0.
template <class T>
void hidden_weight_grads(const T* da, const T* out, const T* h0, const LayerDims& d, bool reverse, T* dw, T* db) {
  const int64_t n = d.batch, h = d.hidden, gh = d.gates * d.hidden, rows = (d.steps - 1) * n;
  std::fill_n(dw, gh * h, T(0));
  if (rows > 0) {
    const T* a = reverse ? da : da + n * gh;          // steps whose previous state is out[t -/+ 1]
    const T* hp = reverse ? out + n * h : out;
    blas::gemm(true, false, gh, h, rows, T(1), a, gh, hp, h, T(1), dw, h);
  }
  const T* first = reverse ? da + rows * gh : da;  // the step that starts from h0
  blas::gemm(true, false, gh, h, n, T(1), first, gh, h0, h, T(1), dw, h);
  if (db) {
    std::fill_n(db, gh, T(0));
    for (int64_t r = 0; r < d.steps * n; ++r) {
      const T* row = da + r * gh;
      for (int64_t j = 0; j < gh; ++j) db[j] += row[j];
    }
  }
}

// The views of a packed (T [+1], N, H) output: rows 0..T-1 are h_t, row T (LSTM) is c_n.
RecurrentResult unpack(const Tensor& y, const LayerDims& d, bool reverse, bool has_cell) {
  RecurrentResult r;
  r.output = narrow(y, 0, 0, d.steps);
  r.h_n = narrow(y, 0, reverse ? 0 : d.steps - 1, 1).reshape({d.batch, d.hidden});
  if (has_cell) r.c_n = narrow(y, 0, d.steps, 1).reshape({d.batch, d.hidden});
  return r;
}

}  // namespace

// h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).   xp: (T, N, H) -> output (T, N, H)
RecurrentResult rnn_layer(const Tensor& xp, const Tensor& w_hh, const Tensor& b_hh, const Tensor& h0_in, bool reverse,
                          RnnNonlinearity nonlinearity) {
  const char* op = nonlinearity == RnnNonlinearity::tanh ? "rnn_tanh" : "rnn_relu";
  LayerDims d = check_layer(op, 1, xp, w_hh, b_hh, h0_in, Tensor());
  Tensor h0 = or_zeros(h0_in, d, xp.dtype());
  const bool relu = nonlinearity == RnnNonlinearity::relu;
  Order order{d.steps, reverse};
  const int64_t n = d.batch, h = d.hidden, nh = n * h;
  Tensor y = Tensor::empty({d.steps, n, h}, xp.dtype());
  detail::dispatch_float(op, xp.dtype(), [&]<class T>() {
    const T *px = xp.data<T>(), *w = w_hh.data<T>(), *b = b_hh.defined() ? b_hh.data<T>() : nullptr;
    T* out = y.data<T>();
    for (int64_t s = 0; s < d.steps; ++s) {
      int64_t t = order.time(s);
      const T* hp = s == 0 ? h0.data<T>() : out + order.prev(t) * nh;
      T* o = out + t * nh;
      rows_plus_bias(o, px + t * nh, b, n, h);
      blas::gemm(false, true, n, h, h, T(1), hp, h, w, h, T(1), o, h);
      if (relu) {
        for (int64_t i = 0; i < nh; ++i) o[i] = o[i] > 0 ? o[i] : T(0);
      } else {
        for (int64_t i = 0; i < nh; ++i) o[i] = detail::tanh(o[i]);
      }
    }
  });
  Tensor packed = autograd::record(op, y, {xp, w_hh, b_hh, h0_in},
                                   [w_hh, b_hh, h0, saved = y.detach(), d, order, relu](const Tensor& dy) {
    const int64_t n = d.batch, h = d.hidden, nh = n * h;
    Tensor dxp = Tensor::empty({d.steps, n, h}, dy.dtype()), dh = zeros({n, h}, dy.dtype());
    Tensor dw = Tensor::empty(w_hh.shape(), dy.dtype());
    Tensor db = b_hh.defined() ? Tensor::empty(b_hh.shape(), dy.dtype()) : Tensor();
    detail::dispatch_float("rnn_backward", dy.dtype(), [&]<class T>() {
      const T *g = dy.data<T>(), *out = saved.data<T>(), *w = w_hh.data<T>();
      T *da = dxp.data<T>(), *pdh = dh.data<T>();
      for (int64_t s = d.steps - 1; s >= 0; --s) {
        int64_t t = order.time(s);
        const T *gt = g + t * nh, *o = out + t * nh;
        T* a = da + t * nh;
        if (relu) {
          for (int64_t i = 0; i < nh; ++i) a[i] = o[i] > 0 ? gt[i] + pdh[i] : T(0);  // relu'(0) = 0
        } else {
          for (int64_t i = 0; i < nh; ++i) a[i] = (gt[i] + pdh[i]) * (T(1) - o[i] * o[i]);
        }
        blas::gemm(false, false, n, h, h, T(1), a, h, w, h, T(0), pdh, h);  // dh_{t-1} = da W_hh
      }
      hidden_weight_grads<T>(da, out, h0.data<T>(), d, order.reverse, dw.data<T>(), db.defined() ? db.data<T>() : nullptr);
    });
    return Grads{dxp, dw, db, dh};
  });
  return unpack(packed, d, reverse, false);
}

// PyTorch's LSTM step: i, f, g, o = sigma, sigma, tanh, sigma of x W_ih^T + b_ih + h W_hh^T + b_hh
// (gate order i|f|g|o); c' = f c + i g; h' = o tanh(c').   xp: (T, N, 4H) -> output (T, N, H)
RecurrentResult lstm_layer(const Tensor& xp, const Tensor& w_hh, const Tensor& b_hh, const Tensor& h0_in,
                           const Tensor& c0_in, bool reverse) {
  LayerDims d = check_layer("lstm", 4, xp, w_hh, b_hh, h0_in, c0_in);
  Tensor h0 = or_zeros(h0_in, d, xp.dtype()), c0 = or_zeros(c0_in, d, xp.dtype());
  Order order{d.steps, reverse};
  const int64_t n = d.batch, h = d.hidden, nh = n * h, g4 = 4 * h;
  Tensor y = Tensor::empty({d.steps + 1, n, h}, xp.dtype());  // h_t rows, then c_n
  Tensor gates = Tensor::empty({d.steps, n, g4}, xp.dtype());  // i, f, g, o after their activations
  Tensor cells = Tensor::empty({d.steps, n, h}, xp.dtype());   // c_t
  detail::dispatch_float("lstm", xp.dtype(), [&]<class T>() {
    std::vector<T> no_bias(b_hh.defined() ? 0 : g4, T(0));
    const T *px = xp.data<T>(), *w = w_hh.data<T>(), *b = b_hh.defined() ? b_hh.data<T>() : no_bias.data();
    T *out = y.data<T>(), *pg = gates.data<T>(), *pc = cells.data<T>();
    for (int64_t s = 0; s < d.steps; ++s) {
      int64_t t = order.time(s), prev = order.prev(t);
      const T* hp = s == 0 ? h0.data<T>() : out + prev * nh;
      const T* cp = s == 0 ? c0.data<T>() : pc + prev * nh;
      T* gt = pg + t * n * g4;
      const T* xt = px + t * n * g4;
      blas::gemm(false, true, n, g4, h, T(1), hp, h, w, h, T(0), gt, g4);  // h W_hh^T; x and b added per row
      for (int64_t r = 0; r < n; ++r) {
        lstm_row(gt + r * g4, xt + r * g4, b, cp + r * h, pc + t * nh + r * h, out + t * nh + r * h, h);
      }
    }
    std::copy_n(pc + order.time(d.steps - 1) * nh, nh, out + d.steps * nh);
  });
  Tensor packed = autograd::record("lstm", y, {xp, w_hh, b_hh, h0_in, c0_in},
                                   [w_hh, b_hh, h0, c0, saved = y.detach(), gates, cells, d, order](const Tensor& dy) {
    const int64_t n = d.batch, h = d.hidden, nh = n * h, g4 = 4 * h;
    Tensor dxp = Tensor::empty({d.steps, n, g4}, dy.dtype());
    Tensor dh = zeros({n, h}, dy.dtype()), dc = Tensor::empty({n, h}, dy.dtype());
    Tensor dw = Tensor::empty(w_hh.shape(), dy.dtype());
    Tensor db = b_hh.defined() ? Tensor::empty(b_hh.shape(), dy.dtype()) : Tensor();
    detail::dispatch_float("lstm_backward", dy.dtype(), [&]<class T>() {
      const T *g = dy.data<T>(), *out = saved.data<T>(), *w = w_hh.data<T>(), *pg = gates.data<T>(), *pc = cells.data<T>();
      T *da = dxp.data<T>(), *pdh = dh.data<T>(), *pdc = dc.data<T>();
      std::copy_n(g + d.steps * nh, nh, pdc);  // the gradient of c_n
      for (int64_t s = d.steps - 1; s >= 0; --s) {
        int64_t t = order.time(s);
        const T* cp = s == 0 ? c0.data<T>() : pc + order.prev(t) * nh;
        for (int64_t r = 0; r < n; ++r) {
          lstm_row_backward(pg + (t * n + r) * g4, pc + t * nh + r * h, cp + r * h, g + t * nh + r * h, pdh + r * h,
                            pdc + r * h, da + (t * n + r) * g4, h);
        }
        blas::gemm(false, false, n, h, g4, T(1), da + t * n * g4, g4, w, h, T(0), pdh, h);  // dh_{t-1} = da W_hh
      }
      hidden_weight_grads<T>(da, out, h0.data<T>(), d, order.reverse, dw.data<T>(), db.defined() ? db.data<T>() : nullptr);
    });
    return Grads{dxp, dw, db, dh, dc};
  });
  return unpack(packed, d, reverse, true);
}

// PyTorch's GRU step (gate order r|z|n): r, z = sigma(x W_i^T + b_i + h W_h^T + b_h);
// n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)); h' = (1 - z) n + z h.   xp: (T, N, 3H) -> (T, N, H)
RecurrentResult gru_layer(const Tensor& xp, const Tensor& w_hh, const Tensor& b_hh, const Tensor& h0_in, bool reverse) {
  LayerDims d = check_layer("gru", 3, xp, w_hh, b_hh, h0_in, Tensor());
  Tensor h0 = or_zeros(h0_in, d, xp.dtype());
  Order order{d.steps, reverse};
  const int64_t n = d.batch, h = d.hidden, nh = n * h, g3 = 3 * h;
  Tensor y = Tensor::empty({d.steps, n, h}, xp.dtype());
  Tensor gates = Tensor::empty({d.steps, n, g3}, xp.dtype());  // r, z, n
  Tensor hidden_n = Tensor::empty({d.steps, n, h}, xp.dtype());  // h W_hn^T + b_hn, which r multiplies
  Tensor scratch = Tensor::empty({n, g3}, xp.dtype());          // h W_hh^T + b_hh of the current step
  detail::dispatch_float("gru", xp.dtype(), [&]<class T>() {
    const T *px = xp.data<T>(), *w = w_hh.data<T>(), *b = b_hh.defined() ? b_hh.data<T>() : nullptr;
    T *out = y.data<T>(), *pg = gates.data<T>(), *phn = hidden_n.data<T>(), *hh = scratch.data<T>();
    for (int64_t s = 0; s < d.steps; ++s) {
      int64_t t = order.time(s);
      const T* hp = s == 0 ? h0.data<T>() : out + order.prev(t) * nh;
      for (int64_t r = 0; r < n; ++r) {
        if (b) {
          std::copy_n(b, g3, hh + r * g3);
        } else {
          std::fill_n(hh + r * g3, g3, T(0));
        }
      }
      blas::gemm(false, true, n, g3, h, T(1), hp, h, w, h, T(1), hh, g3);
      for (int64_t r = 0; r < n; ++r) {
        const T *x = px + (t * n + r) * g3, *u = hh + r * g3, *h_prev = hp + r * h;
        T *a = pg + (t * n + r) * g3, *hn = phn + t * nh + r * h, *ht = out + t * nh + r * h;
        for (int64_t j = 0; j < h; ++j) {
          T rj = sigmoid_of(x[j] + u[j]), zj = sigmoid_of(x[h + j] + u[h + j]);
          T nj = detail::tanh(x[2 * h + j] + rj * u[2 * h + j]);
          a[j] = rj, a[h + j] = zj, a[2 * h + j] = nj;
          hn[j] = u[2 * h + j];
          ht[j] = (T(1) - zj) * nj + zj * h_prev[j];
        }
      }
    }
  });
  Tensor packed = autograd::record("gru", y, {xp, w_hh, b_hh, h0_in},
                                   [w_hh, b_hh, h0, saved = y.detach(), gates, hidden_n, d, order](const Tensor& dy) {
    const int64_t n = d.batch, h = d.hidden, nh = n * h, g3 = 3 * h;
    Tensor dxp = Tensor::empty({d.steps, n, g3}, dy.dtype());
    Tensor dhh = Tensor::empty({d.steps, n, g3}, dy.dtype());  // the gradient of h W_hh^T + b_hh
    Tensor dh = zeros({n, h}, dy.dtype());
    Tensor dw = Tensor::empty(w_hh.shape(), dy.dtype());
    Tensor db = b_hh.defined() ? Tensor::empty(b_hh.shape(), dy.dtype()) : Tensor();
    detail::dispatch_float("gru_backward", dy.dtype(), [&]<class T>() {
      const T *g = dy.data<T>(), *out = saved.data<T>(), *w = w_hh.data<T>(), *pg = gates.data<T>(), *phn = hidden_n.data<T>();
      T *dx = dxp.data<T>(), *du = dhh.data<T>(), *pdh = dh.data<T>();
      for (int64_t s = d.steps - 1; s >= 0; --s) {
        int64_t t = order.time(s);
        const T* hp = s == 0 ? h0.data<T>() : out + order.prev(t) * nh;
        for (int64_t r = 0; r < n; ++r) {
          const T *a = pg + (t * n + r) * g3, *hn = phn + t * nh + r * h, *h_prev = hp + r * h, *gh = g + t * nh + r * h;
          T *dxr = dx + (t * n + r) * g3, *dur = du + (t * n + r) * g3, *dhr = pdh + r * h;
          for (int64_t j = 0; j < h; ++j) {
            T rj = a[j], zj = a[h + j], nj = a[2 * h + j];
            T dht = gh[j] + dhr[j];
            T dan = dht * (T(1) - zj) * (T(1) - nj * nj);
            T dar = dan * hn[j] * rj * (T(1) - rj);
            T daz = dht * (h_prev[j] - nj) * zj * (T(1) - zj);
            dxr[j] = dar, dxr[h + j] = daz, dxr[2 * h + j] = dan;
            dur[j] = dar, dur[h + j] = daz, dur[2 * h + j] = dan * rj;
            dhr[j] = dht * zj;  // the direct path h' = ... + z h
          }
        }
        blas::gemm(false, false, n, h, g3, T(1), du + t * n * g3, g3, w, h, T(1), pdh, h);  // += du W_hh
      }
      hidden_weight_grads<T>(du, out, h0.data<T>(), d, order.reverse, dw.data<T>(), db.defined() ? db.data<T>() : nullptr);
    });
    return Grads{dxp, dw, db, dh};
  });
  return unpack(packed, d, reverse, false);
}

}  // namespace minidl
