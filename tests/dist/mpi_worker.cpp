// The program tests/dist/test_mpi_jobs.cpp starts under `mpirun -n N`: one scenario per run, chosen
// by argv. Every rank checks its own results; a failure on any rank ends the job through
// dist::abort with a message that starts with FAIL, and rank 0 prints PASS lines on success.
//   mpi_worker equivalence disk64 1000 64 32 shard   net, examples, global batch, steps, loader
//   mpi_worker collectives | ddp_golden | regrow | throw RANK | mismatch RANK | diverge RANK | kill RANK | hang RANK
#include <signal.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "minidl/dist.h"
#include "minidl/minidl.h"

using namespace minidl;

namespace {

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error("FAIL " + message); }

void expect(bool ok, const std::string& what) {
  if (!ok) fail(what);
}

// ---- collectives -----------------------------------------------------------------------------

void collectives() {
  int r = dist::rank(), n = dist::world_size();
  for (Dtype dtype : {kFloat32, kFloat64}) {
    Tensor x = full({2, 3}, r + 1.0, dtype);
    dist::all_reduce(x);
    for (double v : x.to_vector()) expect(v == n * (n + 1) / 2.0, "all_reduce sum: got " + std::to_string(v));
    Tensor m = full({4}, r + 1.0, dtype);
    dist::all_reduce(m, dist::ReduceOp::mean);
    for (double v : m.to_vector()) expect(std::abs(v - (n + 1) / 2.0) < 1e-6, "all_reduce mean: got " + std::to_string(v));
    Tensor g = dist::all_gather(full({3}, 10.0 * r, dtype));
    expect(g.shape() == Shape({n, 3}), "all_gather shape " + to_string(g.shape()));
    for (int q = 0; q < n; ++q) expect(g.at({q, 2}) == 10.0 * q, "all_gather row " + std::to_string(q));
    Tensor b = full({5}, r == n - 1 ? 7.0 : -1.0, dtype);
    dist::broadcast(b, n - 1);
    for (double v : b.to_vector()) expect(v == 7.0, "broadcast from the last rank: got " + std::to_string(v));
  }
  // Past 256 bytes the values leave the signature's message for a second collective: the same results.
  for (Dtype dtype : {kFloat32, kFloat64}) {
    Tensor x = full({10, 100}, r + 1.0, dtype);
    dist::all_reduce(x);
    for (double v : x.to_vector()) expect(v == n * (n + 1) / 2.0, "large all_reduce sum: got " + std::to_string(v));
    Tensor g = dist::all_gather(full({100}, 10.0 * r, dtype));
    expect(g.shape() == Shape({n, 100}), "large all_gather shape " + to_string(g.shape()));
    for (int q = 0; q < n; ++q) expect(g.at({q, 99}) == 10.0 * q, "large all_gather row " + std::to_string(q));
    Tensor b = full({100}, r == n - 1 ? 7.0 : -1.0, dtype);
    dist::broadcast(b, n - 1);
    for (double v : b.to_vector()) expect(v == 7.0, "large broadcast from the last rank: got " + std::to_string(v));
  }
  // Sums that round: the result is the rank-order sum 0 + 1 + ... + N-1 of each rank's value, with
  // the same bits on every rank (inline and past 256 bytes).
  for (int64_t numel : {3, 100}) {
    Tensor x = full({numel}, 0.1 * (r + 1) + 1e-17 * r, kFloat64);
    dist::all_reduce(x);
    double expected = 0.0;
    for (int q = 0; q < n; ++q) expected += 0.1 * (q + 1) + 1e-17 * q;
    for (double v : x.to_vector()) expect(v == expected, "rank-order sum: got " + std::to_string(v));
    Tensor all = dist::all_gather(x);
    for (int q = 1; q < n; ++q) {
      expect(std::memcmp(all.data<double>() + q * numel, all.data<double>(), sizeof(double) * numel) == 0,
             "all_reduce gave rank " + std::to_string(q) + " other bits than rank 0");
    }
  }
  Tensor counts = tensor(std::vector<int64_t>{r, 1});
  dist::all_reduce(counts);
  expect(counts.at({0}) == n * (n - 1) / 2 && counts.at({1}) == n, "all_reduce int64");
  std::vector<std::string> texts = dist::all_gather(std::string(static_cast<size_t>(r), 'x'));
  for (int q = 0; q < n; ++q) expect(texts[q] == std::string(static_cast<size_t>(q), 'x'), "string all_gather");
  // A rank with another shape: every rank gets the same error, and the job goes on.
  if (n > 1) {
    Tensor odd = zeros({r == n - 1 ? 4 : 3}, kFloat64);
    try {
      dist::all_reduce(odd);
      fail("all_reduce accepted a rank with another shape");
    } catch (const ValueError& e) {
      std::string expected = "rank " + std::to_string(n - 1) + " passed a tensor of float64 (4), rank 0 one of float64 (3)";
      expect(std::string(e.what()).find(expected) != std::string::npos, std::string("the error says: ") + e.what());
    }
    // One rank's tensor fits in the signature's message and another's does not: still the error.
    Tensor uneven = zeros({r == n - 1 ? 1000 : 3}, kFloat32);
    try {
      dist::all_reduce(uneven);
      fail("all_reduce accepted a rank with a larger tensor");
    } catch (const ValueError& e) {
      std::string expected = "rank " + std::to_string(n - 1) + " passed a tensor of float32 (1000), rank 0 one of float32 (3)";
      expect(std::string(e.what()).find(expected) != std::string::npos, std::string("the error says: ") + e.what());
    }
  }
  dist::barrier();
  if (r == 0) std::cout << "PASS collectives on " << n << " ranks\n";
}

