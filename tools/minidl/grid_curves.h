// grid_curves.png of `minidl grid`: every setting's curves per epoch, overlaid (reports 003 and 004
// compare optimizers, initialisations and activations so). Written as grid_curves.csv and
// grid_curves.gp next to grid.json; grid.cpp runs gnuplot on it with grid.gp.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace minidl::cli {

// Gathers the curves_mean.csv of each setting's run folder DIR/<setting>/ (written from its
// metrics.csv when absent, as for a setting that diverged) into DIR/grid_curves.csv, one block per
// setting, and writes DIR/grid_curves.gp. `grid` is DIR/grid.json. Returns false, with a warning
// when something was wrong, when no setting has an epoch to draw.
bool write_grid_curves(const std::string& dir, const nlohmann::json& grid, std::vector<std::string>& warnings);

}  // namespace minidl::cli
