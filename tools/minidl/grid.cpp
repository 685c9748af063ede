// `minidl grid`: a sweep over config values (report 003's learning-rate search). Each
// `--set key=[v1,v2,...]` is swept, the settings are the cartesian product of the swept values,
// and each is trained `--runs` times by the machinery of `minidl train` into OUT/<setting>/ (a
// normal run folder). OUT/grid.json holds mean and std per setting; grid.png (gnuplot, script
// grid.gp next to grid.csv) shows test accuracy against the first swept key, and grid_curves.png
// (grid_curves.h) every setting's loss and accuracy per epoch.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "minidl/dist/collectives.h"
#include "minidl/dist/process_group.h"
#include "commands.h"
#include "statistics.h"
#include "minidl/io/atomic_file.h"
#include "minidl/threads.h"
#include "grid_curves.h"
#include "outputs.h"
#include "plots.h"
#include "run_lock.h"

namespace minidl::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// "0.1, [0.9,0.99], 'a,b'" -> {"0.1", "[0.9,0.99]", "'a,b'"}: commas inside brackets, braces or
// quotes do not split.
std::vector<std::string> split_elements(const std::string& list, const std::string& assignment) {
  std::vector<std::string> out;
  std::string current;
  int depth = 0;
  char quote = 0;
  for (char c : list) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 0) {
      out.push_back(trim(current));
      current.clear();
      continue;
    }
    current += c;
  }
  if (!trim(current).empty() || !out.empty()) out.push_back(trim(current));
  for (const std::string& e : out) {
    if (e.empty()) throw ConfigError("--set " + assignment + ": an empty value in the list");
  }
  if (out.empty()) throw ConfigError("--set " + assignment + ": the list of values to sweep is empty");
  return out;
}

// A --set value as JSON: numbers, booleans and strings as themselves, anything else as its text.
json literal_json(const std::string& value) {
  try {
    toml::table t = toml::parse("v = " + value);
    const toml::node& n = *t.get("v");
    if (auto v = n.as_integer()) return v->get();
    if (auto v = n.as_floating_point()) return v->get();
    if (auto v = n.as_boolean()) return v->get();
    if (auto v = n.as_string()) return v->get();
  } catch (const toml::parse_error&) {
  }
  return value;  // a bare word (taken as a string by --set), an array, a table
}

// A value as a folder-name part: quotes dropped, characters other than [A-Za-z0-9._+-] as '_'.
std::string folder_part(std::string value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
    value = value.substr(1, value.size() - 2);
  }
  for (char& c : value) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '+' && c != '-') c = '_';
  }
  return value.empty() ? "_" : value;
}

struct Sweep {
  std::string key;
  std::vector<std::string> values;
};

struct Setting {
  std::vector<std::pair<std::string, std::string>> swept;  // key, value literal
  std::string name;                                        // "lr=0.01,batch_size=50"
};

std::vector<Setting> cartesian_product(const std::vector<Sweep>& sweeps) {
  std::vector<Setting> settings{Setting{}};
  for (const Sweep& s : sweeps) {
    std::vector<Setting> next;
    for (const Setting& base : settings) {
      for (const std::string& v : s.values) {
        Setting grown = base;
        grown.swept.emplace_back(s.key, v);
        next.push_back(grown);
      }
    }
    settings = next;
  }
  // Folder names: the last part of each key when that is unambiguous ("lr=0.01").
  std::set<std::string> short_names;
  bool unique = true;
  for (const Sweep& s : sweeps) unique &= short_names.insert(s.key.substr(s.key.rfind('.') + 1)).second;
  std::set<std::string> used;
  for (Setting& setting : settings) {
    std::string name;
    for (const auto& [key, value] : setting.swept) {
      name += (name.empty() ? "" : ",") + (unique ? key.substr(key.rfind('.') + 1) : key) + "=" + folder_part(value);
    }
    std::string candidate = name;
    for (int i = 2; !used.insert(candidate).second; ++i) candidate = name + "-" + std::to_string(i);
    setting.name = candidate;
  }
  return settings;
}

