// minidl::dist: training on several processes over MPI, as torch.distributed and
// DistributedDataParallel. Launch with `mpirun -n 4 ./train`; docs/DISTRIBUTED.md has the details.
//   dist::InitGuard mpi;
//   auto model = build();                                // same seed on every rank
//   dist::DataParallel ddp(*model, config_text);         // checks set-ups, broadcasts rank 0's weights
//   data::DataLoader loader(train, {.batch_size = 64, .shuffle = true, .seed = 0,
//                                   .num_replicas = dist::world_size(), .rank = dist::rank()});
//   for (const data::Batch& batch : loader) {            // this rank's rows of global batch i
//     optimizer.zero_grad();
//     if (batch.size() > 0) loss_fn((*model)(batch.inputs), batch.targets).backward();
//     ddp.average_gradients(batch.size());               // the global batch's mean gradient
//     optimizer.step();
//   }
#pragma once

#include "minidl/data/distributed_sampler.h"
#include "minidl/dist/collectives.h"
#include "minidl/dist/data_parallel.h"
#include "minidl/dist/process_group.h"
