// The plots of a run, drawn by gnuplot from the data files the run wrote, through scripts kept
// next to them (so a user can edit and redraw them; `minidl plot DIR` redraws all).
//   metrics.csv, iterations.csv (run,iteration,epoch,loss) -> curves.png    (loss per iteration, accuracy and error per epoch)
//   boundary.csv, test_points.csv -> boundary.png (decision boundary, misclassified in red)
//   train_points.csv -> dataset.png
#pragma once

#include <string>
#include <vector>

namespace minidl::cli {

// Writes the scripts (and curves_mean.csv, the per-epoch mean and std over runs) for every data
// file present in `dir` and runs gnuplot on them. Returns the PNG files drawn; a missing gnuplot
// or a failed script is a warning in `warnings`, never an error (the data files stay). A SIGINT or
// SIGTERM while gnuplot runs stops the plot step and sets `*interrupted` (the caller exits 130).
// A metrics.csv with a cell that is not a number throws DataError naming file and line.
std::vector<std::string> draw_plots(const std::string& dir, std::vector<std::string>& warnings,
                                    bool* interrupted = nullptr);

// gnuplot on `script` of `dir` (no shell), which draws `png`: into a temporary file renamed over
// `png` when complete, so a failed or interrupted gnuplot leaves no empty PNG. A failure keeps
// gnuplot's messages in <png stem>.gnuplot.log next to the plot and adds a warning citing it.
enum class PlotResult { drawn, failed, interrupted };
PlotResult run_gnuplot(const std::string& dir, const std::string& script, const std::string& png,
                       std::vector<std::string>& warnings);
bool have_gnuplot();

// The lines of a file of the run folder, without their '\n'; none when it cannot be read.
std::vector<std::string> read_lines(const std::string& path);

// `text` as a gnuplot string: single-quoted (no `command` substitution in a user's value, quotes
// doubled), its line breaks joined in as "\n" (a title of several lines).
std::string gnuplot_string(const std::string& text);

}  // namespace minidl::cli
