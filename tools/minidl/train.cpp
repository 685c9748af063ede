// `minidl train`: builds everything from the config before writing anything, trains each run,
// evaluates every epoch, checkpoints for --resume, and writes the run folder.
#include <sys/resource.h>

#include <chrono>
#include <signal.h>

#include <csignal>
#include <cstdlib>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "minidl/io/atomic_file.h"
#include "language_model.h"
#include "system_report.h"
#include "minidl/dist/collectives.h"
#include "minidl/dist/process_group.h"
#include "minidl/io/checkpoint.h"
#include "minidl/threads.h"
#include "outputs.h"
#include "plots.h"
#include "label_check.h"
#include "progress.h"
#include "run_lock.h"
#include "trainer.h"

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

double mean_of(const json& runs, const char* key) {
  double s = 0;
  for (const auto& r : runs) s += r[key].is_number() ? r[key].get<double>() : NAN;
  return runs.empty() ? NAN : s / static_cast<double>(runs.size());
}

double std_of(const json& runs, const char* key) {
  if (runs.size() < 2) return 0.0;
  double m = mean_of(runs, key), s = 0;
  for (const auto& r : runs) s += (r[key].get<double>() - m) * (r[key].get<double>() - m);
  return std::sqrt(s / static_cast<double>(runs.size() - 1));  // sample std over runs
}

// The summary of all runs: means over runs, the confusion matrix summed over runs.
json summary_json(const json& runs, const std::string& config, int64_t parameters,
                  const std::vector<std::string>& class_names) {
  json s;
  s["schema_version"] = 1;
  s["config"] = config;
  for (const char* key : {"test_accuracy", "train_accuracy", "test_loss", "train_loss", "train_seconds",
                          "epochs_per_second", "samples_per_second"}) {
    s[key] = mean_of(runs, key);
  }
  s["test_accuracy_std"] = std_of(runs, "test_accuracy");
  if (!runs.empty() && runs[0].contains("val_accuracy")) s["val_accuracy"] = mean_of(runs, "val_accuracy");
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

// The last line of `train`: test accuracy (or loss), its spread over runs, the training time.
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
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
    auto whole = [](const std::string& c) {
      return !c.empty() && c.size() <= 18 && c.find_first_not_of("0123456789") == std::string::npos;
    };
    if (cells.size() >= 2 && whole(cells[0]) && whole(cells[1]) && keep(cells)) kept += line + "\n";  // damaged rows go
  }
  in.close();
  write_file_atomically(path, header + "\n" + kept);  // a crash here leaves the old file, not half of it
}

// A value of a checkpoint's metadata, or CheckpointError naming the file and the key.
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

// True on every rank when `flag` is true on any: the decisions that end an epoch early (a
// signal, the test hook) must be the same on every rank of a data-parallel run, or the ranks
// would wait for each other in different collectives.
bool any_rank(bool flag, bool data_parallel) {
  if (!data_parallel || dist::world_size() == 1) return flag;
  Tensor t = scalar_tensor(flag ? 1 : 0, kInt64);
  dist::all_reduce(t);
  return t.item() > 0;
}

bool non_empty_dir(const std::string& dir) {
  return fs::exists(dir) && (!fs::is_directory(dir) || !fs::is_empty(dir));
}

}  // namespace

std::string default_config_path() {
  if (fs::exists("configs/disk.toml")) return "configs/disk.toml";
  return std::string(MINIDL_SOURCE_DIR) + "/configs/disk.toml";
}

namespace {
// A default run folder made for this run: removed again if nothing was written into it.
struct ReservedFolder {
  std::string path;
  ~ReservedFolder() {
    std::error_code ec;
    if (!path.empty()) fs::remove(path, ec);  // fails, as it should, when the folder is not empty
  }
};
}  // namespace

