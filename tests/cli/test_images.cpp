// Image runs on a small subset of the real Fashion-MNIST (Debian's dataset-fashion-mnist): an MLP
// and a small CNN train through `minidl train`, summary.json has the per-class accuracy, and the
// confusion matrix and the misclassified images are written (and drawn, with gnuplot).
#include "cli/cli_support.h"

namespace minidl::testing {
namespace {

namespace fs = std::filesystem;

bool fashion_mnist_installed() { return fs::exists("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"); }

void expect_image_run(const std::string& run, int64_t test_size) {
  nlohmann::json s = read_json(run + "/summary.json");
  ASSERT_EQ(s["per_class_accuracy"].size(), 10u);
  EXPECT_EQ(s["class_names"][0], "T-shirt/top");
  int64_t total = 0;
  for (const auto& row : s["confusion"]) {
    ASSERT_EQ(row.size(), 10u);
    for (const auto& v : row) total += v.get<int64_t>();
  }
  EXPECT_EQ(total, test_size);
  // Better than chance (10%) after one short epoch: the pipeline from bytes to logits works.
  EXPECT_GT(s["test_accuracy"].get<double>(), 0.5);
  std::vector<std::string> matrix = lines_of(read_text(run + "/confusion_matrix.dat"));
  EXPECT_EQ(matrix.size(), 10u);
  EXPECT_EQ(fs::file_size(run + "/errors.bin") % 784, 0u);
  EXPECT_EQ(lines_of(read_text(run + "/errors.csv")).size(), 1 + fs::file_size(run + "/errors.bin") / 784);
  if (gnuplot_available()) {
    EXPECT_TRUE(fs::exists(run + "/confusion.png"));
    EXPECT_TRUE(fs::exists(run + "/errors.png"));
  }
}

TEST(CliImages, MlpOnAFashionMnistSubset) {
  if (!fashion_mnist_installed()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  TempDir dir;
  CliResult r = run_minidl({"train", std::string(MINIDL_SOURCE_DIR) + "/configs/fashion-mlp.toml", "--set",
                            "data.train_limit=3000", "--set", "data.test_limit=500", "--set", "train.epochs=1",
                            "--quiet", "--out", dir.path("run")});
  ASSERT_EQ(r.code, 0) << describe(r);
  expect_image_run(dir.path("run"), 500);
}

TEST(CliImages, CnnOnAFashionMnistSubset) {
  if (!fashion_mnist_installed()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  TempDir dir;
  CliResult r = run_minidl({"train", std::string(MINIDL_SOURCE_DIR) + "/configs/fashion-cnn.toml", "--set",
                            "data.train_limit=2000", "--set", "data.test_limit=500", "--set", "train.epochs=1",
                            "--quiet", "--out", dir.path("run")});
  ASSERT_EQ(r.code, 0) << describe(r);
  expect_image_run(dir.path("run"), 500);
}

TEST(CliImages, AConvLayerOnFlatImagesIsAConfigError) {
  if (!fashion_mnist_installed()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  TempDir dir;
  CliResult r = run_minidl({"train", std::string(MINIDL_SOURCE_DIR) + "/configs/fashion-cnn.toml", "--set",
                            "data.flatten=true", "--set", "data.train_limit=100", "--set", "data.test_limit=100",
                            "--out", dir.path("run")});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, ::testing::HasSubstr("data.flatten = false"));
  EXPECT_FALSE(fs::exists(dir.path("run")));
}

}  // namespace
}  // namespace minidl::testing
