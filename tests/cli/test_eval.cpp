// `minidl eval`: a saved model on its config's test set, as text or JSON; a PyTorch state_dict
// works as it is; broken, missing or mismatched checkpoints are exit code 1 naming the file.
#include "cli/cli_support.h"

namespace minidl::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// A trained small run in a temporary folder, shared by the tests of this file.
class CliEval : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    config_ = dir_->write("small.toml", kSmallConfig);
    CliResult r = run_minidl({"train", config_, "--runs", "2", "--quiet", "--out", dir_->path("run")});
    ASSERT_EQ(r.code, 0) << describe(r);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string model() { return dir_->path("run/model.safetensors"); }
  static TempDir* dir_;
  static std::string config_;
};
TempDir* CliEval::dir_ = nullptr;
std::string CliEval::config_;

TEST_F(CliEval, ReproducesTheTestResultsOfTheLastRunFromTheCheckpointAlone) {
  CliResult r = run_minidl({"eval", "--checkpoint", model(), "--json"});
  ASSERT_EQ(r.code, 0) << describe(r);
  nlohmann::json e = nlohmann::json::parse(r.out);  // one JSON object, nothing else on stdout
  nlohmann::json last_run = read_json(dir_->path("run/summary.json"))["runs"][1];
  EXPECT_EQ(e["seed"], 1);  // the model is run 1's: its data is drawn with seed 0 + 1
  EXPECT_EQ(e["test_size"], 200);
  EXPECT_EQ(e["test_accuracy"], last_run["test_accuracy"]);
  EXPECT_NEAR(e["test_loss"].get<double>(), last_run["test_loss"].get<double>(), 1e-12);
  EXPECT_EQ(e["confusion"], last_run["confusion"]);
}

TEST_F(CliEval, PrintsLossAccuracyAndTheConfusionMatrix) {
  CliResult r = run_minidl({"eval", config_, "--checkpoint", model()});
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("test set of 200 examples"));
  EXPECT_THAT(r.out, HasSubstr("test loss "));
  EXPECT_THAT(r.out, HasSubstr("test accuracy "));
  EXPECT_THAT(r.out, HasSubstr("confusion matrix (rows: true class, columns: predicted class)"));
  EXPECT_THAT(r.out, HasSubstr("(200 examples)"));
}

TEST_F(CliEval, ReadsTheModelOfATrainingCheckpointToo) {
  CliResult r = run_minidl({"eval", "--checkpoint", dir_->path("run/checkpoint.safetensors"), "--json"});
  ASSERT_EQ(r.code, 0) << describe(r);
  nlohmann::json last_run = read_json(dir_->path("run/summary.json"))["runs"][1];
  EXPECT_EQ(nlohmann::json::parse(r.out)["test_accuracy"], last_run["test_accuracy"]);
}

TEST_F(CliEval, AMissingCheckpointIsExitCode1NamingTheFile) {
  std::string absent = dir_->path("absent.safetensors");
  CliResult r = run_minidl({"eval", "--checkpoint", absent});
  EXPECT_EQ(r.code, 1) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(absent));
  EXPECT_EQ(r.out, "");
}

TEST_F(CliEval, ABrokenCheckpointIsExitCode1NamingTheFile) {
  std::string bytes = read_text(model());
  std::string truncated = dir_->write("truncated.safetensors", bytes.substr(0, bytes.size() - 10));
  CliResult r = run_minidl({"eval", config_, "--checkpoint", truncated});
  EXPECT_EQ(r.code, 1) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(truncated));
  std::string text = dir_->write("text.safetensors", "this is not a model");
  r = run_minidl({"eval", config_, "--checkpoint", text});
  EXPECT_EQ(r.code, 1) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(text));
}

TEST_F(CliEval, AMismatchedCheckpointIsExitCode1NamingTheFileAndTheTensors) {
  // A model of another architecture (2-8-2) read into the config's 2-25-25-25-2.
  std::string other = dir_->write("other.toml", std::string(kSmallConfig) + R"(
[model]
layers = [{ type = "linear", out_features = 8 }, { type = "relu" }, { type = "linear", out_features = 2 }]
)");
  CliResult r = run_minidl({"train", other, "--set", "train.epochs=1", "--quiet", "--out", dir_->path("other")});
  ASSERT_EQ(r.code, 0) << describe(r);
  std::string file = dir_->path("other/model.safetensors");
  r = run_minidl({"eval", config_, "--checkpoint", file});
  EXPECT_EQ(r.code, 1) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(file + ": does not match the model"));
  EXPECT_THAT(r.err, HasSubstr("tensor '0.weight': (8, 2) float32 in the file, (25, 2) float32 expected"));
  EXPECT_THAT(r.err, HasSubstr("missing tensor '4.weight'"));
}

