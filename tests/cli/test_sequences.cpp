// The command's sequence layers and data: sequential Fashion-MNIST with rnn/lstm/gru layers,
// the character language model (truncated BPTT, bits per character) and `minidl generate`.
// Tiny sizes: each test runs in about a second.
#include <cmath>

#include "cli/cli_support.h"

namespace minidl::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
namespace fs = std::filesystem;

const char* kRowsConfig = R"(
[data]
source = "fashion-mnist"
flatten = false
rows_as_steps = true
train_limit = 256
test_limit = 64

[model]
layers = [
  { type = "lstm", hidden_size = 8, output = "last" },
  { type = "linear", out_features = 10 },
]

[train]
batch_size = 64
epochs = 1
)";

const char* kCharsConfig = R"(
[data]
source = "chars"
seq_len = 16
val_fraction = 0.1
test_fraction = 0.1

[model]
layers = [
  { type = "embedding", embedding_dim = 8 },
  { type = "gru", hidden_size = 24, output = "all" },
  { type = "linear", out_features = 0 },
]

[optimizer]
name = "adam"
lr = 0.01

[train]
batch_size = 4
epochs = 3
clip_grad_norm = 1.0
)";

// A repetitive text: a model that learns anything beats the uniform log2(vocabulary) bits.
std::string sample_text() {
  std::string text;
  for (int i = 0; i < 60; ++i) text += "the cat sat on the mat. the dog ate the hat.\n";
  return text;
}

TEST(CliSequences, SequentialFashionMnistTrainsRecurrentLayers) {
  TempDir dir;
  std::string config = dir.write("rows.toml", kRowsConfig);
  CliResult r = run_minidl({"train", config, "--out", dir.path("lstm"), "--quiet"});
  ASSERT_EQ(r.code, 0) << describe(r);
  nlohmann::json s = read_json(dir.path("lstm/summary.json"));
  EXPECT_EQ(s["parameters"], 4 * 8 * (28 + 8) + 2 * 4 * 8 + 8 * 10 + 10);
  EXPECT_GT(s["test_accuracy"].get<double>(), 0.1);  // above chance after one epoch
  // A bidirectional GRU whose every step feeds a flatten and a linear layer.
  r = run_minidl({"train", config, "--out", dir.path("gru"), "--quiet", "--set",
                  "model.layers=[{type=\"gru\",hidden_size=4,bidirectional=true,num_layers=2},{type=\"flatten\"},"
                  "{type=\"linear\",out_features=10}]"});
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_EQ(read_json(dir.path("gru/summary.json"))["parameters"],
            2 * (3 * 4 * 28 + 3 * 4 * 4 + 2 * 12) + 2 * (3 * 4 * 8 + 3 * 4 * 4 + 2 * 12) + 28 * 8 * 10 + 10);
}

