// RNN, LSTM, GRU and their cells: PyTorch golden outputs, final states and gradients (weights
// loaded from PyTorch's state_dicts), float64 gradchecks over every configuration the modules
// have, names, reprs and errors.
#include "minidl/nn/rnn.h"

#include "minidl/io/safetensors.h"
#include "nn/nn_support.h"

using namespace minidl;
namespace mt = minidl::testing;
using ::testing::HasSubstr;
using mt::error_of;

namespace {

Tensor flat_sum_of_products(const Tensor& a, const Tensor& b) { return sum(mul(a, b)); }

// Runs a recurrent golden case of rnn.json: loads PyTorch's weights, runs the module from the
// stored initial state, compares output and final state, then backpropagates
// sum(out dy) + sum(h_n dh_n) (+ sum(c_n dc_n)) and compares every gradient.
template <class M>
void expect_recurrent_matches_golden(M& module, const std::string& name) {
  constexpr bool cell = std::is_base_of_v<nn::RNNCellBase, M>;
  mt::Golden g("rnn.json");
  const std::string key = "recurrent/" + name;
  const nlohmann::json& c = g[key];
  Tensor x = g.tensor(key + "/x").requires_grad_();
  module.to(x.dtype());
  module.load_state_dict(mt::state_of(c["state"]));
  nn::RecurrentState state;
  if (c.contains("h0")) state.h = g.tensor(key + "/h0").requires_grad_();
  if (c.contains("c0")) state.c = g.tensor(key + "/c0").requires_grad_();
  Tensor loss;
  nn::RecurrentState final_state;
  if constexpr (cell) {
    final_state = module.forward_with_state(x, state);
    loss = zeros({}, x.dtype());
  } else {
    nn::RecurrentOutput out = module.forward_with_state(x, state);
    EXPECT_TRUE(mt::matches_golden(out.output, g.tensor(key + "/y"))) << name << " y";
    loss = flat_sum_of_products(out.output, g.tensor(key + "/dy").to(x.dtype()));
    final_state = out.state;
  }
  EXPECT_TRUE(mt::matches_golden(final_state.h, g.tensor(key + "/h_n"))) << name << " h_n";
  loss = loss + flat_sum_of_products(final_state.h, g.tensor(key + "/dh_n").to(x.dtype()));
  if (c.contains("c_n")) {
    EXPECT_TRUE(mt::matches_golden(final_state.c, g.tensor(key + "/c_n"))) << name << " c_n";
    loss = loss + flat_sum_of_products(final_state.c, g.tensor(key + "/dc_n").to(x.dtype()));
  } else {
    EXPECT_FALSE(final_state.c.defined());
  }
  loss.backward();
  EXPECT_TRUE(mt::matches_golden(x.grad(), g.tensor(key + "/dx"))) << name << " dx";
  if (state.h.defined()) {
    EXPECT_TRUE(mt::matches_golden(state.h.grad(), g.tensor(key + "/dh0"))) << name << " dh0";
  }
  if (state.c.defined()) {
    EXPECT_TRUE(mt::matches_golden(state.c.grad(), g.tensor(key + "/dc0"))) << name << " dc0";
  }
  for (const auto& [k, p] : module.named_parameters()) {
    EXPECT_TRUE(mt::matches_golden(p.grad(), mt::Golden::to_tensor(c["grads"][k]))) << name << " grad of " << k;
  }
  EXPECT_EQ(module.named_parameters().size(), c["grads"].size());
}

// Gradcheck of a recurrent module with respect to x, the initial state (when given) and every
// parameter; the checked output is output, h_n and c_n flattened into one vector.
template <class M>
void expect_recurrent_gradients_match(M& module, const Tensor& x, const nn::RecurrentState& state = {}) {
  constexpr bool cell = std::is_base_of_v<nn::RNNCellBase, M>;
  module.to(kFloat64);
  std::vector<Tensor> params = module.parameters();
  std::vector<Tensor> inputs{x, state.h.defined() ? state.h : Tensor(), state.c.defined() ? state.c : Tensor()};
  std::vector<int> used{0};
  if (state.h.defined()) used.push_back(1);
  if (state.c.defined()) used.push_back(2);
  std::vector<Tensor> checked;
  for (int k : used) checked.push_back(inputs[k]);
  for (const Tensor& p : params) checked.push_back(p.detach().clone());
  const size_t n_data = used.size();
  mt::expect_gradients_match(
      [&](const std::vector<Tensor>& in) {
        for (size_t k = 0; k < params.size(); ++k) {
          params[k].copy_(in[k + n_data]);
          if (autograd::grad_mode_enabled()) {
            params[k].set_grad(zeros_like(params[k]));
            Tensor leaf = in[k + n_data];
            leaf.set_grad(params[k].grad());
          }
        }
        nn::RecurrentState s;
        size_t at = 1;
        if (state.h.defined()) s.h = in[at++];
        if (state.c.defined()) s.c = in[at++];
        std::vector<Tensor> parts;
        nn::RecurrentState final_state;
        if constexpr (cell) {
          final_state = module.forward_with_state(in[0], s);
        } else {
          nn::RecurrentOutput out = module.forward_with_state(in[0], s);
          parts.push_back(flatten(out.output));
          final_state = out.state;
        }
        parts.push_back(flatten(final_state.h));
        if (final_state.c.defined()) parts.push_back(flatten(final_state.c));
        return concat(parts, 0);
      },
      checked);
}

struct Config {
  int64_t layers;
  bool bidirectional, bias, batch_first, given_state;
};

std::string describe(const Config& c) {
  return "layers=" + std::to_string(c.layers) + " bidirectional=" + std::to_string(c.bidirectional) +
         " bias=" + std::to_string(c.bias) + " batch_first=" + std::to_string(c.batch_first) +
         " given_state=" + std::to_string(c.given_state);
}

// Every combination of one/two layers, both directions, with/without bias, batch_first both ways
// and given/default initial state.
std::vector<Config> all_configs() {
  std::vector<Config> out;
  for (int64_t layers : {1, 2})
    for (bool bidirectional : {false, true})
      for (bool bias : {true, false})
        for (bool batch_first : {false, true})
          for (bool given_state : {false, true}) out.push_back({layers, bidirectional, bias, batch_first, given_state});
  return out;
}

template <class M>
void gradcheck_all_configs(bool lstm, RnnNonlinearity nonlinearity = RnnNonlinearity::tanh) {
  const int64_t T = 3, N = 2, I = 3, H = 2;
  for (const Config& c : all_configs()) {
    SCOPED_TRACE(describe(c));
    Generator gen(7);
    M module(I, H, nn::RNNOptions{.num_layers = c.layers, .bias = c.bias, .batch_first = c.batch_first,
                                  .bidirectional = c.bidirectional, .nonlinearity = nonlinearity,
                                  .generator = &gen, .dtype = kFloat64});
    Tensor x = c.batch_first ? randn({N, T, I}, gen, kFloat64) : randn({T, N, I}, gen, kFloat64);
    nn::RecurrentState state;
    int64_t d = c.bidirectional ? 2 : 1;
    if (c.given_state) {
      state.h = randn({c.layers * d, N, H}, gen, kFloat64);
      if (lstm) state.c = randn({c.layers * d, N, H}, gen, kFloat64);
    }
    expect_recurrent_gradients_match(module, x, state);
  }
}

// Embedding -> LSTM (2 layers, batch_first) -> Linear, with the child names of the PyTorch model.
class CharLM : public nn::Module {
 public:
  CharLM(int64_t vocab, int64_t dim, int64_t hidden)
      : embed_(register_module("embed", nn::embedding(vocab, dim))),
        lstm_(register_module("lstm", std::make_shared<nn::LSTM>(dim, hidden, nn::RNNOptions{.num_layers = 2, .batch_first = true}))),
        head_(register_module("head", nn::linear(hidden, vocab))) {}
  Tensor forward(const Tensor& x) override { return (*head_)((*lstm_)((*embed_)(x))); }
  std::string type_name() const override { return "CharLM"; }

