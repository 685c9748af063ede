// The loss rows of the command's registry (tools/minidl/registry/losses.cpp) as a user sets them:
// loss.reduction, class weights, pos_weight, one-hot BCE-with-logits, and their errors.
#include "cli/cli_support.h"

namespace minidl::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// The summary of `minidl train` on kSmallConfig (200 points, batch 50) with plain SGD and `sets`.
nlohmann::json train_sgd(TempDir& dir, const std::string& name, std::vector<std::string> sets) {
  std::string config = dir.write("small.toml", kSmallConfig);
  std::vector<std::string> args = {"train", config, "--quiet", "--set", "optimizer.name=sgd", "--set", "train.epochs=3",
                                   "--out", dir.path(name)};
  for (const std::string& s : sets) args.insert(args.end(), {"--set", s});
  CliResult r = run_minidl(args);
  EXPECT_EQ(r.code, 0) << describe(r);
  return read_json(dir.path(name + "/summary.json"));
}

// A summed loss steps by the sum of the batch's gradients: plain SGD on it with lr is the mean
// with lr times the terms the mean divides by (50 rows for cross-entropy, 50 x 2 outputs for an
// MSE on one-hot targets). The metrics are per-term means under either reduction, so they agree.
TEST(CliLosses, ASumIsTheMeanWithTheLearningRateTimesItsTerms) {
  TempDir dir;
  for (auto [loss, targets, terms] : {std::tuple<std::string, std::string, double>{"cross_entropy", "class", 50},
                                      {"mse", "one-hot", 100}}) {
    SCOPED_TRACE(loss);
    const double lr = 0.2;
    nlohmann::json mean = train_sgd(dir, loss + "_mean", {"loss.name=" + loss, "data.targets=" + targets,
                                                           "optimizer.lr=" + std::to_string(lr)});
    nlohmann::json sum = train_sgd(dir, loss + "_sum", {"loss.name=" + loss, "data.targets=" + targets,
                                                         "loss.reduction=sum", "optimizer.lr=" + std::to_string(lr / terms)});
    for (const char* key : {"train_loss", "test_loss", "test_accuracy"}) {
      EXPECT_NEAR(sum[key].get<double>(), mean[key].get<double>(), 1e-4 * std::abs(mean[key].get<double>()) + 1e-6)
          << key;
    }
    // And the sum is not a mean in disguise: at the same lr it trains differently.
    nlohmann::json same_lr = train_sgd(dir, loss + "_sum_same_lr", {"loss.name=" + loss, "data.targets=" + targets,
                                                                      "loss.reduction=sum", "optimizer.lr=0.002"});
    nlohmann::json mean_same_lr = train_sgd(dir, loss + "_mean_same_lr", {"loss.name=" + loss, "data.targets=" + targets,
                                                                           "optimizer.lr=0.002"});
    EXPECT_GT(std::abs(same_lr["train_loss"].get<double>() - mean_same_lr["train_loss"].get<double>()), 1e-4);
  }
}

// Equal class weights change nothing (the weighted mean divides by the weights' sum); unequal ones
// do; a weight list that does not have one value per class is a config error naming the key.
TEST(CliLosses, ClassWeightsFollowPyTorchAndAreCheckedAgainstTheClasses) {
  TempDir dir;
  auto with = [&](const std::string& name, const std::string& loss_table) {
    std::string config = dir.write(name + ".toml", std::string(kSmallConfig) + "\n[loss]\n" + loss_table + "\n");
    return run_minidl({"train", config, "--quiet", "--set", "train.epochs=2", "--out", dir.path(name)});
  };
  ASSERT_EQ(with("plain", "name = \"cross_entropy\"").code, 0);
  ASSERT_EQ(with("equal", "name = \"cross_entropy\"\nweight = [3.0, 3.0]").code, 0);
  ASSERT_EQ(with("unequal", "name = \"cross_entropy\"\nweight = [1.0, 9.0]").code, 0);
  double plain = read_json(dir.path("plain/summary.json"))["train_loss"].get<double>();
  EXPECT_NEAR(read_json(dir.path("equal/summary.json"))["train_loss"].get<double>(), plain, 1e-6 * plain);
  EXPECT_GT(std::abs(read_json(dir.path("unequal/summary.json"))["train_loss"].get<double>() - plain), 1e-4);

  CliResult r = with("three", "name = \"cross_entropy\"\nweight = [1.0, 2.0, 3.0]");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("loss.weight has 3 values; it needs one per class, 2"));
  EXPECT_FALSE(fs::exists(dir.path("three")));
  r = with("scoped", "name = \"mse\"\nweight = [1.0, 2.0]");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("loss.weight"));
}

// BCE-with-logits on one output per class with one-hot targets (report 004's loss), with and
// without pos_weight, learns the disk; pos_weight must have one value per output.
TEST(CliLosses, BceWithLogitsTakesOneHotTargetsAndPosWeight) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  for (std::string pos : {"", "[1.0, 2.0]"}) {
    std::string name = pos.empty() ? "plain" : "weighted";
    std::vector<std::string> args = {"train", config, "--quiet", "--set", "loss.name=bce_with_logits", "--set",
                                     "data.targets=one-hot", "--set", "train.epochs=20", "--out", dir.path(name)};
    if (!pos.empty()) args.insert(args.end(), {"--set", "loss.pos_weight=" + pos});
    CliResult r = run_minidl(args);
    ASSERT_EQ(r.code, 0) << describe(r);
    EXPECT_GT(read_json(dir.path(name + "/summary.json"))["test_accuracy"].get<double>(), 0.7) << name;
  }
  CliResult r = run_minidl({"train", config, "--set", "loss.name=bce_with_logits", "--set", "data.targets=one-hot",
                            "--set", "loss.pos_weight=[1.0, 2.0, 3.0]", "--out", dir.path("bad")});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("loss.pos_weight has 3 values"));
}

}  // namespace
}  // namespace minidl::testing
