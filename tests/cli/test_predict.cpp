// `minidl predict`: class and probabilities of a saved model for each row of a CSV file.
#include "cli/cli_support.h"

namespace minidl::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

class CliPredict : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    std::string config = dir_->write("small.toml", kSmallConfig);
    CliResult r = run_minidl({"train", config, "--quiet", "--out", dir_->path("run")});
    ASSERT_EQ(r.code, 0) << describe(r);
    // The test points of the run (x, y, label, predicted by the final model) without their labels.
    Csv test = read_csv_file(dir_->path("run/test_points.csv"));
    std::string points = "x,y\n";
    for (const auto& row : test.rows) points += row[0] + "," + row[1] + "\n";
    dir_->write("points.csv", points);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string model() { return dir_->path("run/model.safetensors"); }
  static TempDir* dir_;
};
TempDir* CliPredict::dir_ = nullptr;

TEST_F(CliPredict, GivesTheClassesTheTrainingPredictedAndProbabilities) {
  CliResult r = run_minidl({"predict", "--checkpoint", model(), "--input", dir_->path("points.csv")});
  ASSERT_EQ(r.code, 0) << describe(r);
  std::vector<std::string> lines = lines_of(r.out);
  Csv test = read_csv_file(dir_->path("run/test_points.csv"));
  ASSERT_EQ(lines.size(), test.rows.size() + 1);
  EXPECT_EQ(lines[0], "class,prob_0,prob_1");
  for (size_t i = 0; i < test.rows.size(); ++i) {
    int cls;
    double p0, p1;
    ASSERT_EQ(std::sscanf(lines[i + 1].c_str(), "%d,%lf,%lf", &cls, &p0, &p1), 3) << lines[i + 1];
    EXPECT_EQ(std::to_string(cls), test.rows[i][test.column("predicted")]) << "row " << i;
    EXPECT_NEAR(p0 + p1, 1.0, 1e-6);
    EXPECT_GE(p0, 0.0);
    EXPECT_GE(p1, 0.0);
    EXPECT_EQ(cls, p1 > p0 ? 1 : 0);
  }
}

TEST_F(CliPredict, WritesTheOutputFile) {
  std::string out = dir_->path("predictions.csv");
  CliResult r = run_minidl({"predict", "--checkpoint", model(), "--input", dir_->path("points.csv"), "--output", out});
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_EQ(r.out, "");
  CliResult to_stdout = run_minidl({"predict", "--checkpoint", model(), "--input", dir_->path("points.csv")});
  EXPECT_EQ(read_text(out), to_stdout.out);
}

TEST_F(CliPredict, ABadCsvIsExitCode1NamingTheFileAndLine) {
  std::string bad = dir_->write("bad.csv", "x,y\n0.5,0.5\n0.1,oops\n");
  CliResult r = run_minidl({"predict", "--checkpoint", model(), "--input", bad});
  EXPECT_EQ(r.code, 1) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(bad + ":3: column 2 ('y'): expected a number, got 'oops'"));

  std::string ragged = dir_->write("ragged.csv", "x,y\n0.5,0.5\n\n0.1\n");
  r = run_minidl({"predict", "--checkpoint", model(), "--input", ragged});
  EXPECT_EQ(r.code, 1) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(ragged + ":4: 1 columns, the header has 2"));

  std::string three = dir_->write("three.csv", "x,y,z\n0.5,0.5,1\n");
  r = run_minidl({"predict", "--checkpoint", model(), "--input", three});
  EXPECT_EQ(r.code, 1) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(three + ": 3 columns, but the model takes 2 input features"));

  std::string empty = dir_->write("empty.csv", "x,y\n");
  r = run_minidl({"predict", "--checkpoint", model(), "--input", empty});
  EXPECT_EQ(r.code, 1) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(empty + ": no rows"));

  r = run_minidl({"predict", "--checkpoint", model(), "--input", dir_->path("absent.csv")});
  EXPECT_EQ(r.code, 1) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(dir_->path("absent.csv")));
}

TEST_F(CliPredict, AMissingCheckpointIsExitCode1NamingTheFile) {
  CliResult r = run_minidl({"predict", "--checkpoint", dir_->path("absent.safetensors"), "--input", dir_->path("points.csv")});
  EXPECT_EQ(r.code, 1) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(dir_->path("absent.safetensors")));
  r = run_minidl({"predict", "--checkpoint", model()});  // --input is required
  EXPECT_EQ(r.code, 2) << describe(r);
}

}  // namespace
}  // namespace minidl::testing