int train_command(const TrainArgs& args) {
  ReservedFolder reserved;
  // Under mpirun (world size > 1) every rank runs this; rank 0 alone chooses and writes the folder.
  const int world = dist::world_size();
  const bool writer = dist::rank() == 0;
  // ---- everything that can be wrong with the request is found before anything is written ----
  std::string dir = args.resume.empty() ? (args.out.empty() ? "" : args.out) : args.resume;
  std::optional<Config> config;
  Checkpoint resume_from;
  std::string config_name;
  int64_t runs = args.runs, seed0 = 0;
  json completed = json::array();
  try {
    if (!args.resume.empty()) {
      // A resumed run continues as it was configured: anything that would change it cannot apply.
      std::vector<std::string> conflicting;
      if (!args.config.empty()) conflicting.push_back("a config file (" + args.config + ")");
      if (!args.sets.empty()) conflicting.push_back("--set");
      if (!args.out.empty()) conflicting.push_back("--out");
      if (args.seed) conflicting.push_back("--seed");
      if (args.runs_given) conflicting.push_back("--runs");
      if (!conflicting.empty()) {
        std::string list;
        for (const std::string& c : conflicting) list += (list.empty() ? "" : ", ") + c;
        std::cerr << "minidl train: --resume continues " << dir << " with the config, seeds and folder it started with; "
                  << list << " cannot apply (start a new run to change them)\n";
        return kUsageError;
      }
      std::string ckpt = dir + "/checkpoint.safetensors";
      if (!fs::exists(ckpt)) {
        std::cerr << "minidl train: --resume " << dir << ": no checkpoint.safetensors there"
                  << (fs::exists(dir + "/metrics.csv")
                          ? ": its run stopped before its first checkpoint and cannot be continued; remove the folder "
                            "and train again"
                          : " (is it a run folder?)")
                  << "\n";
        return kUsageError;
      }
      resume_from = load_checkpoint(ckpt);
      config_name = metadata_of(resume_from, ckpt, "config_name");
      config = Config::parse(metadata_of(resume_from, ckpt, "config"), config_name);
      runs = counter_of(resume_from, ckpt, "runs");
      // The run continues on as many processes as it started with (checkpoints before issue 17
      // have no count: one process). Another count would change the sums' order, so the bits.
      int64_t trained_on = resume_from.counters.count("world_size") ? resume_from.counters.at("world_size") : 1;
      if (trained_on != world) {
        std::cerr << "minidl train: --resume " << dir << ": the run was trained on " << trained_on
                  << (trained_on == 1 ? " process" : " processes") << " and this is " << world
                  << (world == 1 ? " process" : " processes") << "; resume it with "
                  << (trained_on == 1 ? std::string("no mpirun (one process)")
                                      : "mpirun -n " + std::to_string(trained_on))
                  << ", so that it continues exactly\n";
        return kUsageError;
      }
      seed0 = counter_of(resume_from, ckpt, "seed");
      for (const char* key : {"run", "iteration", "bad_epochs"}) counter_of(resume_from, ckpt, key);
      for (const char* key : {"train_seconds", "best_val"}) metadata_number(resume_from, ckpt, key);
      try {  // checked before anything is written
        completed = json::parse(metadata_of(resume_from, ckpt, "completed_runs"));
        if (!completed.is_array()) throw std::runtime_error("not a list");
      } catch (const std::exception& e) {
        throw CheckpointError(ckpt + ": metadata 'completed_runs' is not a JSON list of runs (a damaged checkpoint): " +
                              e.what());
      }
    } else {
      config_name = args.config.empty() ? default_config_path() : args.config;
      config = Config::load(config_name, args.sets);
      seed0 = args.seed ? *args.seed : config->get_int("train.seed");
      if (dir.empty() && writer) {
        dir = reserve_folder(default_run_dir(config_name));  // a fresh folder, even for runs started together
        reserved.path = dir;
      }
      if (world > 1) dir = dist::all_gather(dir)[0];  // rank 0's folder (its name has rank 0's clock)
      if (writer && non_empty_dir(dir)) {
        // Advice that leads somewhere: --resume only where there is a checkpoint to resume from.
        bool resumable = fs::exists(dir + "/checkpoint.safetensors");
        std::cerr << "minidl train: --out " << dir << " exists and is not empty; choose another folder or remove it"
                  << (resumable ? ", or continue its run with: minidl train --resume " + dir
                                : std::string(" (it holds no checkpoint to continue from)"))
                  << "\n";
        return kUsageError;
      }
    }
    if (runs < 1) {
      std::cerr << "minidl train: --runs must be >= 1, got " << runs << "\n";
      return kUsageError;
    }
    if (args.threads < 1) {
      std::cerr << "minidl train: --threads must be >= 1, got " << args.threads << "\n";
      return kUsageError;
    }
    for (const std::string& w : config->warnings()) std::cerr << "warning: " << w << "\n";
  } catch (const ConfigError& e) {
    std::cerr << "minidl train: " << e.what() << "\n";
    return kUsageError;
  } catch (const std::exception& e) {
    std::cerr << "minidl train: " << e.what() << "\n";
    return kRuntimeError;
  }
  set_num_threads(args.threads);
  if (config->get_string("data.source") == "chars") {  // a language model: its own loop (language_model.cpp)
    if (!args.resume.empty() || runs != 1 || world > 1) {
      std::cerr << "minidl train: data.source = \"chars\" trains one run on one process and has no --resume yet\n";
      return kUsageError;
    }
    return train_language_model(*config, config_name, dir, static_cast<uint64_t>(seed0), args.quiet);
  }
  // Under mpirun, one run is trained by every rank together; several runs are shared among the
  // ranks, each trained by one process (train_shared_runs).
  const bool share_runs = world > 1 && runs > 1 && args.resume.empty();
  int64_t first_run = args.resume.empty() ? 0 : resume_from.counters.at("run");
  std::unique_ptr<Run> run;
  if (int code = build_checked_run(*config, config_name, first_run, static_cast<uint64_t>(seed0 + first_run), "train", run,
                                   world > 1 && !share_runs)) {
    return code;
  }
  TrainJob job;
  job.config = &*config;
  job.config_name = config_name;
  job.dir = dir;
  job.runs = runs;
  job.seed = seed0;
  job.data_parallel = world > 1 && !share_runs;
  job.quiet = args.quiet || !writer;  // one progress display: rank 0's
  job.summary_line = writer;
  job.resume = args.resume.empty() ? nullptr : &resume_from;
  if (share_runs) {
    job.quiet = args.quiet;
    return train_shared_runs(job);
  }
  return run_training(job, std::move(run));
}

