// minidl: the command line. Parses the flags (CLI11) and hands each subcommand to its file.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include "commands.h"
#include "flags.h"
#include "language_model.h"
#include "minidl/dist/process_group.h"

namespace {
int run_command(int argc, char** argv);
}

// Under mpirun every rank runs the same command (`mpirun -n 4 minidl train CONFIG` trains one
// model data-parallel). MPI starts only then, so a plain run never pays for it. A rank that ends
// with an error ends the whole job (MPI_Abort): the others may be waiting for it in a collective.
int main(int argc, char** argv) {
  namespace dist = minidl::dist;
  const bool mpi = dist::launched_by_mpi();
  if (mpi && !dist::available()) {
    // Every process would run the whole command alone, all into the same folder.
    const char* size = std::getenv("OMPI_COMM_WORLD_SIZE") ? std::getenv("OMPI_COMM_WORLD_SIZE") : std::getenv("PMI_SIZE");
    if (size && std::atoi(size) > 1) {
      std::cerr << "minidl: started by mpirun with " << size << " processes, but this minidl was built without MPI "
                << "(apt-get install libopenmpi-dev, then rebuild); run it without mpirun\n";
      return minidl::cli::kUsageError;
    }
  }
  if (mpi && dist::available()) {
    try {
      dist::init();
    } catch (const std::exception& e) {
      std::cerr << "minidl: cannot start MPI: " << e.what() << "\n";
      return minidl::cli::kRuntimeError;
    }
  }
  int code = run_command(argc, argv);
  if (mpi && dist::available()) {
    // Interrupted is decided by every rank together (train.cpp's any_rank): no one is waiting.
    if (code != minidl::cli::kOk && code != minidl::cli::kInterrupted && dist::world_size() > 1) {
      dist::abort("minidl stopped with exit code " + std::to_string(code) + " (its message is above); ending every rank",
                  code);
    }
    dist::finalize();
  }
  return code;
}

