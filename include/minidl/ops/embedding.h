// embedding: rows of a table picked by integer indices (nn::Embedding's op).
#pragma once

#include <optional>

#include "minidl/tensor.h"

namespace minidl {

// weight: (num_embeddings, embedding_dim), indices: int64, any shape (*) -> (*, embedding_dim).
// The gradient of weight sums the rows of dy that picked each row; the row padding_idx (if given,
// already wrapped to [0, num_embeddings)) gets none, as PyTorch. Indices out of range are an IndexError.
Tensor embedding(const Tensor& weight, const Tensor& indices, std::optional<int64_t> padding_idx = std::nullopt);

}  // namespace minidl
