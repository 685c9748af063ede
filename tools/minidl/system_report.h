// The machine a run ran on (minidl::system_info), as `minidl info --system` prints it and as
// summary.json's "system" object records it.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

namespace minidl::cli {

nlohmann::json system_json();
void print_system(std::ostream& out);

}  // namespace minidl::cli
