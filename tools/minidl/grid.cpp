// `minidl grid`: a sweep over config values (report 003's learning-rate search). Each
// `--set key=[v1,v2,...]` is swept, the settings are the cartesian product of the swept values,
// and each is trained `--runs` times by the machinery of `minidl train` into OUT/<setting>/ (a
// normal run folder). OUT/grid.json holds mean and std per setting; grid.png (gnuplot, script
// grid.gp next to grid.csv) shows test accuracy against the first swept key.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
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
#include "minidl/io/atomic_file.h"
#include "minidl/threads.h"
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

double mean_over(const json& runs, const char* key) {
  double s = 0;
  for (const auto& r : runs) {
    if (!r.contains(key) || !r[key].is_number()) return NAN;
    s += r[key].get<double>();
  }
  return runs.empty() ? NAN : s / static_cast<double>(runs.size());
}

double std_over(const json& runs, const char* key) {  // sample std over runs, as `train`'s summary
  if (runs.size() < 2) return 0.0;
  double m = mean_over(runs, key), s = 0;
  if (std::isnan(m)) return NAN;
  for (const auto& r : runs) s += (r[key].get<double>() - m) * (r[key].get<double>() - m);
  return std::sqrt(s / static_cast<double>(runs.size() - 1));
}

json number_or_null(double v) { return std::isnan(v) ? json(nullptr) : json(v); }

std::string default_grid_dir(const std::string& config_path) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  std::ostringstream os;
  os << "runs/grid-" << fs::path(config_path).stem().string() << "-" << std::put_time(&tm, "%Y%m%d-%H%M%S");
  return os.str();
}

}  // namespace

// grid.json -> grid.csv (one block per combination of the other swept keys) and grid.gp -> grid.png.
bool draw_grid_plot(const std::string& dir_name, std::vector<std::string>& warnings, bool* interrupted) {
  fs::path dir(dir_name);
  json grid;
  try {
    std::ifstream in(dir / "grid.json");
    grid = json::parse(in);
  } catch (const std::exception& e) {
    warnings.push_back((dir / "grid.json").string() + ": cannot be read: " + e.what());
    return false;
  }
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

  int64_t runs = grid["runs"].get<int64_t>();
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
       << (numeric ? "" : ":xticlabels(4)") << " with yerrorlines pt 7 lw 2 title '" << title << "'";
  }
  gp << "\n";
  write_file_atomically((dir / "grid.gp").string(), gp.str());
  if (!have_gnuplot()) {
    warnings.push_back("gnuplot is not installed (apt-get install gnuplot-nox): run `minidl plot " + dir.string() +
                       "` after installing it");
    return false;
  }
  PlotResult r = run_gnuplot(dir.string(), "grid.gp", "grid.png", warnings);
  if (r == PlotResult::interrupted && interrupted) *interrupted = true;
  return r == PlotResult::drawn;
}

