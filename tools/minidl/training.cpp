// Training (training.h): the loop of a training job, its checkpoints and its summary.json.
#include "training.h"

#include <sys/resource.h>

#include <signal.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "minidl/dist/collectives.h"
#include "minidl/dist/process_group.h"
#include "minidl/io/atomic_file.h"
#include "minidl/io/checkpoint.h"
#include "curve_means.h"
#include "plots.h"
#include "statistics.h"
#include "system_report.h"

namespace minidl::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

volatile std::sig_atomic_t g_signals = 0;

// Set while the program loads (static initialisation, before main): the reference of
// summary.json's startup_seconds.
const auto g_process_start = std::chrono::steady_clock::now();
std::optional<std::chrono::steady_clock::time_point> g_first_epoch_start;

void on_signal(int) {
  // First signal: finish the current step, checkpoint, exit 130. Second: exit at once.
  if (g_signals > 0) std::_Exit(kInterrupted);
  g_signals = 1;
}

struct SignalGuard {
  SignalGuard() {
    g_signals = 0;
    // SA_ONSTACK: on the alternate stack minidl gives a thread before oneDNN's sgemm runs there,
    // whose kernels point rsp into the heap (src/signal_safety.h); on the normal stack elsewhere.
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART | SA_ONSTACK;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
  }
  ~SignalGuard() {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
  }
};

struct RunResult {
  uint64_t seed = 0;
  int64_t epochs = 0;
  double train_seconds = 0;
  Evaluation train, test, val;
  bool has_val = false;
};

json result_json(const RunResult& r, int64_t train_size) {
  json j;
  j["seed"] = r.seed;
  j["epochs"] = r.epochs;
  j["train_accuracy"] = r.train.accuracy;
  j["train_loss"] = r.train.loss;
  j["test_accuracy"] = r.test.accuracy;
  j["test_loss"] = r.test.loss;
  if (r.has_val) {
    j["val_accuracy"] = r.val.accuracy;
    j["val_loss"] = r.val.loss;
  }
  j["train_seconds"] = r.train_seconds;
  j["epochs_per_second"] = r.train_seconds > 0 ? static_cast<double>(r.epochs) / r.train_seconds : 0.0;
  j["samples_per_second"] =
      r.train_seconds > 0 ? static_cast<double>(r.epochs * train_size) / r.train_seconds : 0.0;
  std::vector<std::vector<int64_t>> confusion;
  int64_t c = r.test.confusion.num_classes();
  for (int64_t t = 0; t < c; ++t) {
    std::vector<int64_t> row;
    for (int64_t p = 0; p < c; ++p) row.push_back(r.test.confusion.count(t, p));
    confusion.push_back(row);
  }
  j["confusion"] = confusion;
  return j;
}

// The final model of a run, with its standardisation statistics ("standardizer.mean", ".std"),
// its config and its seed (which draws the disk data of the run, for `minidl eval`).
void save_model(Run& run, const std::string& path, const std::string& config_toml) {
  StateDict state = run.model().state_dict();
  if (run.data().standardizer) state.merge(run.data().standardizer->state_dict(), "standardizer.");
  save(state, path, {{"config", config_toml}, {"seed", std::to_string(run.seed())}});
}

// Keeps the rows of a CSV (after its header) for which keep(cells) holds: the rows written after
// the checkpoint being resumed from are dropped, so they are not there twice. A last line without
// its newline was torn by a crash (its numbers may be cut short) and is dropped too.
void filter_csv(const std::string& path, const std::function<bool(const std::vector<std::string>&)>& keep) {
  std::ifstream in(path);
  std::string header, line, kept;
  if (!std::getline(in, header)) return;
  while (std::getline(in, line) && !in.eof()) {  // eof: the line ended without '\n'
    std::vector<std::string> cells = split_csv_line(line);
    auto whole = [](const std::string& c) {
      return !c.empty() && c.size() <= 18 && c.find_first_not_of("0123456789") == std::string::npos;
    };
    if (cells.size() >= 2 && whole(cells[0]) && whole(cells[1]) && keep(cells)) kept += line + "\n";  // damaged rows go
  }
  in.close();
  write_file_atomically(path, header + "\n" + kept);  // a crash here leaves the old file, not half of it
}