namespace {

// Appends the rows (after the header) of the CSV file `path` to `out`; with `renumber`, the
// second column (iterations.csv's iteration) continues from `next` instead.
void append_rows(const std::string& path, std::string& out, std::string& header, int64_t* next = nullptr) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return;
  header = line;
  while (std::getline(in, line)) {
    if (next) {
      size_t a = line.find(','), b = a == std::string::npos ? a : line.find(',', a + 1);
      if (b != std::string::npos) line = line.substr(0, a + 1) + std::to_string((*next)++) + line.substr(b);
    }
    out += line + "\n";
  }
}

}  // namespace

int train_shared_runs(const TrainJob& job) {
  const int world = dist::world_size(), rank = dist::rank();
  const bool leader = rank == 0;
  const std::string& dir = job.dir;
  // Rank 0 holds the run folder; each rank trains its runs in a scratch folder inside it.
  std::unique_ptr<RunLock> lock;
  if (leader) lock = std::make_unique<RunLock>(dir);
  auto scratch_of = [&](int64_t r) { return dir + "/.rank-" + std::to_string(r % world) + "/run-" + std::to_string(r); };
  json mine = json::array();
  for (int64_t r = rank; r < job.runs; r += world) {
    std::unique_ptr<Run> run;
    int code = build_checked_run(*job.config, job.config_name, r, static_cast<uint64_t>(job.seed + r), job.command, run);
    json summary;
    if (code == kOk) {
      TrainJob one = job;
      one.dir = scratch_of(r);
      one.runs = r + 1;  // run r alone: run_training trains runs first.index() .. runs - 1
      one.quiet = true;
      one.summary_line = false;
      one.data_parallel = false;
      one.scratch = true;
      code = run_training(one, std::move(run), &summary);
    }
    mine.push_back({{"run", r}, {"code", code}, {"summary", summary}});
    if (code == kOk && !job.quiet && summary["runs"].size() == 1) {
      const json& result = summary["runs"][0];
      char line[200];
      std::snprintf(line, sizeof line, "run %lld/%lld (seed %llu, rank %d): test accuracy %.2f%%, %.3f s of training",
                    static_cast<long long>(r + 1), static_cast<long long>(job.runs),
                    static_cast<unsigned long long>(result["seed"].get<uint64_t>()), rank,
                    100 * result["test_accuracy"].get<double>(), result["train_seconds"].get<double>());
      std::cout << line << std::endl;
    }
    if (code != kOk) break;  // as in one process, a run that does not end well ends the training
  }
  // Every rank's runs, in run order; the first that did not end well ends the list.
  std::map<int64_t, json> by_run;
  for (const std::string& part : dist::all_gather(mine.dump())) {
    for (const json& item : json::parse(part)) by_run[item["run"].get<int64_t>()] = item;
  }
  int64_t end = job.runs;
  int code = kOk;
  for (int64_t r = 0; r < job.runs; ++r) {
    if (!by_run.count(r) || by_run[r]["code"].get<int>() != kOk) {
      end = r;
      code = by_run.count(r) ? by_run[r]["code"].get<int>() : kRuntimeError;
      break;
    }
  }
  if (leader) {
    try {
      // The files of a one-process `train --runs N`: the runs' rows in run order (iterations
      // numbered on across runs), the last run's model, plot data and checkpoint, one summary.
      std::string metrics, iterations, metrics_header, iterations_header;
      int64_t next_iteration = 0, iterations_before_end = 0;
      json completed = json::array();
      for (int64_t r = 0; r <= std::min(end, job.runs - 1); ++r) {
        if (!by_run.count(r)) break;
        if (r == end) iterations_before_end = next_iteration;
        append_rows(scratch_of(r) + "/metrics.csv", metrics, metrics_header);
        append_rows(scratch_of(r) + "/iterations.csv", iterations, iterations_header, &next_iteration);
        if (r < end) completed.push_back(by_run[r]["summary"]["runs"][0]);
      }
      write_file_atomically(dir + "/metrics.csv", metrics_header + "\n" + metrics);
      write_file_atomically(dir + "/iterations.csv", iterations_header + "\n" + iterations);
      fs::copy_file(scratch_of(0) + "/config.toml", dir + "/config.toml", fs::copy_options::overwrite_existing);
      json any = json::object();  // a run's summary, for the model's size and class names
      for (const auto& [r, item] : by_run) {
        if (item["summary"].is_object() && item["summary"].contains("parameters")) any = item["summary"];
      }
      json summary = summary_json(completed, job.config_name, any.value("parameters", int64_t{0}),
                                  any.value("class_names", std::vector<std::string>{}));
      if (code == kOk) {
        const std::string last = scratch_of(job.runs - 1);
        for (const auto& e : fs::directory_iterator(last)) {
          std::string name = e.path().filename().string();
          bool own = name == "metrics.csv" || name == "iterations.csv" || name == "summary.json" ||
                     name == "config.toml" || name == "checkpoint.safetensors" || name == RunLock::kFile;
          if (!own && e.is_regular_file()) fs::copy_file(e.path(), dir + "/" + name, fs::copy_options::overwrite_existing);
        }
        // The last run's final checkpoint, with the counters and results of the whole training.
        Checkpoint c = load_checkpoint(last + "/checkpoint.safetensors");
        c.counters["runs"] = job.runs;
        c.counters["seed"] = job.seed;
        c.counters["iteration"] = next_iteration;
        json before_last = completed;
        before_last.erase(before_last.size() - 1);
        c.metadata["completed_runs"] = before_last.dump();
        save_checkpoint(dir + "/checkpoint.safetensors", c);
        double rss = 0;
        for (const auto& [r, item] : by_run) rss = std::max(rss, item["summary"].value("peak_rss_mb", 0.0));
        summary["peak_rss_mb"] = rss;  // the largest process
        summary["system"] = system_json();
        summary["world_size"] = 1;  // each run was trained by one process
      } else if (by_run.count(end) && by_run[end]["summary"].contains("diverged")) {
        json diverged = by_run[end]["summary"]["diverged"];
        diverged["iteration"] = diverged["iteration"].get<int64_t>() + iterations_before_end;
        summary["diverged"] = diverged;
      }
      write_file_atomically(dir + "/summary.json", summary.dump(2) + "\n");
      for (int k = 0; k < world; ++k) fs::remove_all(dir + "/.rank-" + std::to_string(k));
      if (code == kOk) {
        std::vector<std::string> warnings;
        bool plots_interrupted = false;
        draw_plots(dir, warnings, &plots_interrupted);
        for (const auto& w : warnings) std::cerr << "warning: " << w << "\n";
        bool classification = summary["test_accuracy"].is_number() && !std::isnan(summary["test_accuracy"].get<double>());
        if (job.summary_line) std::cout << summary_line(summary, classification, job.runs, dir) << "\n";
      } else {
        std::cerr << "minidl " << job.command << ": "
                  << (code == kInterrupted ? "interrupted at run " + std::to_string(end + 1) +
                                                 "; runs shared among processes cannot be resumed yet"
                                           : "run " + std::to_string(end + 1) + " did not end well (its message is above)")
                  << "; " << dir << "/summary.json holds the " << completed.size() << " runs before it\n";
      }
    } catch (const std::exception& e) {
      std::cerr << "minidl " << job.command << ": " << e.what() << "\n";
      return kRuntimeError;
    }
  }
  dist::barrier();  // the other ranks wait for rank 0's files: ending first would abort it
  return code;
}