TEST(CliSequences, RecurrentLayersOnImagesOrBadOptionsAreConfigErrors) {
  TempDir dir;
  std::string config = dir.write("rows.toml", kRowsConfig);
  CliResult r = run_minidl({"train", config, "--out", dir.path("a"), "--set", "data.rows_as_steps=false"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("model.layers[0]: a lstm layer needs examples of (T, features)"));
  EXPECT_THAT(r.err, HasSubstr("(1, 28, 28)"));
  r = run_minidl({"train", config, "--out", dir.path("b"), "--set",
                  "model.layers=[{type=\"rnn\",hidden_size=4,output=\"first\"}]"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("model.layers[0].output: must be \"all\" or \"last\", got \"first\""));
  r = run_minidl({"train", config, "--out", dir.path("c"), "--set", "model.layers=[{type=\"lstm\",hiden_size=4}]"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("did you mean 'hidden_size'"));
  EXPECT_FALSE(fs::exists(dir.path("a")));
}

TEST(CliSequences, CharacterModelLearnsAndGenerates) {
  TempDir dir;
  std::string text = dir.write("text.txt", sample_text());
  std::string config = dir.write("chars.toml", kCharsConfig);
  CliResult r = run_minidl({"train", config, "--set", "data.path=\"" + text + "\"", "--out", dir.path("run")});
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("bits/char"));
  for (const char* file : {"config.toml", "metrics.csv", "model.safetensors", "summary.json"}) {
    EXPECT_TRUE(fs::exists(dir.path("run/") + file)) << file;
  }
  nlohmann::json s = read_json(dir.path("run/summary.json"));
  int64_t vocab = s["vocabulary_size"].get<int64_t>();
  EXPECT_EQ(vocab, 14);  // "the cat sat on the mat. the dog ate the hat.\n" has 14 distinct characters
  EXPECT_LT(s["val_bpc"].get<double>(), 0.75 * std::log2(static_cast<double>(vocab)));
  EXPECT_NEAR(s["val_bpc"].get<double>(), s["val_loss"].get<double>() / std::log(2.0), 1e-9);
  EXPECT_EQ(lines_of(read_text(dir.path("run/metrics.csv"))).size(), 4u);  // header + 3 epochs

  std::string model = dir.path("run/model.safetensors");
  CliResult a = run_minidl({"generate", "--checkpoint", model, "--prompt", "the ", "--length", "40", "--seed", "3"});
  ASSERT_EQ(a.code, 0) << describe(a);
  EXPECT_THAT(a.out, StartsWith("the "));
  EXPECT_EQ(a.out.size(), 4u + 40u + 1u);  // prompt, 40 characters, newline
  CliResult b = run_minidl({"generate", "--checkpoint", model, "--prompt", "the ", "--length", "40", "--seed", "3"});
  EXPECT_EQ(a.out, b.out);  // same seed, same text
  CliResult cold = run_minidl({"generate", "--checkpoint", model, "--prompt", "the ", "--length", "40", "--seed", "3",
                               "--temperature", "0.05"});
  ASSERT_EQ(cold.code, 0) << describe(cold);
  EXPECT_THAT(cold.out, HasSubstr("the "));
  CliResult bad = run_minidl({"generate", "--checkpoint", model, "--prompt", "XYZ"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--prompt: CharVocabulary: byte 88 at position 0 is not in the vocabulary"));
}

TEST(CliSequences, CharacterModelWithoutOneLogitPerCharacterIsAConfigError) {
  TempDir dir;
  std::string text = dir.write("text.txt", sample_text());
  std::string config = dir.write("chars.toml", kCharsConfig);
  CliResult r = run_minidl({"train", config, "--set", "data.path=\"" + text + "\"", "--out", dir.path("run"), "--set",
                            "model.layers=[{type=\"embedding\",embedding_dim=4},{type=\"lstm\",hidden_size=4,output=\"last\"},"
                            "{type=\"linear\",out_features=0}]"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("a character model must map (N, T) codes to (N, T, 14) logits"));
  EXPECT_FALSE(fs::exists(dir.path("run")));
}

TEST(CliSequences, InfoShowsACharacterModelAndEvalRefusesItClearly) {
  TempDir dir;
  std::string text = dir.write("text.txt", sample_text());
  std::string config = dir.write("chars.toml", kCharsConfig);
  CliResult r = run_minidl({"info", config, "--set", "data.path=\"" + text + "\""});
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("14 characters"));
  EXPECT_THAT(r.out, HasSubstr("GRU(8, 24, batch_first=true)"));
  r = run_minidl({"train", config, "--set", "data.path=\"" + text + "\"", "--set", "train.epochs=1", "--out",
                  dir.path("run"), "--quiet"});
  ASSERT_EQ(r.code, 0) << describe(r);
  r = run_minidl({"eval", "--checkpoint", dir.path("run/model.safetensors")});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("eval, predict and grid do not take it yet"));
}

}  // namespace
}  // namespace minidl::testing
