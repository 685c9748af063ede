// `minidl plot DIR`: redraws the plots of a finished run (or grid) folder from its data files,
// e.g. after editing a .gp script or installing gnuplot.
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "plots.h"

namespace minidl::cli {

namespace fs = std::filesystem;

int plot_command(const PlotArgs& args) {
  const fs::path dir(args.dir);
  if (!fs::is_directory(dir)) {
    std::cerr << "minidl plot: " << args.dir << ": no such folder\n";
    return kRuntimeError;
  }
  bool run_data = fs::exists(dir / "metrics.csv") || fs::exists(dir / "boundary.csv") || fs::exists(dir / "train_points.csv");
  bool grid_data = fs::exists(dir / "grid.json");  // what grid.csv and grid_curves.csv are written from
  if (!run_data && !grid_data) {
    std::cerr << "minidl plot: " << args.dir
              << ": no run data there (metrics.csv, iterations.csv, boundary.csv, test_points.csv, train_points.csv or "
                 "grid.json); is it the output folder of `minidl train` or `minidl grid`?\n";
    return kRuntimeError;
  }
  std::vector<std::string> warnings, drawn;
  bool interrupted = false;
  try {
    if (run_data) drawn = draw_plots(args.dir, warnings, &interrupted);
    if (grid_data && !interrupted) {
      for (const std::string& png : draw_grid_plots(args.dir, warnings, &interrupted)) drawn.push_back(png);
    }
  } catch (const std::exception& e) {  // a damaged data file: DataError naming file and line
    std::cerr << "minidl plot: " << e.what() << "\n";
    return kRuntimeError;
  }
  for (const std::string& w : warnings) std::cerr << "warning: " << w << "\n";
  if (interrupted) {
    std::cerr << "minidl plot: interrupted\n";
    return kInterrupted;
  }
  for (const std::string& png : drawn) std::cout << png << "\n";
  if (drawn.empty()) {
    std::cerr << "minidl plot: " << args.dir << ": no plot drawn\n";
    return kRuntimeError;
  }
  return warnings.empty() ? kOk : kRuntimeError;
}

}  // namespace minidl::cli