// True on every rank when `flag` is true on any: the decisions that end an epoch early (a
// signal, the test hook) must be the same on every rank of a data-parallel run, or the ranks
// would wait for each other in different collectives.
bool any_rank(bool flag, bool data_parallel) {
  if (!data_parallel || dist::world_size() == 1) return flag;
  Tensor t = scalar_tensor(flag ? 1 : 0, kInt64);
  dist::all_reduce(t);
  return t.item() > 0;
}

}  // namespace

json summary_json(const json& runs, const std::string& config, int64_t parameters,
                  const std::vector<std::string>& class_names) {
  json s;
  s["schema_version"] = 1;
  s["config"] = config;
  for (const char* key : {"test_accuracy", "train_accuracy", "test_loss", "train_loss", "train_seconds",
                          "epochs_per_second", "samples_per_second"}) {
    s[key] = mean_over(runs, key);
  }
  s["test_accuracy_std"] = std_over(runs, "test_accuracy");
  if (!runs.empty() && runs[0].contains("val_accuracy")) s["val_accuracy"] = mean_over(runs, "val_accuracy");
  s["parameters"] = parameters;
  std::vector<std::vector<int64_t>> confusion;
  for (const auto& r : runs) {
    auto c = r["confusion"].get<std::vector<std::vector<int64_t>>>();
    if (confusion.empty()) confusion.assign(c.size(), std::vector<int64_t>(c.size(), 0));
    for (size_t i = 0; i < c.size(); ++i)
      for (size_t k = 0; k < c.size(); ++k) confusion[i][k] += c[i][k];
  }
  s["confusion"] = confusion;
  std::vector<double> per_class;
  for (size_t i = 0; i < confusion.size(); ++i) {
    int64_t total = 0;
    for (int64_t v : confusion[i]) total += v;
    per_class.push_back(total ? static_cast<double>(confusion[i][i]) / static_cast<double>(total) : 0.0);
  }
  s["per_class_accuracy"] = per_class;
  s["class_names"] = class_names;
  s["runs"] = runs;
  return s;
}

std::string summary_line(const json& summary, bool classification, int64_t runs, const std::string& dir) {
  char line[4096];
  if (classification) {
    // The training rate in the unit that reads well: epochs/s for small sets, samples/s for images.
    double eps = summary["epochs_per_second"].get<double>();
    std::string rate = eps >= 10 ? std::to_string(static_cast<long long>(std::lround(eps))) + " epochs/s"
                                 : std::to_string(static_cast<long long>(std::lround(
                                       summary["samples_per_second"].get<double>()))) + " samples/s";
    char spread[80] = "";  // a std over one run says nothing
    if (runs > 1) {
      std::snprintf(spread, sizeof spread, " (std %.2f%% over %lld runs)", 100 * summary["test_accuracy_std"].get<double>(),
                    static_cast<long long>(runs));
    }
    std::snprintf(line, sizeof line,
                  "test accuracy %.2f%%%s, train accuracy %.2f%%, %.3f s of training per run (%s), results in %s",
                  100 * summary["test_accuracy"].get<double>(), spread, 100 * summary["train_accuracy"].get<double>(),
                  summary["train_seconds"].get<double>(), rate.c_str(), dir.c_str());
  } else {
    std::snprintf(line, sizeof line, "test loss %.6g, train loss %.6g, %.3f s of training per run, results in %s",
                  summary["test_loss"].get<double>(), summary["train_loss"].get<double>(),
                  summary["train_seconds"].get<double>(), dir.c_str());
  }
  return line;
}

