// The reports' networks (MISSION.md), each built in a few lines: parameter names and counts as
// PyTorch, the print() tree as PyTorch's repr, and one loss + backward equal to PyTorch's with
// PyTorch's weights loaded through load_state_dict.
#include "nn/nn_support.h"

#include <regex>

using namespace minidl;
namespace mt = minidl::testing;

namespace {

// 2-25-25-25-2 (or -1) with ReLU/Tanh: the common disk network (reports 000, 002, 003).
std::shared_ptr<nn::Sequential> disk_mlp(Generator& gen, int64_t outputs = 2) {
  return nn::sequential(nn::linear(2, 25, gen), nn::relu(), nn::linear(25, 25, gen), nn::tanh(),
                        nn::linear(25, 25, gen), nn::relu(), nn::linear(25, outputs, gen));
}

// Report 001: two nested Sequentials, two layers without bias, Glorot normal init.
std::shared_ptr<nn::Sequential> nested_001(Generator& gen) {
  nn::LinearOptions glorot{.init = nn::Init::xavier_normal, .generator = &gen};
  nn::LinearOptions glorot_no_bias{.bias = false, .init = nn::Init::xavier_normal, .generator = &gen};
  return nn::sequential(
      nn::sequential(nn::linear(2, 25, glorot), nn::relu(), nn::linear(25, 25, glorot_no_bias), nn::relu()),
      nn::sequential(nn::linear(25, 25, glorot_no_bias), nn::tanh(), nn::linear(25, 2, glorot)));
}

// Report 004: He normal weights, given bias std, dropout between layers.
std::shared_ptr<nn::Sequential> dropout_004(Generator& gen) {
  nn::LinearOptions he{.init = nn::Init::kaiming_normal, .bias_std = 0.01, .generator = &gen};
  return nn::sequential(nn::linear(2, 25, he), nn::relu(), nn::dropout(0.2, 1), nn::linear(25, 25, he), nn::relu(),
                        nn::dropout(0.2, 2), nn::linear(25, 25, he), nn::relu(), nn::dropout(0.2, 3),
                        nn::linear(25, 2, he));
}

std::vector<std::string> keys_of(const nn::Module& m) {
  std::vector<std::string> keys;
  for (const auto& [k, p] : m.named_parameters()) keys.push_back(k);
  return keys;
}

int64_t count(const nn::Module& m) {
  int64_t n = 0;
  for (const Tensor& p : m.parameters()) n += p.numel();
  return n;
}

// Loads PyTorch's weights, runs the loss and compares it and every gradient with PyTorch's.
void expect_network_matches_golden(nn::Module& model, const std::string& name,
                                   const std::function<Tensor(const Tensor&, const Tensor&)>& loss_fn) {
  SCOPED_TRACE(name);
  mt::Golden g("nn_networks.json");
  const nlohmann::json& c = g[name];
  EXPECT_EQ(keys_of(model), c["keys"].get<std::vector<std::string>>());
  StateDict state = mt::state_of(c["state"]);
  model.to(state.begin()->second.dtype());
  model.load_state_dict(state);
  Tensor loss = loss_fn(model(g.tensor(name + "/x")), g.tensor(name + "/target"));
  double expected = c["loss"].get<double>();
  EXPECT_TRUE(mt::matches_golden(loss, scalar_tensor(expected, kFloat64)));
  loss.backward();
  for (const auto& [key, p] : model.named_parameters()) {
    EXPECT_TRUE(mt::matches_golden(p.grad(), mt::Golden::to_tensor(c["grads"][key]))) << key;
  }
  // print(model) is PyTorch's repr, with C++'s true/false.
  std::string repr = c["repr"].get<std::string>();
  repr = std::regex_replace(repr, std::regex("True"), "true");
  repr = std::regex_replace(repr, std::regex("False"), "false");
  EXPECT_EQ(model.repr(), repr);
}

Tensor ce(const Tensor& y, const Tensor& t) { return cross_entropy(y, t); }
Tensor mse(const Tensor& y, const Tensor& t) { return mse_loss(y, t); }

}  // namespace

TEST(Networks, DiskMlpMatchesPyTorch) {
  Generator gen(0);
  auto model = disk_mlp(gen);
  EXPECT_EQ(count(*model), 2 * 25 + 25 + 2 * (25 * 25 + 25) + 25 * 2 + 2);  // 1427
  expect_network_matches_golden(*model, "disk_mlp", ce);
}

TEST(Networks, DiskMlpMatchesPyTorchInFloat32) {
  Generator gen(0);
  auto model = disk_mlp(gen);
  expect_network_matches_golden(*model, "mlp_f32", ce);
}

TEST(Networks, Report002SingleOutputMatchesPyTorch) {
  Generator gen(0);
  auto model = disk_mlp(gen, 1);
  EXPECT_EQ(count(*model), 1401);
  expect_network_matches_golden(*model, "mlp_002", mse);
}

TEST(Networks, Report001NestedWithoutBiasMatchesPyTorch) {
  Generator gen(0);
  auto model = nested_001(gen);
  EXPECT_EQ(keys_of(*model), (std::vector<std::string>{"0.0.weight", "0.0.bias", "0.2.weight", "1.0.weight",
                                                       "1.2.weight", "1.2.bias"}));
  EXPECT_EQ(count(*model), 2 * 25 + 25 + 25 * 25 + 25 * 25 + 25 * 2 + 2);  // 1377
  expect_network_matches_golden(*model, "nested_001", mse);
}

TEST(Networks, Report004WithDropoutBuildsAndTrainsOrEvaluates) {
  Generator gen(0);
  auto model = dropout_004(gen);
  EXPECT_EQ(keys_of(*model), (std::vector<std::string>{"0.weight", "0.bias", "3.weight", "3.bias", "6.weight",
                                                       "6.bias", "9.weight", "9.bias"}));
  EXPECT_EQ(count(*model), 1427);
  Tensor x = rand({50, 2}, gen);
  Tensor train_out = (*model)(x);
  model->eval();
  Tensor eval_a = (*model)(x), eval_b = (*model)(x);
  EXPECT_EQ(eval_a.to_vector(), eval_b.to_vector());  // deterministic in eval mode
  EXPECT_NE(train_out.to_vector(), eval_a.to_vector());
  model->train();
  cross_entropy((*model)(x), argmax(eval_a, 1)).backward();
  for (const Tensor& p : model->parameters()) EXPECT_TRUE(p.grad().defined());
}

TEST(Networks, StateDictRoundTripsThroughEveryReportNetwork) {
  Generator gen(0), other(1);
  std::vector<std::pair<std::shared_ptr<nn::Module>, std::shared_ptr<nn::Module>>> pairs{
      {disk_mlp(gen), disk_mlp(other)}, {nested_001(gen), nested_001(other)}, {dropout_004(gen), dropout_004(other)}};
  Tensor x = rand({7, 2}, gen);
  for (auto& [a, b] : pairs) {
    a->eval();
    b->eval();
    b->load_state_dict(a->state_dict());
    EXPECT_EQ((*a)(x).to_vector(), (*b)(x).to_vector());
  }
}
