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
#include "training.h"

namespace minidl::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

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
// What `train` was asked, checked before anything is written.
struct TrainRequest {
  std::string dir;
  std::optional<Config> config;
  Checkpoint resume_from;
  std::string config_name;
  int64_t runs = 1, seed0 = 0;
  json completed = json::array();
};

// The request of `train --resume DIR`: the config, seeds and run counts of its checkpoint.
// Returns kOk, or the exit code after printing why not; throws for a damaged checkpoint.
int read_resume(const TrainArgs& args, TrainRequest& q) {
  const std::string& dir = q.dir;
  const int world = dist::world_size();
  Checkpoint& resume_from = q.resume_from;
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
  q.config_name = metadata_of(resume_from, ckpt, "config_name");
  q.config = Config::parse(metadata_of(resume_from, ckpt, "config"), q.config_name);
  q.runs = counter_of(resume_from, ckpt, "runs");
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
  q.seed0 = counter_of(resume_from, ckpt, "seed");
  for (const char* key : {"run", "iteration", "bad_epochs"}) counter_of(resume_from, ckpt, key);
  for (const char* key : {"train_seconds", "best_val"}) metadata_number(resume_from, ckpt, key);
  try {  // checked before anything is written
    q.completed = json::parse(metadata_of(resume_from, ckpt, "completed_runs"));
    if (!q.completed.is_array()) throw std::runtime_error("not a list");
  } catch (const std::exception& e) {
    throw CheckpointError(ckpt + ": metadata 'completed_runs' is not a JSON list of runs (a damaged checkpoint): " +
                          e.what());
  }
  return kOk;
}

// The request of `train [CONFIG]`: the config with its --set, and a folder that is free.
int read_new(const TrainArgs& args, TrainRequest& q, ReservedFolder& reserved) {
  const int world = dist::world_size();
  const bool writer = dist::rank() == 0;
  std::string& dir = q.dir;
  q.config_name = args.config.empty() ? default_config_path() : args.config;
  q.config = Config::load(q.config_name, args.sets);
  q.seed0 = args.seed ? *args.seed : q.config->get_int("train.seed");
  if (dir.empty() && writer) {
    dir = reserve_folder(default_run_dir(q.config_name));  // a fresh folder, even for runs started together
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
  return kOk;
}

}  // namespace

int train_command(const TrainArgs& args) {
  ReservedFolder reserved;
  // Under mpirun (world size > 1) every rank runs this; rank 0 alone chooses and writes the folder.
  const int world = dist::world_size();
  const bool writer = dist::rank() == 0;
  // ---- everything that can be wrong with the request is found before anything is written ----
  TrainRequest q;
  q.dir = args.resume.empty() ? (args.out.empty() ? "" : args.out) : args.resume;
  q.runs = args.runs;
  std::string& dir = q.dir;
  std::optional<Config>& config = q.config;
  const Checkpoint& resume_from = q.resume_from;
  const std::string& config_name = q.config_name;
  const int64_t& runs = q.runs;
  const int64_t& seed0 = q.seed0;
  try {
    int code = args.resume.empty() ? read_new(args, q, reserved) : read_resume(args, q);
    if (code != kOk) return code;
    if (runs < 1) {
      std::cerr << "minidl train: --runs must be >= 1, got " << runs << "\n";
      return kUsageError;
    }
    if (args.threads < 1) {
      std::cerr << "minidl train: --threads must be >= 1, got " << args.threads << "\n";
      return kUsageError;
    }
    for (const std::string& w : config->warnings()) std::cerr << "warning: " << w << "\n";
  } catch (...) {
    return command_failed("train");
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

namespace {

// Rank 0 of `train --runs N` under mpirun: the files of a one-process training from the runs'
// scratch folders: the runs' rows in run order (iterations numbered on across runs), the last
// run's model, plot data and checkpoint, one summary. `end`: the first run that did not end well.
int merge_shared_runs(const TrainJob& job, std::map<int64_t, json>& by_run, int64_t end, int code) {
  const int world = dist::world_size();
  const std::string& dir = job.dir;
  auto scratch_of = [&](int64_t r) { return dir + "/.rank-" + std::to_string(r % world) + "/run-" + std::to_string(r); };
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
  return code;
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
    int merged = merge_shared_runs(job, by_run, end, code);
    if (merged != code) return merged;  // the files could not be written
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

}  // namespace minidl::cli