 private:
  std::shared_ptr<nn::Embedding> embed_;
  std::shared_ptr<nn::LSTM> lstm_;
  std::shared_ptr<nn::Linear> head_;
};

}  // namespace

TEST(RNN, MatchesPyTorch) {
  nn::RNN rnn(4, 6);
  expect_recurrent_matches_golden(rnn, "rnn_tanh");
  nn::RNN relu(4, 6, {.num_layers = 2, .bidirectional = true, .nonlinearity = RnnNonlinearity::relu});
  expect_recurrent_matches_golden(relu, "rnn_relu_2layer_bidir");
  nn::RNN no_bias(4, 6, {.bias = false, .batch_first = true});
  expect_recurrent_matches_golden(no_bias, "rnn_no_bias_batch_first");
}

TEST(LSTM, MatchesPyTorch) {
  nn::LSTM lstm(4, 6);
  expect_recurrent_matches_golden(lstm, "lstm");
  nn::LSTM with_state(4, 6);
  expect_recurrent_matches_golden(with_state, "lstm_state");
  nn::LSTM deep(4, 6, {.num_layers = 2, .batch_first = true, .bidirectional = true});
  expect_recurrent_matches_golden(deep, "lstm_2layer_bidir_batch_first");
  nn::LSTM no_bias(4, 6, {.num_layers = 2, .bias = false});
  expect_recurrent_matches_golden(no_bias, "lstm_no_bias_2layer");
  nn::LSTM unbatched(4, 6);
  expect_recurrent_matches_golden(unbatched, "lstm_unbatched");
}