json number_or_null(double v) { return std::isnan(v) ? json(nullptr) : json(v); }

}  // namespace

namespace {

// grid.gp: the mean test accuracy (or loss) of each setting against the first swept key, with std
// error bars, one series per combination of the other keys. A numeric key is a line; a categorical
// one (optimizer.name) is points over its values: no order between them for a line to follow.
std::string grid_script(const std::string& key, bool accuracy, bool numeric, bool log_x, int64_t runs,
                        const std::vector<std::string>& series, const std::vector<std::string>& diverged_names) {
  std::ostringstream gp;
  gp << "# " << (accuracy ? "Test accuracy" : "Test loss") << " per setting of `minidl grid`: mean with std error bars.\n"
     << "set terminal pngcairo noenhanced size 800,500 font 'DejaVu Sans,10'\nset output 'grid.png'\n"
     << "set datafile separator ','\nset grid\nset key bottom right\n"
     << "set title '" << (accuracy ? "test accuracy" : "test loss") << " against " << key << " (mean"
     << (runs > 1 ? " and std over " + std::to_string(runs) + " runs" : " of 1 run") << ")";
  if (!diverged_names.empty()) {
    std::string names;
    for (const std::string& n : diverged_names) names += (names.empty() ? "" : ", ") + n;
    for (char& c : names) c = c == '\'' ? '"' : c;
    gp << "; diverged: " << names;
  }
  gp << "'\n"
     << "set xlabel '" << key << "'\nset ylabel '" << (accuracy ? "test accuracy" : "test loss") << "'\n"
     << "set autoscale xfix\nset offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\nset format x '%g'\n";
  if (log_x) gp << "set logscale x\n";
  if (accuracy) gp << "set format y '%g%%'\nset yrange [*:* < 100]\n";
  std::string scale = accuracy ? "100*" : "";
  gp << "plot ";
  for (size_t b = 0; b < series.size(); ++b) {
    std::string title = series[b].empty() ? (accuracy ? "test accuracy" : "test loss") : series[b];
    for (char& c : title) c = c == '\'' ? '"' : c;
    gp << (b ? ", \\\n     " : "") << "'grid.csv' index " << b << " using 1:(" << scale << "$2):(" << scale << "$3)"
       << (numeric ? "" : ":xticlabels(4)") << (numeric ? " with yerrorlines" : " with yerrorbars") << " pt 7 lw 2 title '" << title << "'";
  }
  gp << "\n";
  return gp.str();
}

// grid.json -> grid.csv (one block per combination of the other swept keys) and grid.gp. False
// when there is nothing to draw.
bool write_grid_plot(const fs::path& dir, const json& grid, std::vector<std::string>& warnings) {
  json settings = json::array();
  std::vector<std::string> swept, diverged_names;
  try {
    // Settings that diverged have no results: they are named in the title instead.
    for (const json& s : grid.at("settings")) {
      if (s.contains("diverged") || !s.at("test_loss_mean").is_number()) diverged_names.push_back(s.at("name").get<std::string>());
      else settings.push_back(s);
    }
    swept = grid.at("swept").get<std::vector<std::string>>();
    grid.at("runs").get<int64_t>();
  } catch (const std::exception& e) {
    warnings.push_back((dir / "grid.json").string() + ": not a grid of `minidl grid`: " + e.what());
    return false;
  }
  if (settings.empty() || swept.empty()) return false;
  const std::string& key = swept[0];
  bool accuracy = settings[0]["test_accuracy_mean"].is_number();
  const char* mean_key = accuracy ? "test_accuracy_mean" : "test_loss_mean";
  const char* std_key = accuracy ? "test_accuracy_std" : "test_loss_std";
  bool numeric = true;
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : settings) {
    const json& v = s["set"][key];
    numeric &= v.is_number();
    if (v.is_number()) lo = std::min(lo, v.get<double>()), hi = std::max(hi, v.get<double>());
  }
  bool log_x = numeric && lo > 0 && hi / lo > 10;
  // Series: the settings that share the values of the other swept keys, in order of appearance.
  std::vector<std::string> series;
  std::map<std::string, std::vector<const json*>> members;
  std::vector<std::string> x_labels;  // non-numeric x: the values in order of appearance
  for (const auto& s : settings) {
    std::string label;
    for (size_t i = 1; i < swept.size(); ++i) label += (i > 1 ? ", " : "") + swept[i] + "=" + s["set"][swept[i]].dump();
    if (!members.contains(label)) series.push_back(label);
    members[label].push_back(&s);
    std::string x = s["set"][key].dump();
    if (std::find(x_labels.begin(), x_labels.end(), x) == x_labels.end()) x_labels.push_back(x);
  }
  std::ostringstream csv;
  csv << "# " << key << "," << mean_key << "," << std_key << ",label (one block per series)\n";
  for (size_t b = 0; b < series.size(); ++b) {
    if (b > 0) csv << "\n\n";
    for (const json* s : members[series[b]]) {
      const json& v = (*s)["set"][key];
      std::string x = v.dump();
      double position = numeric ? v.get<double>()
                                : static_cast<double>(std::find(x_labels.begin(), x_labels.end(), x) - x_labels.begin());
      std::string label = v.is_string() ? v.get<std::string>() : x;
      csv << std::setprecision(10) << position << ',' << (*s)[mean_key].get<double>() << ','
          << ((*s)[std_key].is_number() ? (*s)[std_key].get<double>() : 0.0) << ',' << label << '\n';
    }
  }
  write_file_atomically((dir / "grid.csv").string(), csv.str());

