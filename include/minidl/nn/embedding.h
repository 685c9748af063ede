// Embedding: a lookup table of vectors, one row per token (PyTorch's nn.Embedding).
#pragma once

#include <memory>
#include <optional>

#include "minidl/nn/module.h"
#include "minidl/random.h"

namespace minidl::nn {

struct EmbeddingOptions {
  // The row of this index is initialised to zeros and gets no gradient (a negative value counts
  // from the end, as PyTorch).
  std::optional<int64_t> padding_idx = std::nullopt;
  Generator* generator = nullptr;  // weight ~ N(0, 1), from *generator or Generator(seed)
  uint64_t seed = 0;
  Dtype dtype = kFloat32;
};

// indices: int64, any shape (*) -> (*, embedding_dim). Parameter: weight (num_embeddings, embedding_dim).
class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, const EmbeddingOptions& options = {});

  Tensor forward(const Tensor& indices) override;
  std::string type_name() const override { return "Embedding"; }
  std::string extra_repr() const override;  // "10, 3, padding_idx=0"

  int64_t num_embeddings() const { return num_embeddings_; }
  int64_t embedding_dim() const { return embedding_dim_; }
  std::optional<int64_t> padding_idx() const { return padding_idx_; }  // wrapped to [0, num_embeddings)
  const Tensor& weight() const { return weight_; }

 private:
  int64_t num_embeddings_, embedding_dim_;
  std::optional<int64_t> padding_idx_;
  Tensor weight_;
};

std::shared_ptr<Embedding> embedding(int64_t num_embeddings, int64_t embedding_dim, const EmbeddingOptions& options = {});

}  // namespace minidl::nn