std::string metadata_of(const Checkpoint& c, const std::string& file, const std::string& key) {
  auto it = c.metadata.find(key);
  if (it == c.metadata.end()) {
    throw CheckpointError(file + ": no '" + key + "' in its metadata (is it a checkpoint of `minidl train`?)");
  }
  return it->second;
}

double metadata_number(const Checkpoint& c, const std::string& file, const std::string& key) {
  std::string text = metadata_of(c, file, key);
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);  // also the hexfloats and "inf" that write_checkpoint writes
  if (text.empty() || *end != '\0' || std::isnan(v)) {
    throw CheckpointError(file + ": metadata '" + key + "' = '" + text + "' is not a number (a damaged checkpoint)");
  }
  return v;
}

int64_t counter_of(const Checkpoint& c, const std::string& file, const std::string& key) {
  auto it = c.counters.find(key);
  if (it == c.counters.end()) throw CheckpointError(file + ": no counter '" + key + "' (a damaged checkpoint)");
  return it->second;
}

Training::Training(const TrainJob& job, std::unique_ptr<Run> first)
    : job_(job),
      config_(*job.config),
      run_(std::move(first)),
      resuming_(job.resume != nullptr),
      data_parallel_(job.data_parallel && dist::world_size() > 1),
      writer_(!data_parallel_ || dist::rank() == 0),  // the other ranks of a data-parallel run write nothing
      world_(data_parallel_ ? dist::world_size() : 1),
      epochs_(config_.get_int("train.epochs")) {
  // Test hook (tests/cli): MINIDL_STOP_AFTER_STEPS=N acts as a Ctrl-C after the N-th optimizer
  // step of this process, so that tests interrupt a training at exact points without racing
  // real signals.
  const char* stop_env = std::getenv("MINIDL_STOP_AFTER_STEPS");
  stop_after_steps_ = stop_env ? std::atoll(stop_env) : 0;
}

Checkpoint Training::state() const {
  Checkpoint c;
  c.parts = run_->state();
  c.counters = {{"run", run_->index()}, {"runs", job_.runs},         {"seed", job_.seed},
                {"iteration", iteration_}, {"bad_epochs", bad_epochs_}, {"world_size", world_}};
  std::ostringstream ts, bv;
  ts << std::hexfloat << train_seconds_;
  bv << std::hexfloat << best_val_;
  c.metadata = {{"config", config_toml_},        {"config_name", job_.config_name}, {"completed_runs", completed_.dump()},
                {"train_seconds", ts.str()}, {"best_val", bv.str()}};
  return c;
}

void Training::load_state(const Checkpoint& c) {
  std::string ckpt = job_.dir + "/checkpoint.safetensors";
  run_->load_state(c.parts);
  completed_ = json::parse(c.metadata.at("completed_runs"));
  train_seconds_ = metadata_number(c, ckpt, "train_seconds");
  best_val_ = metadata_number(c, ckpt, "best_val");
  iteration_ = c.counters.at("iteration");
  bad_epochs_ = c.counters.at("bad_epochs");
}

void Training::write_checkpoint() {
  if (writer_) save_checkpoint(out_->file("checkpoint.safetensors"), state());
}

int Training::failed(int code) {
  std::error_code ec;
  if (writer_ && !resuming_ && epochs_written_ == 0) fs::remove_all(job_.dir, ec);
  return code;
}

// One writer per run folder; a fresh run that fails before its first epoch leaves no folder.
int Training::lock_folder() {
  try {
    if (writer_) lock_ = std::make_unique<RunLock>(job_.dir);
  } catch (const std::exception& e) {
    std::cerr << "minidl " << job_.command << ": " << e.what() << "\n";
    return kRuntimeError;
  }
  if (writer_ && !resuming_ && !lock_->was_empty()) {
    std::cerr << "minidl " << job_.command << ": " << job_.dir
              << " is not empty (another run wrote it meanwhile); choose another folder\n";
    return kUsageError;
  }
  return kOk;
}

