// libFuzzer target for the CSV reader: any input must either read as a table or throw a minidl
// exception (DataError naming file, line and column). The first byte chooses the options (task,
// target columns, delimiter, targets); the rest is the file. A crash, a sanitizer report,
// std::bad_alloc or any other exception is a bug.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "minidl/data/csv.h"
#include "minidl/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const std::string path = "/tmp/minidl_fuzz_csv_" + std::to_string(::getpid()) + ".csv";
  uint8_t choice = data[0];
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  minidl::data::CsvOptions options;
  options.task = choice & 1 ? minidl::data::Task::regression : minidl::data::Task::classification;
  options.target_columns = options.task == minidl::data::Task::regression ? 1 + (choice >> 1 & 3) : 1;
  options.delimiter = choice & 8 ? ';' : ',';
  if (options.task == minidl::data::Task::classification) {
    options.targets = choice & 16 ? minidl::data::Targets::one_hot : minidl::data::Targets::labels;
  }
  try {
    minidl::data::CsvTable table = minidl::data::read_csv(path, options);
    const minidl::data::TensorDataset& d = table.dataset;
    if (d.inputs().size(1) != static_cast<int64_t>(table.feature_names.size())) __builtin_trap();
  } catch (const minidl::Error&) {
    // A rejected file: the expected outcome for most inputs.
  }
  return 0;
}