  write_file_atomically((dir / "grid.gp").string(),
                        grid_script(key, accuracy, numeric, log_x, grid["runs"].get<int64_t>(), series, diverged_names));
  return true;
}

}  // namespace

// grid.json -> grid.gp -> grid.png and grid_curves.gp -> grid_curves.png: the scripts and their CSV
// first, so that a grid without gnuplot keeps them for `minidl plot`.
std::vector<std::string> draw_grid_plots(const std::string& dir_name, std::vector<std::string>& warnings,
                                         bool* interrupted) {
  const fs::path dir(dir_name);
  json grid;
  try {
    std::ifstream in(dir / "grid.json");
    grid = json::parse(in);
  } catch (const std::exception& e) {
    warnings.push_back((dir / "grid.json").string() + ": cannot be read: " + e.what());
    return {};
  }
  std::vector<std::pair<std::string, std::string>> jobs;  // script, png
  if (write_grid_plot(dir, grid, warnings)) jobs.emplace_back("grid.gp", "grid.png");
  try {
    if (write_grid_curves(dir_name, grid, warnings)) jobs.emplace_back("grid_curves.gp", "grid_curves.png");
  } catch (const json::exception& e) {  // a grid.json edited or of an older minidl (no "dir")
    warnings.push_back((dir / "grid.json").string() + ": grid_curves.png not drawn: " + e.what());
  }
  if (jobs.empty()) return {};
  if (!have_gnuplot()) {
    warnings.push_back("gnuplot is not installed (apt-get install gnuplot-nox): run `minidl plot " + dir.string() +
                       "` after installing it");
    return {};
  }
  std::vector<std::string> drawn;
  for (const auto& [script, png] : jobs) {
    PlotResult r = run_gnuplot(dir.string(), script, png, warnings);
    if (r == PlotResult::drawn) drawn.push_back((dir / png).string());
    if (r == PlotResult::interrupted) {
      if (interrupted) *interrupted = true;
      break;
    }
  }
  return drawn;
}

namespace {

// The --set flags: key=[v1,v2,...] is swept, key=value fixed. Throws ConfigError.
void read_sets(const std::vector<std::string>& sets, std::vector<std::string>& fixed, std::vector<Sweep>& sweeps) {
  for (const std::string& assignment : sets) {
    size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw ConfigError("--set " + assignment + ": expected key=[v1,v2,...] (swept) or key=value (fixed)");
    }
    std::string key = trim(assignment.substr(0, eq)), value = trim(assignment.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '[' && value.back() == ']') {
      for (const Sweep& s : sweeps) {
        if (s.key == key) throw ConfigError("--set " + assignment + ": " + key + " is swept twice");
      }
      sweeps.push_back({key, split_elements(value.substr(1, value.size() - 2), assignment)});
    } else {
      fixed.push_back(assignment);
    }
  }
  if (sweeps.empty()) {
    throw ConfigError("nothing to sweep: give at least one --set key=[v1,v2,...] (e.g. --set optimizer.lr=[0.001,0.01])");
  }
}