void Training::open_folder() {
  if (resuming_) {
    // The rows written after the checkpoint go (replaced atomically) before the files are
    // opened for appending, so they are not there twice.
    load_state(*job_.resume);
    int64_t r0 = run_->index(), e0 = run_->epochs_done(), it0 = iteration_;
    if (writer_) filter_csv(job_.dir + "/metrics.csv", [&](const std::vector<std::string>& c) {
      return std::stoll(c[0]) < r0 || (std::stoll(c[0]) == r0 && std::stoll(c[1]) <= e0);
    });
    if (writer_) filter_csv(job_.dir + "/iterations.csv", [&](const std::vector<std::string>& c) {
      return std::stoll(c[0]) < r0 || (std::stoll(c[0]) == r0 && std::stoll(c[1]) < it0);
    });
  }
  out_.emplace(job_.dir, resuming_, writer_);
  config_toml_ = config_.to_toml();
  if (!resuming_ && writer_) {
    write_file_atomically(out_->file("config.toml"),
                          "# The effective config of this run (" + job_.config_name + " and --set)\n" + config_toml_);
  }
}

void Training::print_start() {
  for (const Tensor& p : run_->model().parameters()) parameters_ += p.numel();
  train_size_ = run_->data().train->size();
  progress_.emplace(Progress::detect(job_.quiet), job_.runs, epochs_, run_->batches_per_epoch());
  if (!job_.quiet) {
    std::cout << "minidl " << job_.command << " " << job_.config_name << ": " << job_.runs
              << (job_.runs == 1 ? " run" : " runs") << " of " << epochs_ << " epochs, " << parameters_ << " parameters, "
              << run_->objective().repr << ", " << config_.get_string("optimizer.name") << ", writing " << job_.dir << "\n";
  }
}

int Training::run(json* summary_out) {
  if (int code = lock_folder()) return code;
  try {
    open_folder();
    print_start();
    SignalGuard signals;
    if (resuming_) {  // continue exactly where the checkpoint left
      progress_->message("resuming run " + std::to_string(run_->index() + 1) + " at epoch " +
                         std::to_string(run_->epochs_done() + 1) + " from " + job_.dir + "/checkpoint.safetensors");
    }
    return train_runs(summary_out);
  } catch (...) {
    return failed(command_failed(job_.command));
  }
}

int Training::train_runs(json* summary_out) {
  last_checkpoint_ = std::chrono::steady_clock::now();
  bool interrupted = false;
  for (int64_t r = run_->index(); r < job_.runs && !interrupted; ++r) {
    EpochEnd end = EpochEnd::next;
    while (run_->epochs_done() < epochs_ && end == EpochEnd::next) {
      int64_t epoch = run_->epochs_done() + 1;
      try {
        end = train_epoch(epoch);
      } catch (const Diverged& d) {
        return diverged(d, epoch, summary_out);
      }
    }
    interrupted = end == EpochEnd::interrupted;
    if (!interrupted) finish_run();
  }
  out_->flush();
  if (interrupted) {
    write_checkpoint();
    if (writer_ && !job_.scratch) {
      std::cerr << "\nminidl " << job_.command << ": interrupted; the checkpoint is in " << job_.dir
                << "/checkpoint.safetensors, continue with: "
                << (world_ > 1 ? "mpirun -n " + std::to_string(world_) + " " : std::string()) << "minidl train --resume "
                << job_.dir << "\n";
    }
    return kInterrupted;
  }
  return finish(summary_out);
}