TEST(LSTM, MatchesPyTorchInFloat32) {
  nn::LSTM lstm(4, 6, {.num_layers = 2});
  expect_recurrent_matches_golden(lstm, "lstm_f32");
}

TEST(GRU, MatchesPyTorch) {
  nn::GRU gru(4, 6);
  expect_recurrent_matches_golden(gru, "gru");
  nn::GRU deep(4, 6, {.num_layers = 2, .bidirectional = true});
  expect_recurrent_matches_golden(deep, "gru_2layer_bidir_state");
  nn::GRU no_bias(4, 6, {.bias = false, .batch_first = true});
  expect_recurrent_matches_golden(no_bias, "gru_no_bias_batch_first");
  nn::GRU f32(4, 6, {.bidirectional = true});
  expect_recurrent_matches_golden(f32, "gru_f32");
}

TEST(RecurrentCells, MatchPyTorch) {
  nn::RNNCell rnn(4, 6);
  expect_recurrent_matches_golden(rnn, "rnn_cell");
  nn::RNNCell relu(4, 6, {.bias = false, .nonlinearity = RnnNonlinearity::relu});
  expect_recurrent_matches_golden(relu, "rnn_cell_relu_no_bias");
  nn::LSTMCell lstm(4, 6);
  expect_recurrent_matches_golden(lstm, "lstm_cell");
  nn::GRUCell gru(4, 6);
  expect_recurrent_matches_golden(gru, "gru_cell");
}

TEST(RNN, GradientsMatchFiniteDifferencesInEveryConfiguration) {
  gradcheck_all_configs<nn::RNN>(false);
  gradcheck_all_configs<nn::RNN>(false, RnnNonlinearity::relu);
}

TEST(LSTM, GradientsMatchFiniteDifferencesInEveryConfiguration) { gradcheck_all_configs<nn::LSTM>(true); }

TEST(GRU, GradientsMatchFiniteDifferencesInEveryConfiguration) { gradcheck_all_configs<nn::GRU>(false); }

TEST(RecurrentCells, GradientsMatchFiniteDifferences) {
  for (bool bias : {true, false}) {
    for (bool given_state : {false, true}) {
      SCOPED_TRACE("bias=" + std::to_string(bias) + " given_state=" + std::to_string(given_state));
      Generator gen(3);
      nn::RNNOptions o{.bias = bias, .generator = &gen, .dtype = kFloat64};
      Tensor x = randn({2, 3}, gen, kFloat64);
      auto state = [&](bool lstm) {
        nn::RecurrentState s;
        if (given_state) s.h = randn({2, 4}, gen, kFloat64);
        if (given_state && lstm) s.c = randn({2, 4}, gen, kFloat64);
        return s;
      };
      nn::RNNCell rnn(3, 4, o);
      expect_recurrent_gradients_match(rnn, x, state(false));
      nn::LSTMCell lstm(3, 4, o);
      expect_recurrent_gradients_match(lstm, x, state(true));
      nn::GRUCell gru(3, 4, o);
      expect_recurrent_gradients_match(gru, x, state(false));
      nn::RNNCell relu(3, 4, nn::RNNOptions{.bias = bias, .nonlinearity = RnnNonlinearity::relu, .generator = &gen,
                                            .dtype = kFloat64});
      expect_recurrent_gradients_match(relu, x, state(false));
    }
  }
}