// A grid being run: its settings, each setting's config and, for this rank's settings, its first
// run (built once: probed before anything is written, then trained).
struct Grid {
  explicit Grid(const GridArgs& a) : args(a) {}
  const GridArgs& args;
  std::vector<std::string> fixed;
  std::vector<Sweep> sweeps;
  std::vector<Setting> settings;
  std::vector<std::unique_ptr<Config>> configs;  // runs keep a reference to their config
  std::vector<std::unique_ptr<Run>> first_runs;
  std::string out;
  int world = 1, rank = 0;

  int64_t seed_of(size_t i) const { return args.seed ? *args.seed : configs[i]->get_int("train.seed"); }
  bool mine(size_t i) const { return static_cast<int>(i % static_cast<size_t>(world)) == rank; }
  int check_request();
  int probe_settings();
  int lock_folder(std::unique_ptr<RunLock>& lock);
  int train_setting(size_t i, bool verbose, json& row);
  json gather_rows(const json& mine_rows) const;
  int report(const json& rows) const;
};

int Grid::check_request() {
  try {
    read_sets(args.sets, fixed, sweeps);
    settings = cartesian_product(sweeps);
    for (const Setting& setting : settings) {
      std::vector<std::string> sets = fixed;
      for (const auto& [key, value] : setting.swept) sets.push_back(key + "=" + value);
      configs.push_back(std::make_unique<Config>(Config::load(args.config, sets)));
    }
    for (const std::string& w : configs[0]->warnings()) std::cerr << "warning: " << w << "\n";
    if (rank == 0 && fs::exists(out) && (!fs::is_directory(out) || !fs::is_empty(out))) {
      std::cerr << "minidl grid: --out " << out << " exists and is not empty; choose another folder or remove it\n";
      return kUsageError;
    }
  } catch (...) {
    return command_failed("grid");
  }
  return kOk;
}

// Every setting's model is built and probed before the folder exists; this rank keeps its own.
int Grid::probe_settings() {
  for (size_t i = 0; i < settings.size(); ++i) {
    std::unique_ptr<Run> probe;
    std::string name = args.config + " with " + settings[i].name;
    if (int code = build_checked_run(*configs[i], name, 0, static_cast<uint64_t>(seed_of(i)), "grid", probe)) return code;
    first_runs.push_back(mine(i) ? std::move(probe) : nullptr);
  }
  return kOk;
}

// One grid writes the folder (a default name is never taken twice).
int Grid::lock_folder(std::unique_ptr<RunLock>& lock) {
  try {
    if (rank == 0) {
      if (args.out.empty()) out = reserve_folder(out);
      lock = std::make_unique<RunLock>(out);
    }
  } catch (const std::exception& e) {
    std::cerr << "minidl grid: " << e.what() << "\n";
    return kRuntimeError;
  }
  if (rank == 0 && !lock->was_empty()) {
    std::cerr << "minidl grid: " << out << " is not empty (another process wrote it meanwhile); choose another folder\n";
    return kUsageError;
  }
  if (world > 1) out = dist::all_gather(out)[0];  // rank 0's folder (a default name has rank 0's clock)
  return kOk;
}

