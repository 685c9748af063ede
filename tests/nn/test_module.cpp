// Module: registration and names, state_dict round trips and failed loads, to(dtype), train/eval,
// zero_grad, shape errors with the module path, and a module used twice in one pass.
#include "nn/nn_support.h"

using namespace minidl;
namespace mt = minidl::testing;
using ::testing::HasSubstr;
using ::testing::Not;
using mt::error_of;

namespace {

// A custom module with a parameter, a buffer and a child, registered as in PyTorch.
class Block : public nn::Module {
 public:
  Block() {
    scale_ = register_parameter("scale", ones({3}));
    register_buffer("count", zeros({1}, kInt64));
    fc_ = register_module("fc", nn::linear(3, 3, nn::LinearOptions{.seed = 7}));
  }
  Tensor forward(const Tensor& x) override { return (*fc_)(x * scale_); }
  std::string type_name() const override { return "Block"; }
  void add_twice(const std::string& name) {
    register_parameter(name, zeros({1}));
    register_parameter(name, zeros({1}));
  }
  void add_dotted() { register_parameter("a.b", zeros({1})); }
  bool remove(const std::string& name) { return unregister(name); }
  void add(const std::string& name) { register_parameter(name, zeros({1})); }

 private:
  Tensor scale_;
  std::shared_ptr<nn::Linear> fc_;
};

std::vector<std::string> keys_of(const std::vector<std::pair<std::string, Tensor>>& items) {
  std::vector<std::string> keys;
  for (const auto& item : items) keys.push_back(item.first);
  return keys;
}

std::shared_ptr<nn::Sequential> small_model() {
  Generator gen(1);
  return nn::sequential(nn::linear(2, 4, gen), nn::relu(), nn::linear(4, 3, gen));
}

}  // namespace

TEST(Module, RegistersParametersBuffersAndChildrenByName) {
  Block block;
  EXPECT_EQ(keys_of(block.named_parameters()), (std::vector<std::string>{"scale", "fc.weight", "fc.bias"}));
  EXPECT_EQ(keys_of(block.named_buffers()), (std::vector<std::string>{"count"}));
  EXPECT_EQ(block.state_dict().keys(), (std::vector<std::string>{"scale", "count", "fc.weight", "fc.bias"}));
  ASSERT_EQ(block.children().size(), 1u);
  EXPECT_EQ(block.parameters().size(), 3u);
  EXPECT_TRUE(block.parameters()[0].requires_grad());
  EXPECT_FALSE(block.buffers()[0].requires_grad());
}

TEST(Module, ParameterHandleIsTheRegisteredTensor) {
  auto fc = nn::linear(2, 3);
  EXPECT_TRUE(fc->weight().is_same(fc->named_parameters()[0].second));
  EXPECT_TRUE(fc->bias().is_same(fc->parameters()[1]));
  EXPECT_TRUE(fc->weight().is_same(fc->state_dict().at("weight")));
}

TEST(Module, RejectsDuplicateAndDottedNames) {
  Block block;
  EXPECT_THAT(error_of<ValueError>([&] { block.add_twice("w"); }), HasSubstr("Block already has a member named 'w'"));
  EXPECT_THAT(error_of<ValueError>([&] { block.add_dotted(); }), HasSubstr("contain no '.', got 'a.b'"));
}

TEST(Module, StateDictRoundTripsIntoAFreshModel) {
  auto a = small_model();
  Generator gen(99);
  auto b = nn::sequential(nn::linear(2, 4, gen), nn::relu(), nn::linear(4, 3, gen));
  Tensor w_handle = b->parameters()[0];
  StateDict saved;
  for (const auto& [key, x] : a->state_dict()) saved.insert(key, x.clone());
  b->load_state_dict(saved);
  for (const auto& [key, x] : b->state_dict()) EXPECT_EQ(x.to_vector(), saved.at(key).to_vector()) << key;
  EXPECT_TRUE(w_handle.is_same(b->parameters()[0]));  // copied into, not replaced
  Tensor x = rand({5, 2}, gen);
  EXPECT_EQ((*a)(x).to_vector(), (*b)(x).to_vector());
}

TEST(Module, FailedLoadListsEveryProblemAndChangesNothing) {
  auto model = small_model();
  std::vector<std::vector<double>> before;
  for (const Tensor& p : model->parameters()) before.push_back(p.to_vector());
  StateDict bad;
  bad.insert("0.weight", ones({4, 2}));      // fine, but must not be copied
  bad.insert("0.bias", ones({5}));           // shape mismatch
  bad.insert("2.weight", ones({3, 4}, kFloat64));  // another dtype: cast, as PyTorch (not a problem), but not copied
  bad.insert("9.weight", ones({1}));         // unexpected; 2.bias is missing
  std::string msg = error_of<ValueError>([&] { model->load_state_dict(bad); });
  EXPECT_THAT(msg, HasSubstr("3 problems"));
  EXPECT_THAT(msg, HasSubstr("missing keys: 2.bias"));
  EXPECT_THAT(msg, HasSubstr("unexpected keys: 9.weight"));
  EXPECT_THAT(msg, HasSubstr("shape mismatch for 0.bias: the state dict has (5), the model has (4)"));
  EXPECT_THAT(msg, ::testing::Not(HasSubstr("2.weight")));
  std::vector<std::vector<double>> after;
  for (const Tensor& p : model->parameters()) after.push_back(p.to_vector());
  EXPECT_EQ(before, after);
}