int grid_command(const GridArgs& args) {
  // Under mpirun the settings are shared among the ranks (setting i goes to rank i mod N), each
  // trained by one process as in a one-process grid; rank 0 gathers the rows and writes grid.json.
  const int world = dist::world_size(), rank = dist::rank();
  const bool leader = rank == 0;
  // ---- the request, every setting's config and model checked before anything is written ----
  std::vector<std::string> fixed;
  std::vector<Sweep> sweeps;
  std::vector<Setting> settings;
  std::vector<std::unique_ptr<Config>> configs;  // runs keep a reference to their config
  std::string out = args.out.empty() ? default_grid_dir(args.config) : args.out;
  try {
    for (const std::string& assignment : args.sets) {
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
    settings = cartesian_product(sweeps);
    for (const Setting& setting : settings) {
      std::vector<std::string> sets = fixed;
      for (const auto& [key, value] : setting.swept) sets.push_back(key + "=" + value);
      configs.push_back(std::make_unique<Config>(Config::load(args.config, sets)));
    }
    for (const std::string& w : configs[0]->warnings()) std::cerr << "warning: " << w << "\n";
    if (leader && fs::exists(out) && (!fs::is_directory(out) || !fs::is_empty(out))) {
      std::cerr << "minidl grid: --out " << out << " exists and is not empty; choose another folder or remove it\n";
      return kUsageError;
    }
  } catch (const ConfigError& e) {
    std::cerr << "minidl grid: " << e.what() << "\n";
    return kUsageError;
  } catch (const std::exception& e) {
    std::cerr << "minidl grid: " << e.what() << "\n";
    return kRuntimeError;
  }
  set_num_threads(args.threads);
  auto seed_of = [&](const Config& c) { return args.seed ? *args.seed : c.get_int("train.seed"); };
  for (size_t i = 0; i < settings.size(); ++i) {
    std::unique_ptr<Run> probe;
    std::string name = args.config + " with " + settings[i].name;
    if (int code = build_checked_run(*configs[i], name, 0, static_cast<uint64_t>(seed_of(*configs[i])), "grid", probe)) {
      return code;
    }
  }

  // ---- one grid writes the folder (a default name is never taken twice) ----
  std::unique_ptr<RunLock> lock;
  try {
    if (leader) {
      if (args.out.empty()) out = reserve_folder(out);
      lock = std::make_unique<RunLock>(out);
    }
  } catch (const std::exception& e) {
    std::cerr << "minidl grid: " << e.what() << "\n";
    return kRuntimeError;
  }
  if (leader && !lock->was_empty()) {
    std::cerr << "minidl grid: " << out << " is not empty (another process wrote it meanwhile); choose another folder\n";
    return kUsageError;
  }
  if (world > 1) out = dist::all_gather(out)[0];  // rank 0's folder (a default name has rank 0's clock)

  // ---- train every setting ----
  const bool verbose = !args.quiet && leader;  // one display: rank 0's (its own settings)
  if (verbose) {
    std::cout << "minidl grid " << args.config << ": " << settings.size() << " settings x " << args.runs
              << (args.runs == 1 ? " run" : " runs") << ", writing " << out
              << (world > 1 ? ", shared among " + std::to_string(world) + " processes" : std::string()) << "\n";
  }
  json mine = json::object();  // this rank's rows by setting index
  for (size_t i = 0; i < settings.size(); ++i) {
    if (static_cast<int>(i % static_cast<size_t>(world)) != rank) continue;
    const Setting& setting = settings[i];
    std::string dir = (fs::path(out) / setting.name).string();
    if (verbose) std::cout << "[" << i + 1 << "/" << settings.size() << "] " << setting.name << ": " << std::flush;
    std::unique_ptr<Run> run;
    int64_t seed = seed_of(*configs[i]);
    if (int code = build_checked_run(*configs[i], args.config, 0, static_cast<uint64_t>(seed), "grid", run)) return code;
    TrainJob job;
    job.config = configs[i].get();
    job.config_name = args.config;
    job.dir = dir;
    job.runs = args.runs;
    job.seed = seed;
    job.quiet = true;  // one line per setting: the summary line of `train`
    job.command = "grid";
    job.summary_line = verbose;
    json summary;
    if (int code = run_training(job, std::move(run), &summary)) {
      // A diverged setting is a result of the sweep (too large a learning rate): marked, and
      // the grid goes on with the others.
      if (!(code == kRuntimeError && summary.contains("diverged"))) return code;
      if (verbose) std::cout << "diverged at epoch " << summary["diverged"]["epoch"] << "; going on" << std::endl;
    }
    json row;
    row["name"] = setting.name;
    row["dir"] = setting.name;
    row["set"] = json::object();
    for (const auto& [key, value] : setting.swept) row["set"][key] = literal_json(value);
    const json& runs = summary["runs"];
    row["test_accuracy_mean"] = number_or_null(mean_over(runs, "test_accuracy"));
    row["test_accuracy_std"] = number_or_null(std_over(runs, "test_accuracy"));
    row["test_loss_mean"] = number_or_null(mean_over(runs, "test_loss"));
    row["test_loss_std"] = number_or_null(std_over(runs, "test_loss"));
    row["train_accuracy_mean"] = number_or_null(mean_over(runs, "train_accuracy"));
    row["train_seconds_mean"] = number_or_null(mean_over(runs, "train_seconds"));
    if (summary.contains("diverged")) {
      row["diverged"] = summary["diverged"];
      for (const char* key : {"test_accuracy_mean", "test_accuracy_std", "test_loss_mean", "test_loss_std",
                              "train_accuracy_mean"}) {
        row[key] = nullptr;  // the runs before the diverged one are in its folder's summary.json
      }
    }
    mine[std::to_string(i)] = row;
  }
  // Every rank's rows to rank 0, in setting order: the grid.json of a one-process grid.
  json rows = json::array();
  {
    std::vector<std::string> parts = world > 1 ? dist::all_gather(mine.dump()) : std::vector<std::string>{mine.dump()};
    json all = json::object();
    for (const std::string& part : parts) all.update(json::parse(part));
    for (size_t i = 0; i < settings.size(); ++i) rows.push_back(all.at(std::to_string(i)));
  }
  if (!leader) return kOk;

  // ---- grid.json, the table, grid.png ----
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
  auto diverged = [](const json& r) { return r.contains("diverged"); };
  size_t first_ok = 0;
  while (first_ok < rows.size() && diverged(rows[first_ok])) ++first_ok;
  if (first_ok == rows.size()) {
    std::cerr << "minidl grid: every setting diverged (see the \"diverged\" entries of " << out << "/grid.json)\n";
    return kRuntimeError;
  }
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
  std::vector<std::string> warnings;
  bool all_equal = rows.size() > 1;
  for (const json& r : rows) all_equal &= !diverged(r) && r["test_loss_mean"] == rows[0]["test_loss_mean"];
  if (all_equal) {
    warnings.push_back("every setting gave exactly the same results: do the swept keys change anything in this config?");
  }
  bool plot_interrupted = false;
  bool drawn = draw_grid_plot(out, warnings, &plot_interrupted);
  for (const std::string& w : warnings) std::cerr << "warning: " << w << "\n";
  if (plot_interrupted) {
    std::cerr << "minidl grid: interrupted while drawing the plot; the results are in " << out
              << "/grid.json, redraw with: minidl plot " << out << "\n";
    return kInterrupted;
  }
  std::cout << "best: " << rows[best]["name"].get<std::string>() << "; results in " << out << "/grid.json"
            << (drawn ? ", " + out + "/grid.png" : std::string()) << "\n";
  std::cout.flush();
  return kOk;
}

}  // namespace minidl::cli