// Trains setting i in its folder (the path of `train`) and fills its row of grid.json.
int Grid::train_setting(size_t i, bool verbose, json& row) {
  const Setting& setting = settings[i];
  if (verbose) std::cout << "[" << i + 1 << "/" << settings.size() << "] " << setting.name << ": " << std::flush;
  TrainJob job;
  job.config = configs[i].get();
  job.config_name = args.config;
  job.dir = (fs::path(out) / setting.name).string();
  job.runs = args.runs;
  job.seed = seed_of(i);
  job.quiet = true;  // one line per setting: the summary line of `train`
  job.command = "grid";
  job.summary_line = verbose;
  json summary;
  if (int code = run_training(job, std::move(first_runs[i]), &summary)) {
    // A diverged setting is a result of the sweep (too large a learning rate): marked, and
    // the grid goes on with the others.
    if (!(code == kRuntimeError && summary.contains("diverged"))) return code;
    if (verbose) std::cout << "diverged at epoch " << summary["diverged"]["epoch"] << "; going on" << std::endl;
  }
  row["name"] = setting.name;
  row["dir"] = setting.name;
  row["set"] = json::object();
  for (const auto& [key, value] : setting.swept) row["set"][key] = literal_json(value);
  const json& runs = summary["runs"];
  for (const char* key : {"test_accuracy", "test_loss"}) {
    row[std::string(key) + "_mean"] = number_or_null(mean_over(runs, key));
    row[std::string(key) + "_std"] = number_or_null(std_over(runs, key));
  }
  row["train_accuracy_mean"] = number_or_null(mean_over(runs, "train_accuracy"));
  row["train_seconds_mean"] = number_or_null(mean_over(runs, "train_seconds"));
  if (summary.contains("diverged")) {
    row["diverged"] = summary["diverged"];
    for (const char* key : {"test_accuracy_mean", "test_accuracy_std", "test_loss_mean", "test_loss_std",
                            "train_accuracy_mean"}) {
      row[key] = nullptr;  // the runs before the diverged one are in its folder's summary.json
    }
  }
  return kOk;
}

// Every rank's rows to every rank, in setting order: the grid.json of a one-process grid.
json Grid::gather_rows(const json& mine_rows) const {
  std::vector<std::string> parts = world > 1 ? dist::all_gather(mine_rows.dump()) : std::vector<std::string>{mine_rows.dump()};
  json all = json::object(), rows = json::array();
  for (const std::string& part : parts) all.update(json::parse(part));
  for (size_t i = 0; i < settings.size(); ++i) rows.push_back(all.at(std::to_string(i)));
  return rows;
}

// The table of settings; returns the best (by test accuracy, else test loss), or rows.size()
// when every setting diverged.
size_t print_table(const json& rows) {
  auto diverged = [](const json& r) { return r.contains("diverged"); };
  size_t first_ok = 0;
  while (first_ok < rows.size() && diverged(rows[first_ok])) ++first_ok;
  if (first_ok == rows.size()) return first_ok;
  bool accuracy = !rows[first_ok]["test_accuracy_mean"].is_null();
  size_t width = 7;
  for (const json& r : rows) width = std::max(width, r["name"].get<std::string>().size());
  std::printf("\n%-*s  %22s  %10s  %10s\n", static_cast<int>(width), "setting",
              accuracy ? "test accuracy (std)" : "test loss (std)", accuracy ? "test loss" : "", "train s");
  size_t best = first_ok;
  for (size_t i = 0; i < rows.size(); ++i) {
    const json& r = rows[i];
    char main_column[64];
    if (diverged(r)) {
      std::snprintf(main_column, sizeof main_column, "diverged (epoch %lld)",
                    static_cast<long long>(r["diverged"]["epoch"].get<int64_t>()));
      std::printf("%-*s  %22s  %10s  %10s\n", static_cast<int>(width), r["name"].get<std::string>().c_str(), main_column,
                  "", "");
      continue;
    }
    if (accuracy) {
      std::snprintf(main_column, sizeof main_column, "%.2f%% (%.2f%%)", 100 * r["test_accuracy_mean"].get<double>(),
                    100 * r["test_accuracy_std"].get<double>());
      if (r["test_accuracy_mean"].get<double>() > rows[best]["test_accuracy_mean"].get<double>()) best = i;
    } else {
      std::snprintf(main_column, sizeof main_column, "%.4g (%.2g)", r["test_loss_mean"].get<double>(),
                    r["test_loss_std"].get<double>());
      if (r["test_loss_mean"].get<double>() < rows[best]["test_loss_mean"].get<double>()) best = i;
    }
    std::printf("%-*s  %22s  %10s  %10.3f\n", static_cast<int>(width), r["name"].get<std::string>().c_str(), main_column,
                accuracy ? (std::to_string(r["test_loss_mean"].get<double>()).c_str()) : "",
                r["train_seconds_mean"].get<double>());
  }
  return best;
}

