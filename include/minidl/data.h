// minidl::data: data sets (disk, CSV, Fashion-MNIST), the DataLoader and metrics.
//   auto splits = data::make_disk_splits({.seed = 0, .standardize = true});
//   data::DataLoader loader(splits.train, {.batch_size = 50, .shuffle = true});
//   for (const data::Batch& batch : loader) { ... batch.inputs (50, 2), batch.labels (50) ... }
//   data::ConfusionMatrix cm(2); cm.add(model(test.inputs()), test.labels(), data::OutputKind::logits);
#pragma once

#include "minidl/data/csv.h"
#include "minidl/data/dataset.h"
#include "minidl/data/disk.h"
#include "minidl/data/fashion_mnist.h"
#include "minidl/data/idx.h"
#include "minidl/data/image_rows.h"
#include "minidl/data/loader.h"
#include "minidl/data/metrics.h"
#include "minidl/data/standardizer.h"
#include "minidl/data/subset.h"
#include "minidl/data/text.h"