TEST_F(CliEval, ConfigErrorsAreExitCode2) {
  CliResult r = run_minidl({"eval", "--checkpoint", model(), "--set", "optimizer.momentun=0.9"});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("did you mean 'optimizer.momentum'?"));
  r = run_minidl({"eval", dir_->path("absent.toml"), "--checkpoint", model()});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(dir_->path("absent.toml")));
  r = run_minidl({"eval", config_});  // --checkpoint is required
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("--checkpoint"));
}

// The PyTorch side: the same 2-25-25-25-2 ReLU network as an nn.Sequential, its state_dict
// written as safetensors by hand (Debian has no python3-safetensors), and its softmax outputs on
// a CSV of points, which `minidl predict` must reproduce; `minidl eval` runs on it.
TEST(CliPyTorch, EvalAndPredictAPyTorchStateDict) {
  if (!torch_available()) GTEST_SKIP() << "python3-torch not installed (/usr/bin/python3 cannot import torch)";
  TempDir dir;
  dir.write("make.py", R"PY(
import json, struct, torch
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(2, 25), torch.nn.ReLU(), torch.nn.Linear(25, 25), torch.nn.ReLU(),
                            torch.nn.Linear(25, 25), torch.nn.ReLU(), torch.nn.Linear(25, 2))
# A few steps on the disk task, so that the outputs are not those of an initialisation.
x = torch.rand(500, 2)
y = (((x - 0.5) ** 2).sum(1) < 1 / (2 * torch.pi)).long()
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for _ in range(100):
    opt.zero_grad()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
header, blobs, offset = {}, [], 0
for name, t in model.state_dict().items():
    data = t.detach().contiguous().numpy().tobytes()
    header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
    blobs.append(data)
    offset += len(data)
text = json.dumps(header).encode()
with open('torch.safetensors', 'wb') as f:
    f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))
points = torch.rand(50, 2)
with open('points.csv', 'w') as f:
    f.write('x,y\n')
    for p in points.tolist():
        f.write('%r,%r\n' % (p[0], p[1]))
points = torch.tensor([[float(v) for v in line.split(',')] for line in open('points.csv').read().split()[1:]])
with torch.no_grad():
    probs = torch.softmax(model(points), 1)
with open('expected.csv', 'w') as f:
    for p in probs.tolist():
        f.write('%r,%r\n' % (p[0], p[1]))
)PY");
  std::string command = "cd '" + dir.dir() + "' && /usr/bin/python3 make.py 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::string config = dir.write("small.toml", kSmallConfig);

  CliResult r = run_minidl({"predict", config, "--set", "data.standardize=false", "--checkpoint",
                            dir.path("torch.safetensors"), "--input", dir.path("points.csv")});
  ASSERT_EQ(r.code, 0) << describe(r);
  std::vector<std::string> lines = lines_of(r.out), expected = lines_of(read_text(dir.path("expected.csv")));
  ASSERT_EQ(lines.size(), 51u) << r.out;
  EXPECT_EQ(lines[0], "class,prob_0,prob_1");
  ASSERT_EQ(expected.size(), 50u);
  for (size_t i = 0; i < 50; ++i) {
    double p0, p1, q0, q1;
    int cls;
    ASSERT_EQ(std::sscanf(lines[i + 1].c_str(), "%d,%lf,%lf", &cls, &p0, &p1), 3) << lines[i + 1];
    ASSERT_EQ(std::sscanf(expected[i].c_str(), "%lf,%lf", &q0, &q1), 2) << expected[i];
    EXPECT_NEAR(p0, q0, 1e-5) << "row " << i;
    EXPECT_NEAR(p1, q1, 1e-5) << "row " << i;
    EXPECT_EQ(cls, q1 > q0 ? 1 : 0) << "row " << i;
  }

  r = run_minidl({"eval", config, "--set", "data.standardize=false", "--checkpoint", dir.path("torch.safetensors"),
                  "--json"});
  ASSERT_EQ(r.code, 0) << describe(r);
  nlohmann::json e = nlohmann::json::parse(r.out);
  EXPECT_GE(e["test_accuracy"].get<double>(), 0.0);
  EXPECT_LE(e["test_accuracy"].get<double>(), 1.0);
  EXPECT_GT(e["test_accuracy"].get<double>(), 0.8);  // 100 Adam steps learn the disk roughly
}

}  // namespace
}  // namespace minidl::testing