// ---- data-parallel training against the one-process run --------------------------------------

struct Problem {
  data::TensorDataset dataset;
  std::function<std::shared_ptr<nn::Sequential>(uint64_t seed)> model;
  Dtype dtype;
};

Problem make_problem(const std::string& net, int64_t n) {
  Generator gen(1);
  Problem p;
  p.dtype = net.back() == '2' ? kFloat32 : kFloat64;  // "disk32", "disk64", "lenet64"
  Dtype dtype = p.dtype;
  if (net.rfind("disk", 0) == 0) {
    data::TensorDataset disk = data::make_disk(n, gen);
    p.dataset = data::TensorDataset(disk.inputs().to(dtype), disk.labels(), Tensor(), 2);
    p.model = [dtype](uint64_t seed) {
      Generator g(seed);
      auto m = nn::sequential(nn::linear(2, 25, g), nn::relu(), nn::linear(25, 25, g), nn::relu(), nn::linear(25, 2, g));
      m->to(dtype);
      return m;
    };
  } else if (net == "lenet64") {
    Tensor images = randn({n, 1, 28, 28}, gen, dtype);
    std::vector<int64_t> labels(static_cast<size_t>(n));
    for (int64_t& l : labels) l = static_cast<int64_t>(gen.below(10));
    p.dataset = data::TensorDataset(images, tensor(labels), Tensor(), 10);
    p.model = [dtype](uint64_t seed) {
      Generator g(seed);
      auto m = nn::sequential(nn::conv2d(1, 6, 5, g), nn::relu(), nn::max_pool2d(2), nn::conv2d(6, 16, 5, g),
                              nn::relu(), nn::max_pool2d(2), nn::flatten(), nn::linear(256, 120, g), nn::relu(),
                              nn::linear(120, 84, g), nn::relu(), nn::linear(84, 10, g));
      m->to(dtype);
      return m;
    };
  } else {
    fail("unknown network " + net);
  }
  return p;
}

// `steps` SGD steps over epochs of `loader`; with `ddp`, each rank's gradient goes through it.
// `on_step(step)` runs before each step (the failure scenarios use it).
void train(nn::Sequential& model, data::DataLoader& loader, dist::DataParallel* ddp, int64_t steps,
           const std::function<void(int64_t)>& on_step = {}) {
  optim::SGD opt(model.parameters(), {.lr = 0.05, .momentum = 0.9});
  nn::CrossEntropyLoss loss_fn;
  for (int64_t step = 0; step < steps;) {
    loader.start_epoch();
    for (int64_t i = 0; i < loader.num_batches() && step < steps; ++i, ++step) {
      if (on_step) on_step(step);
      data::Batch batch = loader.batch(i);
      opt.zero_grad(/*set_to_none=*/true);
      if (batch.size() > 0) loss_fn(model(batch.inputs), batch.labels).backward();
      if (ddp) ddp->average_gradients(batch.size());
      opt.step();
    }
  }
}

