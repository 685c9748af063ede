// Character-level language modelling: truncated BPTT over parallel streams of the text, the
// state carried across batches, losses in bits per character.
#include "language_model.h"

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "experiment.h"
#include "minidl/io/checkpoint.h"
#include "sequence_layers.h"

namespace minidl::cli {

namespace fs = std::filesystem;

namespace {

// Mean cross-entropy (nats per character) of predicting each next character of `codes`, read as
// `streams` parallel streams in windows of seq_len with the state carried; eval mode, no graph.
double mean_loss(nn::Sequential& model, const Tensor& codes, int64_t streams, int64_t seq_len) {
  bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  streams = std::max<int64_t>(1, std::min(streams, codes.numel() / (seq_len + 1)));
  Tensor text = data::batchify(codes, streams);
  std::vector<nn::RecurrentState> states;
  double total = 0;
  int64_t count = 0;
  const int64_t columns = text.size(1);
  for (int64_t begin = 0; begin + 1 < columns; begin += seq_len) {
    int64_t t = std::min(seq_len, columns - 1 - begin);
    Tensor x = narrow(text, 1, begin, t), y = narrow(text, 1, begin + 1, t);
    Tensor logits = forward_carrying_state(model, x, states);  // (N, t, V)
    total += cross_entropy(logits.reshape({-1, logits.size(2)}), y.reshape({-1}), Reduction::sum).item();
    count += x.numel();
  }
  model.train(was_training);
  return total / static_cast<double>(count);
}

double bits(double nats) { return nats / std::log(2.0); }

void draw_bpc_plot(const std::string& dir, bool quiet) {
  std::ofstream gp(dir + "/bpc.gp");
  gp << "# minidl: bits per character per epoch (metrics.csv); redraw with gnuplot bpc.gp\n"
        "set terminal pngcairo size 800,500\nset output 'bpc.png'\nset datafile separator ','\n"
        "set xlabel 'epoch'\nset ylabel 'bits per character'\nset key top right\nset grid\n"
        "plot 'metrics.csv' using 1:2 skip 1 with linespoints title 'train', "
        "'metrics.csv' using 1:3 skip 1 with linespoints title 'validation', "
        "'metrics.csv' using 1:4 skip 1 with linespoints title 'test'\n";
  gp.close();
  std::string command = "cd '" + dir + "' && gnuplot bpc.gp 2>/dev/null";
  if (std::system(command.c_str()) != 0 && !quiet) std::cerr << "warning: gnuplot did not draw " << dir << "/bpc.png\n";
}

}  // namespace

std::string vocabulary_to_hex(const data::CharVocabulary& vocabulary) {
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (char c : vocabulary.chars()) {
    auto b = static_cast<unsigned char>(c);
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  return hex;
}

data::CharVocabulary vocabulary_from_hex(const std::string& hex) {
  if (hex.size() % 2) throw DataError("the stored vocabulary is not hex (odd length " + std::to_string(hex.size()) + ")");
  std::string chars;
  for (size_t i = 0; i < hex.size(); i += 2) chars.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return data::CharVocabulary(chars);
}

std::shared_ptr<nn::Sequential> build_language_model(const Config& config, int64_t vocab, uint64_t seed) {
  if (!config.layers()) {
    throw ConfigError(config.name() + ": data.source = \"chars\" needs model.layers (e.g. embedding, lstm, linear)");
  }
  Data d;
  d.input_shape = Shape{config.get_int("data.seq_len")};
  d.num_classes = vocab;
  return build_model(config, d, seed);
}

int info_language_model(const Config& config, const std::string& config_name) {
  try {
    data::TextSplits text = data::read_text_splits(config.get_string("data.path"), config.get_float("data.val_fraction"),
                                                   config.get_float("data.test_fraction"));
    auto model = build_language_model(config, text.vocabulary.size(), static_cast<uint64_t>(config.get_int("train.seed")));
    int64_t parameters = 0;
    for (const Tensor& p : model->parameters()) parameters += p.numel();
    std::cout << config_name << ": chars data, " << text.sources << ", " << text.vocabulary.size() << " characters; "
              << text.train.numel() << " train / " << text.val.numel() << " validation / " << text.test.numel()
              << " test characters; " << config.get_int("train.batch_size") << " streams of "
              << config.get_int("data.seq_len") << " characters per step\n\n"
              << *model << "\n\n" << parameters << " parameters\n";
    return kOk;
  } catch (...) {
    return command_failed("info");
  }
}

namespace {

// The text's splits; validation and test must hold one step of seq_len + 1 characters.
data::TextSplits read_checked_text(const Config& config, int64_t seq_len) {
  data::TextSplits text = data::read_text_splits(config.get_string("data.path"), config.get_float("data.val_fraction"),
                                                 config.get_float("data.test_fraction"));
  if (text.val.numel() < seq_len + 1 || text.test.numel() < seq_len + 1) {
    throw ConfigError(config.name() + ": data.val_fraction and data.test_fraction leave fewer than data.seq_len + 1 = " +
                      std::to_string(seq_len + 1) + " characters for validation or test");
  }
  return text;
}

// A model that does not end in one logit per character is a config error, found before writing.
void check_logits(const Config& config, nn::Sequential& model, int64_t vocab) {
  NoGradGuard no_grad;
  std::vector<nn::RecurrentState> states;
  Tensor probe = forward_carrying_state(model, zeros({1, 2}, kInt64), states);
  if (probe.dim() != 3 || probe.size(2) != vocab) {
    throw ConfigError(config.name() + ": a character model must map (N, T) codes to (N, T, " + std::to_string(vocab) +
                      ") logits (one per character of the vocabulary), but it gives " + to_string(probe.shape()) +
                      "; end model.layers with {type = \"linear\", out_features = 0} and use output = \"all\"");
  }
}

// One epoch of truncated backpropagation through time over the (streams, columns) codes `train`,
// from zero states; returns the summed loss over the `counted` characters.
double train_text_epoch(nn::Sequential& model, optim::Optimizer& optimizer, Schedule& schedule, const Tensor& train,
                        int64_t seq_len, double clip, int64_t& counted) {
  const int64_t columns = train.size(1);
  std::vector<nn::RecurrentState> states;  // each epoch starts from zero states
  double loss_sum = 0;
  for (int64_t begin = 0; begin + 1 < columns; begin += seq_len) {
    int64_t t = std::min(seq_len, columns - 1 - begin);
    Tensor x = narrow(train, 1, begin, t), y = narrow(train, 1, begin + 1, t);
    Tensor logits = forward_carrying_state(model, x, states);
    Tensor loss = cross_entropy(logits.reshape({-1, logits.size(2)}), y.reshape({-1}));
    optimizer.zero_grad();
    loss.backward();
    if (clip > 0) nn::utils::clip_grad_norm_(model.parameters(), clip);
    optimizer.step();
    schedule.after_step();
    loss_sum += loss.item() * static_cast<double>(x.numel());
    counted += x.numel();
  }
  return loss_sum;
}

// summary.json of a language model; `losses`: train, validation and test, in nats per character.
nlohmann::json text_summary(const std::string& config_name, const std::array<double, 3>& losses, double train_seconds,
                            int64_t chars_trained, int64_t seq_len, int64_t parameters, int64_t vocab) {
  nlohmann::json summary;
  summary["schema_version"] = 1;
  summary["config"] = config_name;
  summary["train_bpc"] = bits(losses[0]);
  summary["val_bpc"] = bits(losses[1]);
  summary["test_bpc"] = bits(losses[2]);
  summary["val_loss"] = losses[1];  // nats per character, as PyTorch's cross_entropy
  summary["test_loss"] = losses[2];
  summary["train_seconds"] = train_seconds;
  summary["chars_per_second"] = train_seconds > 0 ? static_cast<double>(chars_trained) / train_seconds : 0.0;
  summary["sequences_per_second"] =
      train_seconds > 0 ? static_cast<double>(chars_trained) / static_cast<double>(seq_len) / train_seconds : 0.0;
  summary["parameters"] = parameters;
  summary["vocabulary_size"] = vocab;
  return summary;
}

}  // namespace

int train_language_model(const Config& config, const std::string& config_name, const std::string& dir,
                         uint64_t seed, bool quiet) {
  try {
    const int64_t streams = config.get_int("train.batch_size"), seq_len = config.get_int("data.seq_len");
    const int64_t epochs = config.get_int("train.epochs");
    const double clip = config.get_float("train.clip_grad_norm");
    data::TextSplits text = read_checked_text(config, seq_len);
    const int64_t vocab = text.vocabulary.size();
    auto model = build_language_model(config, vocab, seed);
    check_logits(config, *model, vocab);
    auto optimizer = build_optimizer(config, model->parameters());
    Tensor train = data::batchify(text.train, streams);
    const int64_t columns = train.size(1);
    const int64_t steps_per_epoch = (columns - 1 + seq_len - 1) / seq_len;
    Schedule schedule(config, *optimizer, steps_per_epoch);
    int64_t parameters = 0;
    for (const Tensor& p : model->parameters()) parameters += p.numel();

    fs::create_directories(dir);
    std::ofstream(dir + "/config.toml") << "# The effective config of this run (" << config_name << " and --set)\n"
                                        << config.to_toml();
    std::ofstream metrics(dir + "/metrics.csv");
    metrics << "epoch,train_bpc,val_bpc,test_bpc,lr,seconds\n";
    if (!quiet) {
      std::cout << "minidl train " << config_name << ": character language model on " << text.sources << " ("
                << vocab << " characters; " << text.train.numel() << " train, " << text.val.numel() << " validation, "
                << text.test.numel() << " test), " << epochs << " epochs of " << steps_per_epoch << " steps, "
                << parameters << " parameters, writing " << dir << "\n";
    }
    double train_seconds = 0, val_loss = NAN, test_loss = NAN, train_loss = NAN;
    int64_t chars_trained = 0;
    model->train();
    for (int64_t epoch = 1; epoch <= epochs; ++epoch) {
      auto start = std::chrono::steady_clock::now();
      int64_t counted = 0;
      double loss_sum = train_text_epoch(*model, *optimizer, schedule, train, seq_len, clip, counted);
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      train_seconds += seconds;
      chars_trained += counted;
      train_loss = loss_sum / static_cast<double>(counted);
      val_loss = mean_loss(*model, text.val, streams, seq_len);
      test_loss = mean_loss(*model, text.test, streams, seq_len);
      schedule.after_epoch(val_loss);
      metrics << epoch << ',' << bits(train_loss) << ',' << bits(val_loss) << ',' << bits(test_loss) << ','
              << optimizer->lr(0) << ',' << seconds << '\n';
      metrics.flush();
      if (!quiet) {
        char line[200];
        std::snprintf(line, sizeof line, "epoch %lld/%lld: train %.4f, validation %.4f, test %.4f bits/char, %.1f s",
                      static_cast<long long>(epoch), static_cast<long long>(epochs), bits(train_loss), bits(val_loss),
                      bits(test_loss), seconds);
        std::cout << line << std::endl;
      }
    }
    save(model->state_dict(), dir + "/model.safetensors",
         {{"config", config.to_toml()}, {"seed", std::to_string(seed)}, {"vocabulary", vocabulary_to_hex(text.vocabulary)}});
    nlohmann::json summary = text_summary(config_name, {train_loss, val_loss, test_loss}, train_seconds, chars_trained,
                                          seq_len, parameters, vocab);
    std::ofstream(dir + "/summary.json") << summary.dump(2) << "\n";
    draw_bpc_plot(dir, quiet);
    char line[300];
    std::snprintf(line, sizeof line,
                  "validation %.4f bits/char (loss %.4f), test %.4f bits/char, %.1f s of training (%.0f chars/s), results in %s",
                  bits(val_loss), val_loss, bits(test_loss), train_seconds,
                  summary["chars_per_second"].get<double>(), dir.c_str());
    std::cout << line << "\n";
    return kOk;
  } catch (const ConfigError& e) {
    std::cerr << "minidl train: " << e.what() << "\n";
    return kUsageError;
  } catch (const ShapeError& e) {
    std::cerr << "minidl train: " << config_name << ": the model does not fit the data:\n" << e.what() << "\n";
    return kUsageError;
  } catch (const std::exception& e) {
    std::cerr << "minidl train: " << e.what() << "\n";
    return kRuntimeError;
  }
}

}  // namespace minidl::cli
