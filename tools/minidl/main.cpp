// minidl: the command line. Parses the flags (CLI11) and hands each subcommand to its file.
#include <CLI/CLI.hpp>

#include <iostream>

#include "commands.h"

int main(int argc, char** argv) {
  using namespace minidl::cli;
  CLI::App app{"minidl: train and evaluate small networks (docs/CONFIG.md lists the config keys)", "minidl"};
  app.require_subcommand(1);

  TrainArgs train;
  CLI::App* train_cmd = app.add_subcommand("train", "train a config's network (default configs/disk.toml)");
  train_cmd->add_option("config", train.config, "TOML config file");
  train_cmd->add_option("--set", train.sets, "override a config key: --set optimizer.lr=0.01 (repeatable)");
  train_cmd->add_option("--runs", train.runs, "number of runs; run i uses seed S+i")->check(CLI::PositiveNumber);
  train_cmd->add_option("--seed", train.seed, "seed of run 0 (default train.seed)");
  train_cmd->add_option("--threads", train.threads, "threads for OpenBLAS (default 1)")->check(CLI::PositiveNumber);
  train_cmd->add_option("--out", train.out, "output folder (default runs/<config>-<timestamp>)");
  train_cmd->add_flag("--quiet", train.quiet, "print only the final summary line");
  train_cmd->add_option("--resume", train.resume, "continue the interrupted run in this folder");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help, or the error with a hint
    return code == 0 ? kOk : kUsageError;
  }
  if (train_cmd->parsed()) return train_command(train);
  return kUsageError;
}