Training::EpochEnd Training::train_epoch(int64_t epoch) {
  Run& run = *run_;
  int64_t r = run.index();
  progress_->start_epoch(r, epoch);
  if (!g_first_epoch_start) g_first_epoch_start = std::chrono::steady_clock::now();
  double epoch_fraction = 1.0 / static_cast<double>(run.batches_per_epoch());
  int64_t batch_in_epoch = run.batches_done_in_epoch();  // not 0 in an epoch resumed mid-way
  EpochStats stats;
  auto start = std::chrono::steady_clock::now();
  bool finished = run.train_epoch(
      [&](double loss) {
        out_->add_iteration(r, iteration_++, static_cast<double>(epoch - 1) +
                                                 static_cast<double>(++batch_in_epoch) * epoch_fraction, loss);
        progress_->batch(loss, train_size_ / run.batches_per_epoch());
        if (++steps_this_process_ == stop_after_steps_) g_signals = 1;
      },
      [&] { return any_rank(g_signals > 0, data_parallel_); }, stats);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  train_seconds_ += seconds;
  if (!finished) return EpochEnd::interrupted;
  return after_epoch(epoch, stats, seconds);
}

// The epoch's evaluation, its row, early stopping and the periodic checkpoint.
Training::EpochEnd Training::after_epoch(int64_t epoch, const EpochStats& stats, double seconds) {
  Run& run = *run_;
  const Data& d = run.data();
  Evaluation test = evaluate(run.model(), run.objective(), *d.test, d.num_classes);
  Evaluation val;
  if (d.val) val = evaluate(run.model(), run.objective(), *d.val, d.num_classes);
  run.end_epoch(d.val ? val.loss : stats.loss);
  out_->add_epoch({run.index(), epoch, stats.loss, stats.accuracy, val.loss, val.accuracy, test.loss, test.accuracy,
                   stats.lr, seconds});
  ++epochs_written_;
  progress_->end_epoch(stats.loss, stats.accuracy, test.accuracy, seconds, test.loss);
  EpochEnd end = EpochEnd::next;
  int64_t patience = config_.get_int("train.early_stopping_patience");
  if (d.val && patience > 0) {  // early stopping on the validation loss
    if (val.loss < best_val_) {
      best_val_ = val.loss;
      bad_epochs_ = 0;
      if (writer_) save_model(run, out_->file("best.safetensors"), config_toml_);
    } else if (++bad_epochs_ >= patience) {
      progress_->message("early stopping: no better validation loss for " + std::to_string(patience) + " epochs");
      end = EpochEnd::stop_early;
    }
  }
  if (any_rank(g_signals > 0, data_parallel_)) return EpochEnd::interrupted;
  auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - last_checkpoint_).count() >= config_.get_float("train.checkpoint_seconds")) {
    write_checkpoint();
    last_checkpoint_ = std::chrono::steady_clock::now();
  }
  return end;
}

// The run is over: its final figures in eval mode, then the next run (or the last run's files).
void Training::finish_run() {
  Run& run = *run_;
  int64_t r = run.index();
  // The training's final checkpoint comes before the last run's results are added, so a resume
  // from it computes them once.
  if (r + 1 == job_.runs) write_checkpoint();
  RunResult result;
  result.seed = run.seed();
  result.epochs = run.epochs_done();
  result.train_seconds = train_seconds_;
  const Data& d = run.data();
  result.train = evaluate(run.model(), run.objective(), *d.train, d.num_classes);
  result.test = evaluate(run.model(), run.objective(), *d.test, d.num_classes);
  if (d.val) {
    result.has_val = true;
    result.val = evaluate(run.model(), run.objective(), *d.val, d.num_classes);
  }
  completed_.push_back(result_json(result, train_size_));
  if (job_.runs > 1) {
    char line[160];
    std::snprintf(line, sizeof line, "run %lld/%lld (seed %llu): test accuracy %.2f%%, %.3f s of training",
                  static_cast<long long>(r + 1), static_cast<long long>(job_.runs),
                  static_cast<unsigned long long>(result.seed), 100 * result.test.accuracy, result.train_seconds);
    progress_->message(line);
  }
  train_seconds_ = 0;
  best_val_ = INFINITY;
  bad_epochs_ = 0;
  if (r + 1 == job_.runs) {  // the last run's model, plots data
    if (writer_) save_model(run, out_->file("model.safetensors"), config_toml_);
    out_->write_disk_plot_data(run);
    out_->write_image_plot_data(run);
    return;
  }
  run_.reset();
  // A resume from here starts the next run.
  run_ = std::make_unique<Run>(config_, r + 1, static_cast<uint64_t>(job_.seed + r + 1), data_parallel_);
  write_checkpoint();
  last_checkpoint_ = std::chrono::steady_clock::now();
}