int build_checked_run(const Config& cfg, const std::string& config_name, int64_t index, uint64_t seed,
                      const std::string& command, std::unique_ptr<Run>& run, bool data_parallel) {
  // Build the run (data, model, loss, optimizer) and push one batch through it: a model that
  // does not fit the data is a config error, reported before the folder exists.
  try {
    run = std::make_unique<Run>(cfg, index, seed, data_parallel);
    NoGradGuard no_grad;
    data::Batch probe = run->data().train->get_batch(arange(std::min<int64_t>(2, run->data().train->size())));
    Tensor outputs = run->model()(probe.inputs);
    if (run->objective().classification) {  // every label, with file and line, before the loss sees any
      check_labels(run->data(), outputs.dim() == 2 ? outputs.size(1) : 1, config_name);
    }
    run->objective().loss(outputs, probe);
    run->model().train();
    return kOk;
  } catch (const ConfigError& e) {
    std::cerr << "minidl " << command << ": " << e.what() << "\n";
    return kUsageError;
  } catch (const ShapeError& e) {
    std::cerr << "minidl " << command << ": " << config_name << ": the model does not fit the data:\n" << e.what() << "\n";
    return kUsageError;
  } catch (const IndexError& e) {  // a layer's dim option out of range for the data, e.g. softmax dim = 4
    std::cerr << "minidl " << command << ": " << config_name << ": the model does not fit the data:\n" << e.what() << "\n";
    return kUsageError;
  } catch (const ValueError& e) {
    std::cerr << "minidl " << command << ": " << config_name << ": " << e.what() << "\n";
    return kUsageError;
  } catch (const std::exception& e) {
    std::cerr << "minidl " << command << ": " << e.what() << "\n";
    return kRuntimeError;
  }
}