void equivalence(const std::string& net, int64_t n, int64_t batch_size, int64_t steps, const std::string& mode) {
  int r = dist::rank(), world = dist::world_size();
  Problem problem = make_problem(net, n);
  constexpr uint64_t kModelSeed = 100, kOrderSeed = 7;

  // The one-process run with global batch B, from rank 0's initial weights.
  auto reference = problem.model(kModelSeed);
  // Each rank starts from its own weights: DataParallel must replace them with rank 0's.
  auto model = problem.model(kModelSeed + static_cast<uint64_t>(r));
  dist::DataParallel ddp(*model, net + " " + mode, {.bucket_bytes = 4096});  // several buckets
  if (mode == "shard") {
    data::DataLoader one(problem.dataset, {.batch_size = batch_size, .shuffle = true, .seed = kOrderSeed});
    data::DataLoader mine(problem.dataset, {.batch_size = batch_size, .shuffle = true, .seed = kOrderSeed,
                                            .num_replicas = world, .rank = r});
    train(*reference, one, nullptr, steps);
    train(*model, mine, &ddp, steps);
  } else if (mode == "sampler") {
    expect(n % world == 0 && batch_size % world == 0, "the sampler scenario needs n and B divisible by N");
    data::DataLoader one(problem.dataset, data::DistributedSampler(n, {.num_replicas = 1, .rank = 0, .seed = kOrderSeed}),
                         {.batch_size = batch_size});
    data::DataLoader mine(problem.dataset,
                          data::DistributedSampler(n, {.num_replicas = world, .rank = r, .seed = kOrderSeed}),
                          {.batch_size = batch_size / world});
    train(*reference, one, nullptr, steps);
    train(*model, mine, &ddp, steps);
  } else {
    fail("unknown loader mode " + mode);
  }

  double tolerance = problem.dtype == kFloat64 ? 1e-12 : 1e-5;
  double worst = 0;
  std::string worst_name;
  auto ours = model->named_parameters(), theirs = reference->named_parameters();
  for (size_t k = 0; k < ours.size(); ++k) {
    std::vector<double> a = ours[k].second.to_vector(), b = theirs[k].second.to_vector();
    double scale = 0, diff = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      scale = std::max(scale, std::abs(b[i]));
      diff = std::max(diff, std::abs(a[i] - b[i]));
    }
    double rel = diff / std::max(scale, 1e-300);
    if (rel > worst) worst = rel, worst_name = ours[k].first;
    // The same bits on every rank.
    Tensor all = dist::all_gather(ours[k].second.detach());
    size_t bytes = static_cast<size_t>(ours[k].second.numel()) * element_size(problem.dtype);
    const char* rows = static_cast<const char*>(all.raw_data());
    for (int q = 1; q < world; ++q) {
      expect(std::memcmp(rows, rows + q * bytes, bytes) == 0,
             ours[k].first + ": rank " + std::to_string(q) + "'s bits differ from rank 0's");
    }
  }
  char line[256];
  std::snprintf(line, sizeof line, "%s %s n=%lld B=%lld steps=%lld ranks=%d: worst relative difference %.3g (%s)",
                net.c_str(), mode.c_str(), static_cast<long long>(n), static_cast<long long>(batch_size),
                static_cast<long long>(steps), world, worst, worst_name.c_str());
  expect(worst <= tolerance, std::string(line) + " > " + (problem.dtype == kFloat64 ? "1e-12" : "1e-5"));
  // Not vacuous: the weights moved away from the start.
  auto start = problem.model(kModelSeed);
  double moved = 0;
  auto initial = start->named_parameters();
  for (size_t k = 0; k < ours.size(); ++k) {
    std::vector<double> a = ours[k].second.to_vector(), b = initial[k].second.to_vector();
    for (size_t i = 0; i < a.size(); ++i) moved = std::max(moved, std::abs(a[i] - b[i]));
  }
  expect(moved > 1e-3, "the weights did not move in training");
  if (r == 0) std::cout << "PASS " << line << "\n";
}