// The divergence rule: the run stops at its first non-finite loss or gradient, exit 1, and
// summary.json says where (the runs completed before it keep their results).
int Training::diverged(const Diverged& d, int64_t epoch, json* summary_out) {
  Run& run = *run_;
  out_->flush();
  std::ostringstream value;
  value << d.value;
  double lr = config_.get_float("optimizer.lr");
  json summary = summary_json(completed_, job_.config_name, parameters_, run.data().class_names);
  summary["diverged"] = {{"run", run.index()}, {"epoch", epoch},          {"step", d.step}, {"iteration", iteration_},
                         {"what", d.quantity}, {"value", value.str()}, {"lr", d.lr},     {"optimizer_lr", lr}};
  out_->write_summary(summary);
  if (summary_out) *summary_out = summary;
  char where[200];
  std::snprintf(where, sizeof where, "run %lld (seed %llu) diverged at epoch %lld, step %lld of %lld (iteration %lld)",
                static_cast<long long>(run.index() + 1), static_cast<unsigned long long>(run.seed()),
                static_cast<long long>(epoch), static_cast<long long>(d.step),
                static_cast<long long>(run.batches_per_epoch()), static_cast<long long>(iteration_ + 1));
  std::ostringstream rate;
  rate << "optimizer.lr = " << lr;
  if (d.lr != lr) rate << ", " << d.lr << " at that step";
  if (!job_.quiet) std::cout << std::flush;
  std::cerr << (job_.quiet ? "" : "\n") << "minidl " << job_.command << ": " << job_.config_name << ": " << where << ": "
            << d.quantity << " is " << value.str() << ". The likely cause is a learning rate too large for this "
            << "model (" << rate.str() << "): try a smaller one. The run is stopped; " << job_.dir
            << "/summary.json records where.\n";
  return kRuntimeError;
}

// summary.json, the plots (last: the results are on disk whatever happens to gnuplot) and the line.
int Training::finish(json* summary_out) {
  json summary = summary_json(completed_, job_.config_name, parameters_, run_->data().class_names);
  if (g_first_epoch_start) {
    summary["startup_seconds"] = std::chrono::duration<double>(*g_first_epoch_start - g_process_start).count();
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  summary["peak_rss_mb"] = static_cast<double>(usage.ru_maxrss) / 1024.0;  // this process, not gnuplot
  summary["system"] = system_json();
  summary["world_size"] = world_;  // processes that trained each run (mpirun -n)
  out_->write_summary(summary);
  if (summary_out) *summary_out = summary;
  std::vector<std::string> warnings;
  bool plots_interrupted = false;
  if (writer_ && !job_.scratch) draw_plots(job_.dir, warnings, &plots_interrupted);
  for (const auto& w : warnings) std::cerr << "warning: " << w << "\n";
  if (plots_interrupted) {
    std::cerr << "\nminidl " << job_.command << ": interrupted while drawing the plots; the results are in " << job_.dir
              << ", redraw the plots with: minidl plot " << job_.dir << "\n";
    return kInterrupted;
  }
  if (job_.summary_line) {
    std::cout << summary_line(summary, run_->objective().classification, job_.runs, job_.dir) << "\n";
  }
  return kOk;
}

int run_training(const TrainJob& job, std::unique_ptr<Run> first, json* summary_out) {
  return Training(job, std::move(first)).run(summary_out);
}

}  // namespace minidl::cli