int run_training(const TrainJob& job, std::unique_ptr<Run> run, json* summary_out) {
  const Config& cfg = *job.config;
  const std::string& dir = job.dir;
  const std::string& config_name = job.config_name;
  const bool resuming = job.resume != nullptr;
  const int64_t runs = job.runs, seed0 = job.seed;
  const int64_t epochs = cfg.get_int("train.epochs");
  const int64_t first_run = run->index();
  const bool data_parallel = job.data_parallel && dist::world_size() > 1;
  const int world = data_parallel ? dist::world_size() : 1;  // the processes that train each run
  const bool writer = !data_parallel || dist::rank() == 0;  // the other ranks of a data-parallel run write nothing
  json completed = resuming ? json::parse(job.resume->metadata.at("completed_runs")) : json::array();
  // Test hook (tests/cli): MINIDL_STOP_AFTER_STEPS=N acts as a Ctrl-C after the N-th optimizer
  // step of this process, so that tests interrupt a training at exact points without racing
  // real signals.
  const char* stop_env = std::getenv("MINIDL_STOP_AFTER_STEPS");
  const int64_t stop_after_steps = stop_env ? std::atoll(stop_env) : 0;
  int64_t steps_this_process = 0;

  // One writer per run folder; a fresh run that fails before its first epoch leaves no folder.
  std::unique_ptr<RunLock> lock;
  try {
    if (writer) lock = std::make_unique<RunLock>(dir);
  } catch (const std::exception& e) {
    std::cerr << "minidl " << job.command << ": " << e.what() << "\n";
    return kRuntimeError;
  }
  if (writer && !resuming && !lock->was_empty()) {
    std::cerr << "minidl " << job.command << ": " << dir << " is not empty (another run wrote it meanwhile); choose another folder\n";
    return kUsageError;
  }
  int64_t epochs_written = 0;
  auto failed = [&](int code) {
    std::error_code ec;
    if (writer && !resuming && epochs_written == 0) fs::remove_all(dir, ec);
    return code;
  };
  try {
    if (resuming) {
      // The rows written after the checkpoint go (replaced atomically) before the files are
      // opened for appending, so they are not there twice.
      run->load_state(job.resume->parts);
      int64_t r0 = first_run, e0 = run->epochs_done(), it0 = job.resume->counters.at("iteration");
      if (writer) filter_csv(dir + "/metrics.csv", [&](const std::vector<std::string>& c) {
        return std::stoll(c[0]) < r0 || (std::stoll(c[0]) == r0 && std::stoll(c[1]) <= e0);
      });
      if (writer) filter_csv(dir + "/iterations.csv", [&](const std::vector<std::string>& c) {
        return std::stoll(c[0]) < r0 || (std::stoll(c[0]) == r0 && std::stoll(c[1]) < it0);
      });
    }
    RunDir out(dir, resuming, writer);
    std::string config_toml = cfg.to_toml();
    if (!resuming && writer) {
      write_file_atomically(out.file("config.toml"),
                            "# The effective config of this run (" + config_name + " and --set)\n" + config_toml);
    }
    double checkpoint_seconds = cfg.get_float("train.checkpoint_seconds");
    int64_t patience = cfg.get_int("train.early_stopping_patience");
    int64_t parameters = 0;
    for (const Tensor& p : run->model().parameters()) parameters += p.numel();
    int64_t train_size = run->data().train->size();
    Progress progress(Progress::detect(job.quiet), runs, epochs, run->batches_per_epoch());
    if (!job.quiet) {
      std::cout << "minidl " << job.command << " " << config_name << ": " << runs << (runs == 1 ? " run" : " runs")
                << " of " << epochs << " epochs, " << parameters << " parameters, " << run->objective().repr << ", "
                << cfg.get_string("optimizer.name") << ", writing " << dir << "\n";
    }
    SignalGuard signals;
    double train_seconds = 0, best_val = INFINITY;
    int64_t iteration = 0, bad_epochs = 0;
    if (resuming) {  // continue exactly where the checkpoint left
      const Checkpoint& resume_from = *job.resume;  // loaded into `run` above
      std::string ckpt = dir + "/checkpoint.safetensors";
      train_seconds = metadata_number(resume_from, ckpt, "train_seconds");
      best_val = metadata_number(resume_from, ckpt, "best_val");
      iteration = resume_from.counters.at("iteration");
      bad_epochs = resume_from.counters.at("bad_epochs");
      int64_t r0 = first_run, e0 = run->epochs_done();
      progress.message("resuming run " + std::to_string(r0 + 1) + " at epoch " + std::to_string(e0 + 1) + " from " +
                       dir + "/checkpoint.safetensors");
    }
    auto write_checkpoint = [&] {
      if (!writer) return;
      Checkpoint c;
      c.parts = run->state();
      c.counters = {{"run", run->index()}, {"runs", runs}, {"seed", seed0}, {"iteration", iteration},
                    {"bad_epochs", bad_epochs}, {"world_size", world}};
      std::ostringstream ts, bv;
      ts << std::hexfloat << train_seconds;
      bv << std::hexfloat << best_val;
      c.metadata = {{"config", config_toml}, {"config_name", config_name}, {"completed_runs", completed.dump()},
                    {"train_seconds", ts.str()}, {"best_val", bv.str()}};
      save_checkpoint(out.file("checkpoint.safetensors"), c);
    };
    auto last_checkpoint = std::chrono::steady_clock::now();
    bool interrupted = false;

    for (int64_t r = first_run; r < runs && !interrupted; ++r) {
      if (!run) run = std::make_unique<Run>(cfg, r, static_cast<uint64_t>(seed0 + r), data_parallel);
      bool stop_early = false;
      while (run->epochs_done() < epochs && !stop_early) {
        int64_t epoch = run->epochs_done() + 1;
        progress.start_epoch(r, epoch);
        if (!g_first_epoch_start) g_first_epoch_start = std::chrono::steady_clock::now();
        double epoch_fraction = 1.0 / static_cast<double>(run->batches_per_epoch());
        int64_t batch_in_epoch = run->batches_done_in_epoch();  // not 0 in an epoch resumed mid-way
        EpochStats stats;
        auto start = std::chrono::steady_clock::now();
        bool finished = false;
        try {
          finished = run->train_epoch(
              [&](double loss) {
                out.add_iteration(r, iteration++, static_cast<double>(epoch - 1) +
                                                      static_cast<double>(++batch_in_epoch) * epoch_fraction, loss);
                progress.batch(loss, train_size / run->batches_per_epoch());
                if (++steps_this_process == stop_after_steps) g_signals = 1;
              },
              [&] { return any_rank(g_signals > 0, data_parallel); }, stats);
        } catch (const Diverged& d) {
          // The divergence rule: the run stops at its first non-finite loss or gradient, exit 1,
          // and summary.json says where (the runs completed before it keep their results).
          out.flush();
          std::ostringstream value;
          value << d.value;
          json diverged = {{"run", r}, {"epoch", epoch}, {"step", d.step}, {"iteration", iteration},
                           {"what", d.quantity}, {"value", value.str()}, {"lr", d.lr},
                           {"optimizer_lr", cfg.get_float("optimizer.lr")}};
          json summary = summary_json(completed, config_name, parameters, run->data().class_names);
          summary["diverged"] = diverged;
          out.write_summary(summary);
          if (summary_out) *summary_out = summary;
          char where[200];
          std::snprintf(where, sizeof where, "run %lld (seed %llu) diverged at epoch %lld, step %lld of %lld (iteration %lld)",
                        static_cast<long long>(r + 1), static_cast<unsigned long long>(run->seed()),
                        static_cast<long long>(epoch), static_cast<long long>(d.step),
                        static_cast<long long>(run->batches_per_epoch()), static_cast<long long>(iteration + 1));
          std::ostringstream lr;
          lr << "optimizer.lr = " << cfg.get_float("optimizer.lr");
          if (d.lr != cfg.get_float("optimizer.lr")) lr << ", " << d.lr << " at that step";
          if (!job.quiet) std::cout << std::flush;
          std::cerr << (job.quiet ? "" : "\n") << "minidl " << job.command << ": " << config_name << ": " << where << ": "
                    << d.quantity << " is " << value.str() << ". The likely cause is a learning rate too large for this "
                    << "model (" << lr.str() << "): try a smaller one. The run is stopped; " << dir
                    << "/summary.json records where.\n";
          return kRuntimeError;
        }
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        train_seconds += seconds;
        if (!finished) {
          interrupted = true;
          break;
        }
        Evaluation test = evaluate(run->model(), run->objective(), *run->data().test, run->data().num_classes);
        Evaluation val;
        if (run->data().val) val = evaluate(run->model(), run->objective(), *run->data().val, run->data().num_classes);
        run->end_epoch(run->data().val ? val.loss : stats.loss);
        out.add_epoch({r, epoch, stats.loss, stats.accuracy, val.loss, val.accuracy, test.loss, test.accuracy, stats.lr,
                       seconds});
        ++epochs_written;
        progress.end_epoch(stats.loss, stats.accuracy, test.accuracy, seconds, test.loss);
        if (run->data().val && patience > 0) {  // early stopping on the validation loss
          if (val.loss < best_val) {
            best_val = val.loss;
            bad_epochs = 0;
            if (writer) save_model(*run, out.file("best.safetensors"), config_toml);
          } else if (++bad_epochs >= patience) {
            progress.message("early stopping: no better validation loss for " + std::to_string(patience) + " epochs");
            stop_early = true;
          }
        }
        if (any_rank(g_signals > 0, data_parallel)) {
          interrupted = true;
          break;
        }
        auto now = std::chrono::steady_clock::now();
        if (std::chrono::duration<double>(now - last_checkpoint).count() >= checkpoint_seconds) {
          write_checkpoint();
          last_checkpoint = std::chrono::steady_clock::now();
        }
      }
      if (interrupted) break;
      // The training is over: its final checkpoint (before the last run's results are added, so a
      // resume from it computes them once).
      if (r + 1 == runs) write_checkpoint();
      // The run is over: its final figures, in eval mode.
      RunResult result;
      result.seed = run->seed();
      result.epochs = run->epochs_done();
      result.train_seconds = train_seconds;
      result.train = evaluate(run->model(), run->objective(), *run->data().train, run->data().num_classes);
      result.test = evaluate(run->model(), run->objective(), *run->data().test, run->data().num_classes);
      if (run->data().val) {
        result.has_val = true;
        result.val = evaluate(run->model(), run->objective(), *run->data().val, run->data().num_classes);
      }
      completed.push_back(result_json(result, train_size));
      if (runs > 1) {
        char line[160];
        std::snprintf(line, sizeof line, "run %lld/%lld (seed %llu): test accuracy %.2f%%, %.3f s of training",
                      static_cast<long long>(r + 1), static_cast<long long>(runs),
                      static_cast<unsigned long long>(result.seed), 100 * result.test.accuracy, result.train_seconds);
        progress.message(line);
      }
      if (r + 1 == runs) {  // the last run's model, plots data
        if (writer) save_model(*run, out.file("model.safetensors"), config_toml);
        out.write_disk_plot_data(*run);
        out.write_image_plot_data(*run);
      } else {
        run.reset();
      }
      train_seconds = 0;
      best_val = INFINITY;
      bad_epochs = 0;
      if (r + 1 < runs) {  // a resume from here starts the next run
        run = std::make_unique<Run>(cfg, r + 1, static_cast<uint64_t>(seed0 + r + 1), data_parallel);
        write_checkpoint();
        last_checkpoint = std::chrono::steady_clock::now();
      }
    }
    out.flush();
    if (interrupted) {
      write_checkpoint();
      if (writer && !job.scratch) {
        std::cerr << "\nminidl " << job.command << ": interrupted; the checkpoint is in " << dir
                  << "/checkpoint.safetensors, continue with: "
                  << (world > 1 ? "mpirun -n " + std::to_string(world) + " " : std::string())
                  << "minidl train --resume " << dir << "\n";
      }
      return kInterrupted;
    }
    json summary = summary_json(completed, config_name, parameters, run->data().class_names);
    if (g_first_epoch_start) {
      summary["startup_seconds"] = std::chrono::duration<double>(*g_first_epoch_start - g_process_start).count();
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    summary["peak_rss_mb"] = static_cast<double>(usage.ru_maxrss) / 1024.0;  // this process, not gnuplot
    summary["system"] = system_json();
    summary["world_size"] = world;  // processes that trained each run (mpirun -n)
    out.write_summary(summary);
    if (summary_out) *summary_out = summary;
    // The plots last: the results are on disk whatever happens to gnuplot.
    std::vector<std::string> warnings;
    bool plots_interrupted = false;
    if (writer && !job.scratch) draw_plots(dir, warnings, &plots_interrupted);
    for (const auto& w : warnings) std::cerr << "warning: " << w << "\n";
    if (plots_interrupted) {
      std::cerr << "\nminidl " << job.command << ": interrupted while drawing the plots; the results are in " << dir
                << ", redraw the plots with: minidl plot " << dir << "\n";
      return kInterrupted;
    }
    if (job.summary_line) std::cout << summary_line(summary, run->objective().classification, runs, dir) << "\n";
    return kOk;
  } catch (const ConfigError& e) {
    std::cerr << "minidl " << job.command << ": " << e.what() << "\n";
    return failed(kUsageError);
  } catch (const std::exception& e) {
    std::cerr << "minidl " << job.command << ": " << e.what() << "\n";
    return failed(kRuntimeError);
  }
}

}  // namespace minidl::cli