// ---- against PyTorch DistributedDataParallel (tools/golden/dist.py) ---------------------------

Tensor from_json(const nlohmann::json& j) {
  std::vector<double> data = j.at("data").get<std::vector<double>>();
  Shape shape(j.at("shape").get<std::vector<int64_t>>());
  return tensor(data, Shape({static_cast<int64_t>(data.size())}), j.at("dtype") == "int64" ? kInt64 : kFloat64)
      .reshape(shape);
}

// PyTorch's run: 2 processes over gloo, DistributedSampler without shuffling (47 examples, one
// padded), per-rank batches of 5, SGD with momentum, 2 epochs. minidl starts from the same weights
// with the same sampler and must end where PyTorch ended.
void ddp_golden() {
  std::ifstream in(std::string(MINIDL_GOLDEN_DIR) + "/dist_ddp.json");
  expect(static_cast<bool>(in), "cannot read " MINIDL_GOLDEN_DIR "/dist_ddp.json");
  nlohmann::json golden = nlohmann::json::parse(in);
  int world = dist::world_size(), r = dist::rank();
  expect(world == golden["world_size"].get<int>(), "the golden run has " + golden["world_size"].dump() + " ranks");
  Tensor x = from_json(golden["inputs"]), labels = from_json(golden["labels"]);
  int64_t n = x.size(0);
  data::TensorDataset dataset(x, labels, Tensor(), 2);
  Generator gen(0);
  auto model = nn::sequential(nn::linear(2, 8, gen), nn::tanh(), nn::linear(8, 2, gen));
  model->to(kFloat64);
  StateDict initial, final_state;
  for (const auto& [key, value] : golden["initial"].items()) initial.insert(key, from_json(value));
  for (const auto& [key, value] : golden["final"].items()) final_state.insert(key, from_json(value));
  model->load_state_dict(initial);
  dist::DataParallel ddp(*model, "ddp_golden");
  data::DataLoader loader(dataset, data::DistributedSampler(n, {.num_replicas = world, .rank = r, .shuffle = false}),
                          {.batch_size = golden["batch_size"].get<int64_t>()});
  optim::SGD opt(model->parameters(), {.lr = golden["lr"].get<double>(), .momentum = golden["momentum"].get<double>()});
  nn::CrossEntropyLoss loss_fn;
  for (int64_t epoch = 0; epoch < golden["epochs"].get<int64_t>(); ++epoch) {
    for (const data::Batch& batch : loader) {
      opt.zero_grad(true);
      loss_fn((*model)(batch.inputs), batch.labels).backward();
      ddp.average_gradients(batch.size());
      opt.step();
    }
  }
  double worst = 0, moved = 0;
  for (const auto& [key, p] : model->named_parameters()) {
    std::vector<double> a = p.to_vector(), b = final_state.at(key).to_vector(), a0 = initial.at(key).to_vector();
    for (size_t i = 0; i < a.size(); ++i) {
      worst = std::max(worst, std::abs(a[i] - b[i]) / std::max(std::abs(b[i]), 1e-3));
      moved = std::max(moved, std::abs(b[i] - a0[i]));
    }
  }
  expect(moved > 1e-2, "the golden weights hardly moved: the comparison would say little");
  char line[160];
  std::snprintf(line, sizeof line, "ddp_golden on %d ranks: worst relative difference to PyTorch DDP %.3g", world, worst);
  expect(worst <= 1e-10, line);
  if (r == 0) std::cout << "PASS " << line << "\n";
}

// ---- a layout that changes on every rank ------------------------------------------------------

