// Training: the loop state of one training job (`train`, each setting of `grid`, and --resume):
// the current Run, the counters a checkpoint holds and the results of the runs completed so far.
// train, grid and resume all go through run_training(), which is Training(job, run).run().
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "commands.h"
#include "outputs.h"
#include "progress.h"
#include "run_lock.h"

namespace minidl::cli {

class Training {
 public:
  // `first`: run 0, or the run being resumed (job.resume), from build_checked_run.
  Training(const TrainJob& job, std::unique_ptr<Run> first);
  // Trains every run of the job, writes the folder and prints the summary line; returns the exit
  // code. `summary_out` (if given) receives summary.json.
  int run(nlohmann::json* summary_out = nullptr);

  // Everything a checkpoint holds: the current run's parts, the counters and the results so far.
  Checkpoint state() const;
  // Continues from a checkpoint of state() (the job's run folder must hold it).
  void load_state(const Checkpoint& checkpoint);

 private:
  enum class EpochEnd { next, stop_early, interrupted };
  int lock_folder();                 // kOk, or the exit code after printing why not
  void open_folder();                // resume: drop the rows after the checkpoint; new: config.toml
  void print_start();
  int train_runs(nlohmann::json* summary_out);
  EpochEnd train_epoch(int64_t epoch);  // throws Diverged
  EpochEnd after_epoch(int64_t epoch, const EpochStats& stats, double seconds);
  void finish_run();
  int diverged(const Diverged& d, int64_t epoch, nlohmann::json* summary_out);
  int finish(nlohmann::json* summary_out);
  void write_checkpoint();
  int failed(int code);              // removes a fresh folder that has no epoch yet

  const TrainJob& job_;
  const Config& config_;
  std::unique_ptr<Run> run_;
  bool resuming_, data_parallel_, writer_;
  int world_;                        // the processes that train each run
  int64_t epochs_;
  std::unique_ptr<RunLock> lock_;
  std::optional<RunDir> out_;
  std::optional<Progress> progress_;
  std::string config_toml_;
  int64_t parameters_ = 0, train_size_ = 0;
  // The counters of the checkpoint.
  nlohmann::json completed_ = nlohmann::json::array();  // results of the runs before this one
  double train_seconds_ = 0, best_val_ = INFINITY;
  int64_t iteration_ = 0, bad_epochs_ = 0;
  // This process only.
  int64_t epochs_written_ = 0, steps_this_process_ = 0, stop_after_steps_ = 0;
  std::chrono::steady_clock::time_point last_checkpoint_;
};

// summary.json of the completed runs: means over runs, the confusion matrix summed over runs.
nlohmann::json summary_json(const nlohmann::json& runs, const std::string& config, int64_t parameters,
                            const std::vector<std::string>& class_names);
// The last line of `train`: test accuracy (or loss), its spread over runs, the training time.
std::string summary_line(const nlohmann::json& summary, bool classification, int64_t runs, const std::string& dir);
// A checkpoint's metadata value (a number), or CheckpointError naming the file and the key.
std::string metadata_of(const Checkpoint& c, const std::string& file, const std::string& key);
double metadata_number(const Checkpoint& c, const std::string& file, const std::string& key);
int64_t counter_of(const Checkpoint& c, const std::string& file, const std::string& key);

}  // namespace minidl::cli