namespace {

using namespace minidl::cli;

CLI::App* add_eval(CLI::App& app, EvalArgs& eval) {
  CLI::App* eval_cmd = app.add_subcommand("eval", "evaluate a saved model on the config's test set");
  eval_cmd->add_option("config", eval.config, "TOML config file (default: the config stored in the checkpoint)");
  eval_cmd->add_option("--checkpoint", eval.checkpoint, "model file (model.safetensors, or a PyTorch state_dict as safetensors)")
      ->required();
  eval_cmd->add_option("--set", eval.sets, "override a config key (repeatable)");
  eval_cmd->add_option("--seed", eval.seed, "seed of the data (default: the seed the model was trained with)")
      ->check(seed_flag());
  eval_cmd->add_flag("--json", eval.json, "print one JSON object (test_loss, test_accuracy, confusion)");
  eval_cmd->add_flag("--fit-standardizer", eval.fit_standardizer,
                     "for a checkpoint without standardisation statistics: fit them on the config's training data");
  return eval_cmd;
}

CLI::App* add_predict(CLI::App& app, PredictArgs& predict) {
  CLI::App* predict_cmd = app.add_subcommand("predict", "class and probabilities (or outputs) of a saved model for each row of a CSV");
  predict_cmd->add_option("config", predict.config, "TOML config file (default: the config stored in the checkpoint)");
  predict_cmd->add_option("--checkpoint", predict.checkpoint, "model file")->required();
  predict_cmd->add_option("--input", predict.input, "CSV file: a header, then the features of one example per line")
      ->required();
  predict_cmd->add_option("--output", predict.output, "CSV file to write (default: standard output)");
  predict_cmd->add_option("--set", predict.sets, "override a config key (repeatable)");
  predict_cmd->add_flag("--fit-standardizer", predict.fit_standardizer,
                        "for a checkpoint without standardisation statistics: fit them on the config's training data");
  predict_cmd->add_option("--seed", predict.seed, "seed of the training data, when the config standardises inputs itself")
      ->check(seed_flag());
  return predict_cmd;
}

CLI::App* add_grid(CLI::App& app, GridArgs& grid) {
  CLI::App* grid_cmd = app.add_subcommand("grid", "train every combination of swept config values and compare them");
  grid_cmd->add_option("config", grid.config, "TOML config file")->required();
  grid_cmd->add_option("--set", grid.sets, "sweep a key: --set optimizer.lr=[0.001,0.01]; key=value fixes it (repeatable)")
      ->required();
  grid_cmd->add_option("--runs", grid.runs, "runs per setting; run i uses seed S+i")->check(CLI::PositiveNumber);
  grid_cmd->add_option("--seed", grid.seed, "seed of run 0 (default train.seed)")->check(seed_flag());
  grid_cmd->add_option("--threads", grid.threads, "threads for large matrix products (default 1)")->check(threads_flag());
  grid_cmd->add_option("--out", grid.out, "output folder (default runs/grid-<config>-<timestamp>)");
  grid_cmd->add_flag("--quiet", grid.quiet, "print only the table and the best setting");
  return grid_cmd;
}

CLI::App* add_generate(CLI::App& app, GenerateArgs& generate) {
  CLI::App* generate_cmd = app.add_subcommand("generate", "sample text from a character language model (data.source = \"chars\")");
  generate_cmd->add_option("--checkpoint", generate.checkpoint, "model.safetensors of a chars run")->required();
  generate_cmd->add_option("--prompt", generate.prompt, "text to start from")->required();
  generate_cmd->add_option("--length", generate.length, "characters to sample (default 200)");
  generate_cmd->add_option("--temperature", generate.temperature, "divides the logits: < 1 safer, > 1 wilder (default 1)");
  generate_cmd->add_option("--seed", generate.seed, "seed of the sampling (default 0)");
  return generate_cmd;
}

// "minidl 0.1.0 (Release build, commit 935b9b8)": the commit is read when CMake configures the
// build ("unknown" outside a git checkout).
std::string version_text() {
  return std::string("minidl ") + MINIDL_VERSION + " (" + MINIDL_BUILD_TYPE + " build, commit " + MINIDL_GIT_COMMIT + ")";
}

int run_command(int argc, char** argv) {
  CLI::App app{"minidl: train and evaluate small networks (docs/CONFIG.md lists the config keys)", "minidl"};
  app.require_subcommand(1);
  app.set_version_flag("--version", version_text(), "print the version, build type and git commit, and exit");

  TrainArgs train;
  CLI::App* train_cmd = app.add_subcommand("train", "train a config's network (default configs/disk.toml)");
  train_cmd->add_option("config", train.config, "TOML config file");
  train_cmd->add_option("--set", train.sets, "override a config key: --set optimizer.lr=0.01 (repeatable)");
  train_cmd->add_option("--runs", train.runs, "number of runs; run i uses seed S+i")->check(CLI::PositiveNumber);
  train_cmd->add_option("--seed", train.seed, "seed of run 0 (default train.seed)")->check(seed_flag());
  train_cmd->add_option("--threads", train.threads, "threads for large matrix products (default 1)")->check(threads_flag());
  train_cmd->add_option("--out", train.out, "output folder (default runs/<config>-<timestamp>)");
  train_cmd->add_flag("--quiet", train.quiet, "print only the final summary line");
  train_cmd->add_option("--resume", train.resume, "continue the interrupted run in this folder");

  InfoArgs info;
  CLI::App* info_cmd = app.add_subcommand("info", "print a config's network: the module tree and the layer table");
  info_cmd->add_option("config", info.config, "TOML config file (default configs/disk.toml)");
  info_cmd->add_option("--set", info.sets, "override a config key: --set optimizer.lr=0.01 (repeatable)");
  info_cmd->add_flag("--system", info.system, "print the CPU, its vector extensions and the kernels in use");
  info_cmd->add_flag("--config-tables", info.config_tables,
                     "print every config key, layer type, loss, optimizer, scheduler and data source (docs/CONFIG.md's tables)");

  EvalArgs eval;
  CLI::App* eval_cmd = add_eval(app, eval);
  PredictArgs predict;
  CLI::App* predict_cmd = add_predict(app, predict);
  PlotArgs plot;
  CLI::App* plot_cmd = app.add_subcommand("plot", "redraw the plots of a run (or grid) folder from its data files");
  plot_cmd->add_option("dir", plot.dir, "run folder")->required();

  GridArgs grid;
  CLI::App* grid_cmd = add_grid(app, grid);
  GenerateArgs generate;
  CLI::App* generate_cmd = add_generate(app, generate);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help, or the error with a hint
    return code == 0 ? kOk : kUsageError;
  }
  if (train_cmd->parsed()) {
    train.runs_given = train_cmd->count("--runs") > 0;
    return train_command(train);
  }
  if (info_cmd->parsed()) return info_command(info);
  if (eval_cmd->parsed()) return eval_command(eval);
  if (predict_cmd->parsed()) return predict_command(predict);
  if (plot_cmd->parsed()) return plot_command(plot);
  if (grid_cmd->parsed()) return grid_command(grid);
  if (generate_cmd->parsed()) return generate_command(generate);
  return kUsageError;
}

}  // namespace
