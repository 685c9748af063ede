// The subcommands of `minidl`. Each returns the process exit code (exit_codes.h).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "minidl/io/checkpoint.h"
#include "config.h"
#include "exit_codes.h"
#include "trainer.h"

namespace minidl::cli {

struct TrainArgs {
  std::string config;                 // empty: the default config
  std::vector<std::string> sets;      // --set key=value
  int64_t runs = 1;
  std::optional<int64_t> seed;        // default train.seed
  int threads = 1;
  std::string out;                    // empty: runs/<config>-<timestamp>
  bool quiet = false;
  std::string resume;                 // --resume DIR
  bool runs_given = false;            // --runs on the command line (an error with --resume)
};
int train_command(const TrainArgs& args);

// ---- the training machinery of `train`, shared with `grid` (train.cpp) ----

// One training of a validated config into the run folder `dir`: `runs` runs with seeds seed..,
// or the continuation of `resume` (a checkpoint of that folder).
struct TrainJob {
  const Config* config = nullptr;
  std::string config_name;
  std::string dir;
  int64_t runs = 1;
  int64_t seed = 0;
  bool quiet = false;
  const Checkpoint* resume = nullptr;
  std::string command = "train";  // "minidl <command>:" in messages
  // Every rank trains these runs together (mpirun -n N minidl train); rank 0 writes the folder.
  // False: this process alone trains them and writes the folder (grid's settings under mpirun).
  bool data_parallel = false;
  // A run of train_shared_runs in its scratch folder: no plots, no advice to resume it there.
  bool scratch = false;
  bool summary_line = true;        // the final line (grid --quiet leaves it out)
};
// Builds run `index` of `config` and pushes one batch through it, so that a model that does not
// fit the data is found before anything is written. Returns kOk with `run`, or the exit code
// after printing the error.
int build_checked_run(const Config& config, const std::string& config_name, int64_t index, uint64_t seed,
                      const std::string& command, std::unique_ptr<Run>& run, bool data_parallel = false);
// Trains `job` starting with `first` (from build_checked_run: run 0, or the resumed run), writes
// the run folder and prints the summary line; `summary` (if given) receives summary.json.
int run_training(const TrainJob& job, std::unique_ptr<Run> first, nlohmann::json* summary = nullptr);

// `train --runs N` under mpirun: run r is trained by rank r mod K alone (in a scratch folder of
// job.dir), then rank 0 merges the runs' files into the folder a one-process training writes.
int train_shared_runs(const TrainJob& job);

// The config used when none is given: configs/disk.toml of the working folder, else of the
// source tree minidl was built from.
std::string default_config_path();

// ---- info, eval, predict, plot, grid ----

struct InfoArgs {
  std::string config;
  std::vector<std::string> sets;
  bool system = false;  // --system: the CPU and kernels instead of a config's network
  bool config_tables = false;  // --config-tables: the registry's tables (docs/CONFIG.md's)
};
int info_command(const InfoArgs& args);

struct EvalArgs {
  std::string config;              // empty: the config stored in the checkpoint
  std::vector<std::string> sets;
  std::string checkpoint;
  std::optional<int64_t> seed;     // default: the checkpoint's run seed, else train.seed
  bool json = false;
  bool fit_standardizer = false;   // fit the statistics a checkpoint lacks on the training data
};
int eval_command(const EvalArgs& args);

struct PredictArgs {
  std::string config;
  std::vector<std::string> sets;
  std::string checkpoint;
  std::optional<int64_t> seed;
  std::string input;               // CSV: a header, then one example's features per line
  std::string output;              // empty: stdout
  bool fit_standardizer = false;
};
int predict_command(const PredictArgs& args);

struct PlotArgs {
  std::string dir;
};
int plot_command(const PlotArgs& args);

struct GridArgs {
  std::string config;
  std::vector<std::string> sets;   // key=[v1,v2,...] is swept; key=value is fixed
  int64_t runs = 1;
  std::optional<int64_t> seed;
  int threads = 1;
  std::string out;                 // empty: runs/grid-<config>-<timestamp>
  bool quiet = false;              // only the table and the best setting
};
int grid_command(const GridArgs& args);
// The plots of a grid folder `dir` from its grid.json (gnuplot): grid.png (grid.csv, grid.gp) and
// grid_curves.png (grid_curves.csv, grid_curves.gp). Returns the PNGs drawn; a plot not drawn is a
// warning, and a SIGINT/SIGTERM that stopped gnuplot sets `*interrupted`.
std::vector<std::string> draw_grid_plots(const std::string& dir, std::vector<std::string>& warnings,
                                         bool* interrupted = nullptr);

// A model restored from a checkpoint for eval and predict (eval.cpp).
struct LoadedModel {
  Config config;
  std::string config_name;                 // for messages
  bool config_from_checkpoint = false;     // the config stored in the checkpoint's metadata
  uint64_t seed = 0;                       // of the data and the model
  Data data;                               // test inputs standardised as the model was trained
  std::shared_ptr<nn::Sequential> model;   // in eval mode
  Objective objective;
};
// Throws ConfigError (exit 2) for the config, CheckpointError/IoError/DataError (exit 1) naming
// the file for the rest.
// A checkpoint without a config of its own needs `config_path`; one without standardisation
// statistics, for a config that standardises (disk, csv), needs `fit_standardizer` (else
// ConfigError): no silent fallback.
LoadedModel load_model(const std::string& config_path, const std::vector<std::string>& sets,
                       const std::string& checkpoint, std::optional<int64_t> seed, bool fit_standardizer = false);

}  // namespace minidl::cli