TEST(Module, NonStrictLoadIgnoresMissingAndUnexpectedKeysButNotShapes) {
  auto model = small_model();
  StateDict partial;
  partial.insert("0.bias", full({4}, 3.0));
  partial.insert("extra", ones({1}));
  model->load_state_dict(partial, /*strict=*/false);
  EXPECT_EQ(model->state_dict().at("0.bias").to_vector(), std::vector<double>(4, 3.0));
  partial.insert("0.bias", ones({2}));
  EXPECT_THAT(error_of<ValueError>([&] { model->load_state_dict(partial, false); }), HasSubstr("shape mismatch for 0.bias"));
}

TEST(Module, ToConvertsParametersInPlaceKeepingHandles) {
  auto model = small_model();
  Tensor w = model->parameters()[0];
  std::vector<double> values = w.to_vector();
  (*model)(ones({1, 2})).sum().backward();
  model->to(kFloat64);
  EXPECT_EQ(w.dtype(), kFloat64);
  EXPECT_TRUE(w.requires_grad());
  EXPECT_EQ(w.grad().dtype(), kFloat64);
  EXPECT_EQ(w.to_vector(), values);  // float32 -> float64 is exact
  EXPECT_EQ(model->at<nn::Linear>(0)->weight().dtype(), kFloat64);  // the member sees it
  EXPECT_EQ((*model)(ones({1, 2}, kFloat64)).dtype(), kFloat64);
  Block block;
  block.to(kFloat64);
  EXPECT_EQ(block.buffers()[0].dtype(), kInt64);  // integer buffers stay
}

TEST(Module, TrainAndEvalPropagateToChildren) {
  auto inner = nn::sequential(nn::dropout(0.5), nn::relu());
  auto model = nn::sequential(nn::linear(2, 2), inner);
  EXPECT_TRUE((*inner)[0]->is_training());
  model->eval();
  EXPECT_FALSE(model->is_training());
  EXPECT_FALSE((*inner)[0]->is_training());
  model->train();
  EXPECT_TRUE((*inner)[1]->is_training());
}

TEST(Module, ZeroGradZeroesOrDropsGradients) {
  auto model = small_model();
  (*model)(ones({3, 2})).sum().backward();
  Tensor w = model->parameters()[0];
  ASSERT_TRUE(w.grad().defined());
  model->zero_grad();
  EXPECT_EQ(w.grad().to_vector(), std::vector<double>(8, 0.0));
  model->zero_grad(/*set_to_none=*/true);
  EXPECT_FALSE(w.grad().defined());
}

TEST(Module, ShapeErrorNamesTheModulePathAndSettings) {
  Generator gen(0);
  auto model = nn::sequential(nn::linear(2, 25, gen), nn::relu(), nn::linear(25, 24, gen), nn::relu(),
                              nn::linear(25, 1, gen));
  std::string msg = error_of<ShapeError>([&] { (*model)(zeros({50, 2})); });
  EXPECT_THAT(msg, HasSubstr("Linear 'model.4' (in_features=25, out_features=1, bias=true): input has 24 features, "
                             "expected 25\n  input shape: (50, 24)"));
  EXPECT_THAT(msg, HasSubstr("the module before it, 'model.3' ReLU(), outputs shape (50, 24)"));
  EXPECT_EQ(msg.find("Sequential"), std::string::npos);  // wrapped once, by the innermost module
}

TEST(Module, ShapeErrorInANestedChildIsWrappedOnceWithTheFullPath) {
  auto model = nn::sequential(nn::sequential(nn::linear(2, 3), nn::flatten()), nn::sequential(nn::linear(4, 1)));
  std::string msg = error_of<nn::ModuleShapeError>([&] { (*model)(zeros({5, 2})); });
  EXPECT_THAT(msg, HasSubstr("Linear 'model.1.0' (in_features=4, out_features=1, bias=true): input has 3 features"));
  EXPECT_EQ(msg.find("Linear", 1), std::string::npos);  // one prefix
  EXPECT_THAT(msg, Not(HasSubstr("module before it")));  // first in its Sequential
}

namespace {
class AddSeven : public nn::Module {
 public:
  Tensor forward(const Tensor& x) override { return x + zeros({7}); }
  std::string type_name() const override { return "AddSeven"; }
};
}  // namespace

