// gnuplot scripts for the run plots. Each script reads CSV files of its folder by relative name,
// so the folder can be moved and redrawn.
#include "plots.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "minidl/error.h"
#include "minidl/io/atomic_file.h"
#include "curve_means.h"
#include "subprocess.h"

namespace minidl::cli {

namespace fs = std::filesystem;

namespace {

const char* kTerminal = "set terminal pngcairo size 1100,450 font 'DejaVu Sans,10'\n";

void write_file(const fs::path& path, const std::string& text) { write_file_atomically(path.string(), text); }

// `accuracy` false (regression): the test loss replaces the test accuracy, the loss the error.
// The columns of curves_mean.csv are those of kCurveMeansHeader (curve_means.h).
std::string curves_script(int runs, bool accuracy) {
  const std::string test_curve = accuracy ? "test accuracy" : "test loss", error = accuracy ? "error" : "loss";
  // Mean and std of the train and test curves of the right panel: the error is 1 - accuracy.
  const std::string train_mean = accuracy ? "(1-$7)" : "$3", train_std = accuracy ? "$8" : "$4";
  const std::string test_mean = accuracy ? "(1-$9)" : "$5", test_std = accuracy ? "$10" : "$6";
  std::ostringstream s;
  s << "# Training curves: drawn by minidl from metrics.csv, iterations.csv and curves_mean.csv.\n"
    << kTerminal << "set output 'curves.png'\n"
    << "set datafile separator ','\nset key autotitle columnhead\nset grid\nset format y '%g'\n"
    << "set multiplot layout 1,2\n"
    // Left: report 000's figure, train loss per iteration and test accuracy per epoch.
    << "set title 'train loss per iteration" << (runs > 1 ? " (last run)" : "") << ", " + test_curve + " per epoch'\n"
    << "set xlabel 'epoch'\nset ylabel 'train loss'\nset y2label '" + test_curve + "'\n"
    << "set y2tics\nset ytics nomirror\nset key bottom left\n"
    << "stats 'iterations.csv' using 1 nooutput\nlast_run = STATS_max\n"
    // A loss that can be negative (nll of outputs that are not log-probabilities) on a linear axis.
    << "stats 'iterations.csv' using 4 nooutput name 'LOSS'\nif (LOSS_min > 0) set logscale y\n"
    << "plot 'iterations.csv' using ($1 == last_run ? $3 : 1/0):4 "
       "with lines lc rgb '#1f77b4' title 'train loss', \\\n"
    << "     'curves_mean.csv' using 1:" << (accuracy ? 9 : 5)
    << " axes x1y2 with linespoints pt 7 ps 0.5 lc rgb '#d62728' title '" + test_curve + "'\n"
    << "unset logscale y\nunset y2label\nunset y2tics\nset ytics mirror\n"
    // Right: train and test error per epoch, mean and one-std band over runs (report 003).
    << "set title '" + error + " per epoch" << (runs > 1 ? " (mean and std over " + std::to_string(runs) + " runs)" : "")
    << "'\nset ylabel '" + std::string(accuracy ? "error rate" : "loss") + "'\nset key top right\nset logscale y\n"
    << "plot 'curves_mean.csv' using 1:(max(" << train_mean << "-" << train_std << ", 1e-4)):(" << train_mean << "+"
    << train_std << ") with filledcurves fs transparent solid 0.2 lc rgb '#1f77b4' notitle, \\\n"
    << "     'curves_mean.csv' using 1:(max(" << train_mean
    << ", 1e-4)) with linespoints lw 2 pt 7 ps 0.5 lc rgb '#1f77b4' title 'train " + error + "', \\\n"
    << "     'curves_mean.csv' using 1:(max(" << test_mean << "-" << test_std << ", 1e-4)):(" << test_mean << "+"
    << test_std << ") with filledcurves fs transparent solid 0.2 lc rgb '#d62728' notitle, \\\n"
    << "     'curves_mean.csv' using 1:(max(" << test_mean
    << ", 1e-4)) with linespoints lw 2 pt 7 ps 0.5 lc rgb '#d62728' title 'test " + error + "'\n"
    << "unset multiplot\n";
  return "max(a, b) = a > b ? a : b\n" + s.str();
}

std::string boundary_script() {
  return "# Decision boundary over [0,1]^2 with the test points; misclassified points in red.\n"
         "set terminal pngcairo size 650,600 font 'DejaVu Sans,10'\nset output 'boundary.png'\n"
         "set datafile separator ','\nset size square\nset xrange [0:1]\nset yrange [0:1]\n"
         "set xlabel 'x'\nset ylabel 'y'\nset title 'decision boundary and test points'\n"
         "set palette defined (0 '#d6e4f5', 0.5 '#ffffff', 1 '#fddcb8')\nunset colorbox\n"
         "set key outside bottom center horizontal\nset parametric\nset trange [0:2*pi]\n"
         "r = 1/sqrt(2*pi)\n"
         "plot 'boundary.csv' using 1:2:3 skip 1 with image notitle, \\\n"
         "     0.5 + r*cos(t), 0.5 + r*sin(t) with lines lc rgb '#444444' dt 2 title 'true disk', \\\n"
         "     'test_points.csv' skip 1 using ($3 == 0 && $4 == $3 ? $1 : 1/0):2 with points pt 7 ps 0.5 "
         "lc rgb '#1f77b4' title 'class 0', \\\n"
         "     'test_points.csv' skip 1 using ($3 == 1 && $4 == $3 ? $1 : 1/0):2 with points pt 7 ps 0.5 "
         "lc rgb '#ff7f0e' title 'class 1', \\\n"
         "     'test_points.csv' skip 1 using ($4 != $3 ? $1 : 1/0):2 with points pt 7 ps 0.9 "
         "lc rgb '#e00000' title 'misclassified'\n";
}

std::string dataset_script() {
  return "# The training set by class.\n"
         "set terminal pngcairo size 600,600 font 'DejaVu Sans,10'\nset output 'dataset.png'\n"
         "set datafile separator ','\nset size square\nset xrange [0:1]\nset yrange [0:1]\n"
         "set xlabel 'x'\nset ylabel 'y'\nset title 'training set'\nset key outside bottom center horizontal\n"
         "plot 'train_points.csv' skip 1 using ($3 == 0 ? $1 : 1/0):2 with points pt 7 ps 0.5 lc rgb '#1f77b4' "
         "title 'class 0', \\\n"
         "     'train_points.csv' skip 1 using ($3 == 1 ? $1 : 1/0):2 with points pt 7 ps 0.5 lc rgb '#ff7f0e' "
         "title 'class 1'\n";
}

std::string confusion_script(const std::vector<std::string>& names) {
  std::ostringstream s;
  std::ostringstream tics;
  for (size_t i = 0; i < names.size(); ++i) tics << (i ? ", " : "") << gnuplot_string(names[i]) << " " << i;
  s << "# Test confusion matrix of the last run: rows are the true class, columns the prediction.\n"
    << "set terminal pngcairo size 820,720 font 'DejaVu Sans,10'\nset output 'confusion.png'\n"
    << "set title 'confusion matrix on the test set (rows: true class, columns: predicted)'\n"
    << "set xtics (" << tics.str() << ") rotate by 35 right\nset ytics (" << tics.str() << ")\n"
    << "set xrange [-0.5:" << names.size() - 0.5 << "]\nset yrange [" << names.size() - 0.5 << ":-0.5]\n"
    << "set xlabel 'predicted class'\nset ylabel 'true class'\nset size ratio -1\n"
    << "set palette defined (0 '#ffffff', 1 '#9ecae1', 2 '#08519c')\nset logscale cb\nset cbrange [1:*]\n"
    << "set cblabel 'test images'\n"
    << "plot 'confusion_matrix.dat' matrix using 1:2:($3 > 0 ? $3 : 1) with image notitle, \\\n"
    << "     'confusion_matrix.dat' matrix using 1:2:(sprintf('%d', $3)) with labels font ',9' notitle\n";
  return s.str();
}

std::string errors_script(const fs::path& dir) {
  std::vector<std::string> rows = read_lines(dir / "errors.csv");
  size_t count = rows.size() > 1 ? rows.size() - 1 : 0;
  std::ostringstream s;
  s << "# Misclassified test images of the last run (true class -> predicted class).\n"
    << "set terminal pngcairo size 1200,900 font 'DejaVu Sans,9'\nset output 'errors.png'\n"
    << "set palette gray negative\nunset colorbox\nunset tics\nunset border\nset size ratio -1\n"
    << "set multiplot layout 4,6 title 'misclassified test images: true -> predicted'\n";
  for (size_t k = 0; k < count; ++k) {
    std::vector<std::string> cells = split_csv_line(rows[k + 1]);
    std::string title = cells.size() >= 3 ? cells[1] + " -> " + cells[2] : "";
    s << "set title " << gnuplot_string(title) << "\n"
      << "plot 'errors.bin' binary array=(28,28) skip=" << k * 784 << " format='%uchar' flipy with image notitle\n";
  }
  s << "unset multiplot\n";
  return s.str();
}

}  // namespace

PlotResult run_gnuplot(const std::string& dir_name, const std::string& script, const std::string& png,
                       std::vector<std::string>& warnings) {
  fs::path dir(dir_name);
  // gnuplot draws into a temporary file, renamed over the PNG once complete: an interrupted or
  // failed gnuplot never leaves an empty or half-drawn PNG. The script kept for the user names
  // the PNG; the copy that runs names the temporary file (same lines, so gnuplot's line numbers
  // hold for both).
  std::string text;
  {
    std::ifstream in(dir / script);
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  const std::string part = "." + png + ".part", run_script = "." + script + ".run", log = png.substr(0, png.rfind('.')) + ".gnuplot.log";
  const std::string line = "set output '" + png + "'";
  size_t at = text.find(line);
  if (at == std::string::npos) {
    warnings.push_back((dir / script).string() + ": has no `" + line + "` line; not drawn");
    return PlotResult::failed;
  }
  text.replace(at, line.size(), "set output '" + part + "'");
  std::error_code ec;
  try {
    write_file_atomically((dir / run_script).string(), text);
  } catch (const std::exception& e) {
    warnings.push_back(e.what());
    return PlotResult::failed;
  }
  ProgramResult r = run_program({"gnuplot", run_script}, dir.string(), log);
  fs::remove(dir / run_script, ec);
  bool drawn = r.started && !r.interrupted && r.exit_code == 0 && fs::exists(dir / part, ec) &&
               fs::file_size(dir / part, ec) > 0;
  if (drawn) {
    fs::rename(dir / part, dir / png, ec);
    drawn = !ec;
  }
  fs::remove(dir / part, ec);
  if (r.interrupted) {
    fs::remove(dir / log, ec);
    return PlotResult::interrupted;
  }
  if (!r.started) {
    warnings.push_back("cannot draw " + (dir / png).string() + ": " + r.error);
    return PlotResult::failed;
  }
  if (!drawn) {
    warnings.push_back("gnuplot failed on " + (dir / script).string() + ", " + png + " not drawn (its messages: " +
                       (dir / log).string() + ")");
    return PlotResult::failed;
  }
  fs::remove(dir / log, ec);
  return PlotResult::drawn;
}

bool have_gnuplot() { return !find_program("gnuplot").empty(); }

std::vector<std::string> draw_plots(const std::string& dir_name, std::vector<std::string>& warnings, bool* interrupted) {
  fs::path dir(dir_name);
  std::vector<std::pair<std::string, std::string>> jobs;  // script, png
  if (fs::exists(dir / "metrics.csv") && fs::exists(dir / "iterations.csv")) {
    CurveMeans means = write_curve_means(dir.string());
    int runs = means.runs;
    if (runs > 0) {
      write_file(dir / "curves.gp", curves_script(runs, means.accuracy));
      jobs.emplace_back("curves.gp", "curves.png");
    }
  }
  if (fs::exists(dir / "boundary.csv") && fs::exists(dir / "test_points.csv")) {
    write_file(dir / "boundary.gp", boundary_script());
    jobs.emplace_back("boundary.gp", "boundary.png");
  }
  if (fs::exists(dir / "confusion_matrix.dat") && fs::exists(dir / "class_names.txt")) {
    write_file(dir / "confusion.gp", confusion_script(read_lines(dir / "class_names.txt")));
    jobs.emplace_back("confusion.gp", "confusion.png");
  }
  if (fs::exists(dir / "errors.bin") && fs::exists(dir / "errors.csv") && fs::file_size(dir / "errors.bin") > 0) {
    write_file(dir / "errors.gp", errors_script(dir));
    jobs.emplace_back("errors.gp", "errors.png");
  }
  if (fs::exists(dir / "train_points.csv")) {
    write_file(dir / "dataset.gp", dataset_script());
    jobs.emplace_back("dataset.gp", "dataset.png");
  }
  std::vector<std::string> drawn;
  if (jobs.empty()) return drawn;
  if (!have_gnuplot()) {
    warnings.push_back("gnuplot is not installed (apt-get install gnuplot-nox): the plot scripts are in " +
                       dir.string() + ", run `minidl plot " + dir.string() + "` after installing it");
    return drawn;
  }
  for (const auto& [script, png] : jobs) {
    PlotResult r = run_gnuplot(dir_name, script, png, warnings);
    if (r == PlotResult::drawn) drawn.push_back((dir / png).string());
    if (r == PlotResult::interrupted) {
      if (interrupted) *interrupted = true;
      break;
    }
  }
  return drawn;
}

std::string gnuplot_string(const std::string& text) {
  std::string q = "'";
  for (char c : text) {
    if (c == '\n') q += "'.\"\\n\".'";
    else q += c == '\'' ? std::string("''") : std::string(1, c);
  }
  return q + "'";
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace minidl::cli