// grid.json, the table, grid.png and the best setting (rank 0).
int Grid::report(const json& rows) const {
  json grid;
  grid["schema_version"] = 1;
  grid["config"] = args.config;
  grid["runs"] = args.runs;
  grid["swept"] = json::array();
  for (const Sweep& s : sweeps) grid["swept"].push_back(s.key);
  grid["fixed"] = fixed;
  grid["settings"] = rows;
  try {
    write_file_atomically((fs::path(out) / "grid.json").string(), grid.dump(2) + "\n");
  } catch (const std::exception& e) {
    std::cerr << "minidl grid: " << e.what() << "\n";
    return kRuntimeError;
  }
  // Settings that diverged are marked in the table and left out of "best" and of the plot.
  size_t best = print_table(rows);
  if (best == rows.size()) {
    std::cerr << "minidl grid: every setting diverged (see the \"diverged\" entries of " << out << "/grid.json)\n";
    return kRuntimeError;
  }
  std::vector<std::string> warnings;
  bool all_equal = rows.size() > 1;
  for (const json& r : rows) all_equal &= !r.contains("diverged") && r["test_loss_mean"] == rows[0]["test_loss_mean"];
  if (all_equal) {
    warnings.push_back("every setting gave exactly the same results: do the swept keys change anything in this config?");
  }
  bool plot_interrupted = false;
  std::vector<std::string> drawn = draw_grid_plots(out, warnings, &plot_interrupted);
  for (const std::string& w : warnings) std::cerr << "warning: " << w << "\n";
  if (plot_interrupted) {
    std::cerr << "minidl grid: interrupted while drawing the plot; the results are in " << out
              << "/grid.json, redraw with: minidl plot " << out << "\n";
    return kInterrupted;
  }
  std::cout << "best: " << rows[best]["name"].get<std::string>() << "; results in " << out << "/grid.json";
  for (const std::string& png : drawn) std::cout << ", " << png;
  std::cout << "\n";
  std::cout.flush();
  return kOk;
}

}  // namespace

// Under mpirun the settings are shared among the ranks (setting i goes to rank i mod N), each
// trained by one process as in a one-process grid; rank 0 gathers the rows and writes grid.json.
int grid_command(const GridArgs& args) {
  Grid grid(args);
  grid.world = dist::world_size();
  grid.rank = dist::rank();
  grid.out = args.out.empty() ? default_run_dir(args.config, "grid-") : args.out;
  // ---- the request, every setting's config and model checked before anything is written ----
  if (int code = grid.check_request()) return code;
  set_num_threads(args.threads);
  if (int code = grid.probe_settings()) return code;
  std::unique_ptr<RunLock> lock;
  if (int code = grid.lock_folder(lock)) return code;
  // ---- train every setting ----
  const bool verbose = !args.quiet && grid.rank == 0;  // one display: rank 0's (its own settings)
  if (verbose) {
    std::cout << "minidl grid " << args.config << ": " << grid.settings.size() << " settings x " << args.runs
              << (args.runs == 1 ? " run" : " runs") << ", writing " << grid.out
              << (grid.world > 1 ? ", shared among " + std::to_string(grid.world) + " processes" : std::string()) << "\n";
  }
  json mine = json::object();  // this rank's rows by setting index
  for (size_t i = 0; i < grid.settings.size(); ++i) {
    if (!grid.mine(i)) continue;
    json row;
    if (int code = grid.train_setting(i, verbose, row)) return code;
    mine[std::to_string(i)] = row;
  }
  json rows = grid.gather_rows(mine);
  return grid.rank == 0 ? grid.report(rows) : kOk;
}

}  // namespace minidl::cli