TEST(LSTM, ParameterNamesShapesAndRepr) {
  nn::LSTM lstm(10, 20, {.num_layers = 2, .batch_first = true, .dropout = 0.5, .bidirectional = true});
  std::vector<std::string> names;
  for (const auto& [name, p] : lstm.named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{
                       "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l0_reverse",
                       "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse", "weight_ih_l1",
                       "weight_hh_l1", "bias_ih_l1", "bias_hh_l1", "weight_ih_l1_reverse", "weight_hh_l1_reverse",
                       "bias_ih_l1_reverse", "bias_hh_l1_reverse"}));
  auto params = lstm.named_parameters();
  EXPECT_EQ(params[0].second.shape(), (Shape{80, 10}));
  EXPECT_EQ(params[1].second.shape(), (Shape{80, 20}));
  EXPECT_EQ(params[8].second.shape(), (Shape{80, 40}));  // layer 1 reads both directions
  EXPECT_EQ(lstm.repr(), "LSTM(10, 20, num_layers=2, batch_first=true, dropout=0.5, bidirectional=true)");
  EXPECT_EQ(nn::RNN(3, 4, {.bias = false, .nonlinearity = RnnNonlinearity::relu}).repr(),
            "RNN(3, 4, bias=false, nonlinearity=relu)");
  EXPECT_EQ(nn::GRU(3, 4).repr(), "GRU(3, 4)");
  EXPECT_EQ(nn::GRUCell(3, 4).repr(), "GRUCell(3, 4)");
  EXPECT_EQ(nn::LSTMCell(3, 4, {.bias = false}).named_parameters().size(), 2u);
  double bound = 1 / std::sqrt(20.0);
  for (const Tensor& p : lstm.parameters())
    for (double v : p.to_vector()) EXPECT_LE(std::abs(v), bound);
}

TEST(LSTM, OutputAndStateShapes) {
  Generator gen(1);
  nn::LSTM lstm(3, 5, {.num_layers = 2, .batch_first = true, .bidirectional = true});
  nn::RecurrentOutput out = lstm.forward_with_state(randn({4, 7, 3}, gen));
  EXPECT_EQ(out.output.shape(), (Shape{4, 7, 10}));
  EXPECT_EQ(out.state.h.shape(), (Shape{4, 4, 5}));
  EXPECT_EQ(out.state.c.shape(), (Shape{4, 4, 5}));
  EXPECT_EQ(lstm(randn({4, 7, 3}, gen)).shape(), (Shape{4, 7, 10}));  // forward(x): the output alone
  EXPECT_EQ(nn::GRU(3, 5).forward_with_state(randn({7, 3}, gen)).state.h.shape(), (Shape{1, 5}));  // unbatched
}

TEST(LSTM, CarriedStateEqualsOneLongSequence) {
  // Truncated BPTT relies on it: running two halves with the state carried gives the whole run.
  Generator gen(2);
  nn::LSTM lstm(3, 4, {.num_layers = 2, .dtype = kFloat64});
  Tensor x = randn({6, 2, 3}, gen, kFloat64);
  nn::RecurrentOutput whole = lstm.forward_with_state(x);
  nn::RecurrentOutput first = lstm.forward_with_state(narrow(x, 0, 0, 3));
  nn::RecurrentOutput second = lstm.forward_with_state(narrow(x, 0, 3, 3), first.state);
  EXPECT_TRUE(mt::all_close(second.output, narrow(whole.output, 0, 3, 3), 1e-12, 1e-12));
  EXPECT_TRUE(mt::all_close(second.state.c, whole.state.c, 1e-12, 1e-12));
}

TEST(LSTM, DropoutBetweenLayersOnlyInTraining) {
  Generator gen(3);
  nn::LSTM lstm(3, 4, {.num_layers = 2, .dropout = 0.5, .seed = 1});
  Tensor x = randn({5, 2, 3}, gen);
  lstm.eval();
  std::vector<double> a = lstm(x).to_vector(), b = lstm(x).to_vector();
  EXPECT_EQ(a, b);
  lstm.train();
  EXPECT_NE(lstm(x).to_vector(), a);
  nn::LSTM no_dropout(3, 4, {.num_layers = 2, .seed = 1});
  EXPECT_EQ(no_dropout(x).to_vector(), a);  // eval with dropout == no dropout at all
}