// Every rank adds the same layer after DataParallel laid out its buckets: the next step lays them
// out anew, so the new layer's gradient is averaged too (the same bits on every rank, the mean of
// the ranks' own gradients) rather than left as each rank's own.
void regrow() {
  int r = dist::rank(), world = dist::world_size();
  Problem problem = make_problem("disk64", 200);
  auto model = problem.model(100);
  dist::DataParallel ddp(*model, "regrow", {.bucket_bytes = 4096});
  data::DataLoader loader(problem.dataset, {.batch_size = 20, .shuffle = true, .num_replicas = world, .rank = r});
  train(*model, loader, &ddp, 3);
  Generator g(5);
  model->push_back(nn::linear(2, 2, g));
  model->to(kFloat64);
  loader.start_epoch();
  data::Batch batch = loader.batch(0);  // 10 rows on each of 2 ranks: equal shares
  nn::CrossEntropyLoss loss_fn;
  loss_fn((*model)(batch.inputs), batch.labels).backward();
  Tensor own = model->parameters().back().grad().clone();
  ddp.average_gradients(batch.size());
  Tensor averaged = model->parameters().back().grad().detach();
  Tensor owns = dist::all_gather(own), all = dist::all_gather(averaged);
  std::vector<double> o = owns.to_vector(), a = all.to_vector();
  const size_t n = static_cast<size_t>(averaged.numel());
  bool ranks_differ = false;
  for (size_t i = 0; i < n; ++i) {
    double mean = 0;
    for (int q = 0; q < world; ++q) mean += o[q * n + i] / world;
    for (int q = 0; q < world; ++q) {
      expect(a[q * n + i] == a[i], "rank " + std::to_string(q) + "'s averaged gradient differs from rank 0's");
      ranks_differ = ranks_differ || o[q * n + i] != o[i];
    }
    expect(std::abs(a[i] - mean) <= 1e-12 * std::max(1.0, std::abs(mean)),
           "the new layer's gradient is " + std::to_string(a[i]) + ", not the ranks' mean " + std::to_string(mean));
  }
  expect(ranks_differ, "the ranks' own gradients were equal: the check would say little");
  if (r == 0) std::cout << "PASS regrow on " << world << " ranks\n";
}

// ---- failures --------------------------------------------------------------------------------

void failing(const std::string& how, int bad_rank) {
  int r = dist::rank();
  if (how == "hang") dist::set_timeout(2.0);  // the others give up on the sleeper after 2 s
  Problem problem = make_problem("disk64", 200);
  auto model = problem.model(100);
  std::string setup = "[optimizer]\nlr = 0.05\n";
  if (how == "mismatch" && r == bad_rank) setup = "[optimizer]\nlr = 0.2\n";
  dist::DataParallel ddp(*model, setup);
  data::DataLoader loader(problem.dataset, {.batch_size = 20, .shuffle = true, .num_replicas = dist::world_size(), .rank = r});
  train(*model, loader, &ddp, 20, [&](int64_t step) {
    if (step != 3 || r != bad_rank) return;
    if (how == "throw") throw std::runtime_error("deliberate failure on rank " + std::to_string(r) + " at step 3");
    if (how == "kill") ::raise(SIGKILL);
    if (how == "hang") std::this_thread::sleep_for(std::chrono::seconds(200));  // alive, but silent
    if (how == "diverge") {  // a layer more on this rank alone, after DataParallel checked the set-up
      Generator g(5);
      model->push_back(nn::linear(2, 2, g));
      model->to(kFloat64);
    }
  });
  if (r == 0) std::cout << "PASS the " << how << " scenario ran to the end\n";  // the test expects otherwise
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  dist::InitGuard mpi;  // outside the try: an error must reach dist::abort with MPI still running
  try {
    if (args.empty()) fail("usage: mpi_worker SCENARIO ...");
    if (args[0] == "collectives") {
      collectives();
    } else if (args[0] == "ddp_golden") {
      ddp_golden();
    } else if (args[0] == "regrow") {
      regrow();
    } else if (args[0] == "equivalence" && args.size() == 6) {
      equivalence(args[1], std::stoll(args[2]), std::stoll(args[3]), std::stoll(args[4]), args[5]);
    } else if ((args[0] == "throw" || args[0] == "mismatch" || args[0] == "diverge" || args[0] == "kill" ||
                args[0] == "hang") &&
               args.size() == 2) {
      failing(args[0], std::stoi(args[1]));
    } else {
      fail("unknown scenario or wrong arguments: " + args[0]);
    }
  } catch (const std::exception& e) {
    dist::abort(e.what());  // ends every rank, with this rank's message
  }
  return 0;
}