TEST(Module, OpShapeErrorsInsideForwardGetThePathToo) {
  auto model = nn::sequential(nn::relu(), std::make_shared<AddSeven>());
  std::string msg = error_of<ShapeError>([&] { (*model)(zeros({2, 3})); });
  EXPECT_THAT(msg, HasSubstr("AddSeven 'model.1': add:"));
  EXPECT_THAT(msg, HasSubstr("input shape: (2, 3)"));
  // Other errors pass through unchanged.
  auto bad_dim = nn::sequential(nn::softmax(3));
  EXPECT_THAT(error_of<IndexError>([&] { (*bad_dim)(zeros({2, 2})); }), Not(HasSubstr("model")));
}

TEST(Module, UsedTwiceInOnePassSumsBothGradients) {
  // y = W (W x + b) + b: dL/dW gets the contributions of both calls.
  auto fc = nn::linear(3, 3, nn::LinearOptions{.seed = 3, .dtype = kFloat64});
  auto model = nn::sequential(fc, nn::tanh(), fc);
  EXPECT_EQ(model->parameters().size(), 2u);  // listed once
  EXPECT_EQ(model->state_dict().keys(), (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  Generator gen(5);
  Tensor x = randn({4, 3}, gen, kFloat64);
  (*model)(x).sum().backward();
  // By hand: h = tanh(x W^T + b), y = h W^T + b; dy = 1.
  Tensor w = fc->weight().detach(), b = fc->bias().detach();
  Tensor h = tanh(linear(x, w, b));
  Tensor dy = ones({4, 3}, kFloat64);
  Tensor dh = matmul(dy, w);
  Tensor dz = dh * (1.0 - h * h);
  Tensor dw = matmul(dy.t(), h) + matmul(dz.t(), x);
  Tensor db = dy.sum({0}) + dz.sum({0});
  EXPECT_TRUE(mt::all_close(fc->weight().grad(), dw, 1e-12, 1e-12));
  EXPECT_TRUE(mt::all_close(fc->bias().grad(), db, 1e-12, 1e-12));
  mt::expect_module_gradients_match(*model, x);
}

TEST(Module, PrintShowsTheNestedTree) {
  auto model = nn::sequential(nn::sequential(nn::linear(2, 25), nn::relu()), nn::leaky_relu(0.1), nn::dropout(0.5));
  EXPECT_EQ(nn::to_string(*model),
            "Sequential(\n"
            "  (0): Sequential(\n"
            "    (0): Linear(in_features=2, out_features=25, bias=true)\n"
            "    (1): ReLU()\n"
            "  )\n"
            "  (1): LeakyReLU(negative_slope=0.1)\n"
            "  (2): Dropout(p=0.5)\n"
            ")");
  std::ostringstream os;
  os << *model;
  EXPECT_EQ(os.str(), model->repr());
}

TEST(Module, FormatsNumbersAsPython) {
  EXPECT_EQ(nn::detail::format_double(0.1), "0.1");
  EXPECT_EQ(nn::detail::format_double(1.0), "1.0");
  EXPECT_EQ(nn::detail::format_double(1e-5), "1e-05");
  EXPECT_EQ(nn::detail::format_double(0.01), "0.01");
}

TEST(Module, UnregisterRemovesAMemberSoItsNameCanBeReused) {
  Block block;
  ASSERT_TRUE(block.remove("fc"));
  ASSERT_TRUE(block.remove("scale"));
  EXPECT_FALSE(block.remove("scale"));  // already gone
  EXPECT_FALSE(block.remove("missing"));
  EXPECT_TRUE(block.parameters().empty());
  EXPECT_TRUE(block.named_children().empty());
  EXPECT_EQ(block.state_dict().keys(), std::vector<std::string>{"count"});
  block.add("scale");  // the freed name is free again
  EXPECT_EQ(block.parameters().size(), 1u);
}


// PyTorch's load_state_dict copies with copy_, which casts (issue 15): the same values as PyTorch's
// after loading float64 values into a float32 Linear and float32 values into a float64 one.
TEST(Module, LoadStateDictCastsDtypesAsPyTorch) {
  mt::Golden g("nn_modules.json");
  for (auto [dtype, from, loaded] : {std::tuple{kFloat32, "state64", "loaded32"}, std::tuple{kFloat64, "state32", "loaded64"}}) {
    SCOPED_TRACE(loaded);
    nn::Linear fc(3, 4, nn::LinearOptions{.dtype = dtype});
    Tensor w = fc.weight();
    fc.load_state_dict(mt::state_of(g["load_cast"][from]));
    EXPECT_TRUE(w.is_same(fc.weight()));  // copied into, not replaced
    EXPECT_EQ(fc.weight().dtype(), dtype);
    for (const auto& [key, x] : fc.state_dict()) {
      EXPECT_EQ(x.to_vector(), mt::Golden::to_tensor(g["load_cast"][loaded][key]).to_vector()) << key;
    }
  }
  // A shape mismatch is still refused, with the key named.
  nn::Linear fc(3, 4);
  StateDict wrong = fc.state_dict();
  wrong.insert("bias", zeros({5}, kFloat64));
  EXPECT_THAT(error_of<ValueError>([&] { fc.load_state_dict(wrong); }),
              HasSubstr("shape mismatch for bias: the state dict has (5), the model has (4)"));
}