TEST(LSTM, UsedTwiceInOnePassTheGradientsAdd) {
  Generator gen(4);
  nn::LSTM lstm(2, 3, {.dtype = kFloat64});
  Tensor x = randn({3, 1, 2}, gen, kFloat64);
  sum(lstm(x)).backward();
  std::vector<double> once = lstm.parameters()[1].grad().to_vector();
  lstm.zero_grad();
  (sum(lstm(x)) + sum(lstm(x))).backward();
  std::vector<double> twice = lstm.parameters()[1].grad().to_vector();
  for (size_t i = 0; i < once.size(); ++i) EXPECT_NEAR(twice[i], 2 * once[i], 1e-12);
}

TEST(RNN, ErrorsNameTheModuleAndShapes) {
  nn::LSTM lstm(3, 4, {.num_layers = 2});
  EXPECT_THAT(error_of<ShapeError>([&] { lstm(zeros({5, 2, 7})); }), HasSubstr("input must be (T, N, 3)"));
  EXPECT_THAT(error_of<ShapeError>([&] { lstm(zeros({5, 2, 7})); }), HasSubstr("(5, 2, 7)"));
  EXPECT_THAT(error_of<ShapeError>([&] { lstm.forward_with_state(zeros({5, 2, 3}), {zeros({1, 2, 4}), zeros({1, 2, 4})}); }),
              HasSubstr("h0 must be (num_layers * num_directions, N, hidden_size) = (2, 2, 4), got (1, 2, 4)"));
  EXPECT_THAT(error_of<ValueError>([&] { lstm.forward_with_state(zeros({5, 2, 3}), {zeros({2, 2, 4}), Tensor()}); }),
              HasSubstr("give both h and c"));
  EXPECT_THAT(error_of<ValueError>([] { nn::GRU(3, 4).forward_with_state(zeros({5, 2, 3}), {Tensor(), zeros({1, 2, 4})}); }),
              HasSubstr("only LSTM has a cell state"));
  EXPECT_THAT(error_of<ValueError>([] { nn::LSTM(3, 0); }), HasSubstr("hidden_size=0"));
  EXPECT_THAT(error_of<ValueError>([] { nn::LSTM(3, 4, {.dropout = 0.2}); }), HasSubstr("needs num_layers > 1"));
  EXPECT_THAT(error_of<ValueError>([] { nn::GRU(3, 4, {.nonlinearity = RnnNonlinearity::relu}); }),
              HasSubstr("nonlinearity applies to RNN and RNNCell only"));
  EXPECT_THAT(error_of<ShapeError>([] { nn::GRUCell(3, 4).forward_with_state(zeros({2, 3}), {zeros({3, 4}), Tensor()}); }),
              HasSubstr("h must be (2, 4), got (3, 4)"));
  // Through Module::operator(), the error carries the module's path.
  auto model = nn::sequential(std::make_shared<nn::GRU>(3, 4));
  EXPECT_THAT(error_of<ShapeError>([&] { (*model)(zeros({5, 2, 2})); }), HasSubstr("model.0"));
}

TEST(LSTM, LoadsAPyTorchLanguageModelAndGivesItsLoss) {
  // tools/golden/rnn.py saved an Embedding -> LSTM(2 layers) -> Linear model's state_dict as
  // safetensors, with its cross-entropy on a stored batch.
  mt::Golden g("rnn.json");
  int64_t vocab = g["lm/vocab"].get<int64_t>(), dim = g["lm/dim"].get<int64_t>(), hidden = g["lm/hidden"].get<int64_t>();
  CharLM model(vocab, dim, hidden);
  SafetensorsFile file = load_safetensors(std::string(MINIDL_GOLDEN_DIR) + "/rnn_lm.safetensors");
  model.load_state_dict(file.tensors);
  Tensor x = g.tensor("lm/x"), target = g.tensor("lm/target");
  Tensor logits = model(x);  // (N, T, vocab)
  Tensor loss = cross_entropy(transpose(logits, 1, 2), target);
  EXPECT_NEAR(loss.item(), g["lm/loss"].get<double>(), 1e-5);
}
