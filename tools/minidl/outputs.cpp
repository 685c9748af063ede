// The files of a run folder.
#include "outputs.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "minidl/io/atomic_file.h"

namespace minidl::cli {

namespace fs = std::filesystem;

namespace {
std::string num(double v) {
  if (std::isnan(v)) return "";
  std::ostringstream os;
  os << std::setprecision(9) << v;
  return os.str();
}
}  // namespace

RunDir::RunDir(const std::string& dir, bool resume, bool write) : dir_(dir), write_(write) {
  if (!write_) return;
  fs::create_directories(dir_);
  bool fresh = !resume || !fs::exists(file("metrics.csv"));
  auto mode = fresh ? std::ios::out : std::ios::app;
  metrics_.open(file("metrics.csv"), mode);
  iterations_.open(file("iterations.csv"), mode);
  if (!metrics_ || !iterations_) throw DataError(dir_ + ": cannot write the run's files: " + std::strerror(errno));
  if (fresh) {
    metrics_ << "run,epoch,train_loss,train_accuracy,val_loss,val_accuracy,test_loss,test_accuracy,lr,seconds\n";
    iterations_ << "run,iteration,epoch,loss\n";
    flush();
  }
}

void RunDir::add_epoch(const EpochRow& r) {
  if (!write_) return;
  metrics_ << r.run << ',' << r.epoch << ',' << num(r.train_loss) << ',' << num(r.train_accuracy) << ','
           << num(r.val_loss) << ',' << num(r.val_accuracy) << ',' << num(r.test_loss) << ',' << num(r.test_accuracy)
           << ',' << num(r.lr) << ',' << num(r.seconds) << '\n';
  flush();
}

void RunDir::add_iteration(int64_t run, int64_t iteration, double epoch, double loss) {
  if (!write_) return;
  pending_.push_back({run, iteration, epoch, loss});
}

void RunDir::flush() {
  if (!write_) return;
  for (const Iteration& i : pending_) {
    iterations_ << i.run << ',' << i.iteration << ',' << num(i.epoch) << ',' << num(i.loss) << '\n';
  }
  pending_.clear();
  metrics_.flush();
  iterations_.flush();
}

void RunDir::write_disk_plot_data(Run& run) {
  if (!write_) return;
  const Data& d = run.data();
  if (!d.is_disk) return;
  nn::Module& model = run.model();
  bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  // The network sees the features the run trained on: (x, y) or (x, y, x^2 + y^2), standardised.
  bool baseline = d.input_shape[0] == 3;
  auto features = [&](const Tensor& points) {
    Tensor f = baseline ? data::baseline_features(points) : points;
    return d.standardizer ? d.standardizer->transform(f) : f;
  };
  auto predictions = [&](const Tensor& points) {
    return data::predict(model(features(points)), run.objective().output_kind);
  };
  {
    std::ostringstream out;
    out << "x,y,label\n";
    for (int64_t i = 0; i < d.train_points.size(0); ++i) {
      out << d.train_points.at({i, 0}) << ',' << d.train_points.at({i, 1}) << ',' << d.train_labels.at({i}) << '\n';
    }
    write_file_atomically(file("train_points.csv"), out.str());
  }
  {
    Tensor predicted = predictions(d.test_points);
    std::ostringstream out;
    out << "x,y,label,predicted\n";
    for (int64_t i = 0; i < d.test_points.size(0); ++i) {
      out << d.test_points.at({i, 0}) << ',' << d.test_points.at({i, 1}) << ',' << d.test_labels.at({i}) << ','
          << predicted.at({i}) << '\n';
    }
    write_file_atomically(file("test_points.csv"), out.str());
  }
  {
    constexpr int64_t kGrid = 100;
    Tensor grid = Tensor::empty({kGrid * kGrid, 2});
    float* g = grid.data<float>();
    for (int64_t i = 0; i < kGrid; ++i) {
      for (int64_t j = 0; j < kGrid; ++j) {
        g[2 * (i * kGrid + j)] = static_cast<float>((j + 0.5) / kGrid);
        g[2 * (i * kGrid + j) + 1] = static_cast<float>((i + 0.5) / kGrid);
      }
    }
    Tensor predicted = predictions(grid);
    std::ostringstream out;
    out << "x,y,class\n";
    for (int64_t k = 0; k < kGrid * kGrid; ++k) out << g[2 * k] << ',' << g[2 * k + 1] << ',' << predicted.at({k}) << '\n';
    write_file_atomically(file("boundary.csv"), out.str());
  }
  model.train(was_training);
}

void RunDir::write_image_plot_data(Run& run) {
  if (!write_) return;
  const Data& d = run.data();
  auto images = std::dynamic_pointer_cast<const data::FashionMnist>(d.test);
  if (!d.is_images || !images) return;
  nn::Module& model = run.model();
  bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  const int64_t n = images->size(), c = d.num_classes;
  std::vector<int64_t> predicted(static_cast<size_t>(n));
  for (int64_t begin = 0; begin < n; begin += 256) {  // chunks as evaluate()'s
    int64_t end = std::min<int64_t>(n, begin + 256);
    data::Batch batch = images->get_batch(arange(static_cast<double>(begin), static_cast<double>(end), 1.0, kInt64));
    Tensor p = data::predict(model(batch.inputs), run.objective().output_kind);
    for (int64_t i = begin; i < end; ++i) predicted[i] = static_cast<int64_t>(p.at({i - begin}));
  }
  model.train(was_training);
  trim_cache();
  std::vector<int64_t> counts(static_cast<size_t>(c * c), 0);
  const std::vector<uint8_t>& labels = images->labels();
  for (int64_t i = 0; i < n; ++i) ++counts[labels[i] * c + predicted[i]];
  {
    std::ostringstream out;  // rows: true class; columns: predicted class
    for (int64_t t = 0; t < c; ++t) {
      for (int64_t q = 0; q < c; ++q) out << (q ? " " : "") << counts[t * c + q];
      out << '\n';
    }
    write_file_atomically(file("confusion_matrix.dat"), out.str());
    std::ostringstream names;
    for (const std::string& name : d.class_names) names << name << '\n';
    write_file_atomically(file("class_names.txt"), names.str());
  }
  {
    constexpr int kErrors = 24;
    const int64_t pixels = data::FashionMnist::kRows * data::FashionMnist::kCols;
    std::string bin;
    std::ostringstream csv;
    csv << "index,true,predicted\n";
    int written = 0;
    for (int64_t i = 0; i < n && written < kErrors; ++i) {
      if (predicted[i] == labels[i]) continue;
      bin.append(reinterpret_cast<const char*>(images->images().data() + i * pixels), static_cast<size_t>(pixels));
      csv << i << ',' << d.class_names[labels[i]] << ',' << d.class_names[predicted[i]] << '\n';
      ++written;
    }
    write_file_atomically(file("errors.bin"), bin);
    write_file_atomically(file("errors.csv"), csv.str());
  }
}

void RunDir::write_summary(const nlohmann::json& summary) {
  if (!write_) return;
  write_file_atomically(file("summary.json"), summary.dump(2) + "\n");
}

std::string default_run_dir(const std::string& config_path, const std::string& kind) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  std::ostringstream os;
  os << "runs/" << kind << fs::path(config_path).stem().string() << "-" << std::put_time(&tm, "%Y%m%d-%H%M%S");
  return os.str();
}

}  // namespace minidl::cli
