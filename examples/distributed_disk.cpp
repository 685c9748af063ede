// The disk task trained data-parallel: `mpirun -n 2 ./example_distributed_disk`. Every rank
// builds the same model, DataParallel copies rank 0's weights and averages the gradients of each
// global batch of 50, and each rank trains on its rank-strided 50/N rows. Run without mpirun it is
// the one-process training, and ends with the same accuracy (docs/DISTRIBUTED.md).
#include <minidl/dist.h>
#include <minidl/minidl.h>

#include <cstdio>

using namespace minidl;

int main() {
  dist::InitGuard mpi;  // MPI_Init (a world of one without mpirun), MPI_Finalize at exit
  try {
    Generator gen(0);  // the same seed everywhere: the same data on every rank
    data::TensorDataset train = data::make_disk(1000, gen), test = data::make_disk(1000, gen);
    auto model = nn::sequential(nn::linear(2, 25, gen), nn::tanh(), nn::linear(25, 25, gen), nn::tanh(),
                                nn::linear(25, 2, gen));
    dist::DataParallel ddp(*model, "examples/distributed_disk.cpp");  // same set-up on every rank?
    data::DataLoader loader(train, {.batch_size = 50, .shuffle = true, .seed = 1,
                                    .num_replicas = dist::world_size(), .rank = dist::rank()});
    optim::Adam optimizer(model->parameters(), {.lr = 0.01});
    nn::CrossEntropyLoss loss_fn;
    for (int epoch = 0; epoch < 30; ++epoch) {
      for (const data::Batch& batch : loader) {  // this rank's share of global batch i
        optimizer.zero_grad(/*set_to_none=*/true);
        if (batch.size() > 0) loss_fn((*model)(batch.inputs), batch.labels).backward();
        ddp.average_gradients(batch.size());  // the mean gradient over the global batch
        optimizer.step();
      }
    }
    NoGradGuard no_grad;
    model->eval();
    double accuracy = data::accuracy((*model)(test.inputs()), test.labels(), data::OutputKind::logits);
    if (dist::rank() == 0) {
      std::printf("%d process%s: test accuracy %.2f%%\n", dist::world_size(), dist::world_size() == 1 ? "" : "es",
                  100 * accuracy);
    }
  } catch (const std::exception& e) {
    dist::abort(e.what());  // ends every rank: the others may be waiting for this one
  }
  return 0;
}
