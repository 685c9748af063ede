// Embedding: validates its options, draws N(0, 1) rows (the padding row zeroed), then the op.
#include "minidl/nn/embedding.h"

#include <algorithm>

#include "minidl/nn/init.h"
#include "minidl/ops/embedding.h"

namespace minidl::nn {

Embedding::Embedding(int64_t num_embeddings, int64_t embedding_dim, const EmbeddingOptions& options)
    : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {
  if (num_embeddings <= 0 || embedding_dim <= 0) {
    throw ValueError("Embedding: num_embeddings and embedding_dim must be > 0, got num_embeddings=" +
                     std::to_string(num_embeddings) + ", embedding_dim=" + std::to_string(embedding_dim));
  }
  if (options.padding_idx) {
    int64_t p = *options.padding_idx;
    if (p < -num_embeddings || p >= num_embeddings) {
      throw ValueError("Embedding: padding_idx must be in [-num_embeddings, num_embeddings) = [" +
                       std::to_string(-num_embeddings) + ", " + std::to_string(num_embeddings) + "), got " + std::to_string(p));
    }
    padding_idx_ = p < 0 ? p + num_embeddings : p;
  }
  if (!is_floating(options.dtype)) throw DtypeError("Embedding: dtype must be float32 or float64, got " + to_string(options.dtype));
  Generator own(options.seed);
  Generator& gen = options.generator ? *options.generator : own;
  Tensor w = init::normal_(Tensor::empty({num_embeddings, embedding_dim}, options.dtype), 0.0, 1.0, gen);
  if (padding_idx_) {
    // Row padding_idx starts at zeros, as PyTorch's reset_parameters.
    char* base = static_cast<char*>(w.raw_data());
    size_t row = static_cast<size_t>(embedding_dim) * element_size(options.dtype);
    std::fill_n(base + *padding_idx_ * row, row, char(0));
  }
  weight_ = register_parameter("weight", w);
}

Tensor Embedding::forward(const Tensor& indices) {
  return minidl::embedding(weight_, indices, padding_idx_);
}

std::string Embedding::extra_repr() const {
  std::string s = std::to_string(num_embeddings_) + ", " + std::to_string(embedding_dim_);
  if (padding_idx_) s += ", padding_idx=" + std::to_string(*padding_idx_);
  return s;
}

std::shared_ptr<Embedding> embedding(int64_t num_embeddings, int64_t embedding_dim, const EmbeddingOptions& options) {
  return std::make_shared<Embedding>(num_embeddings, embedding_dim, options);
}

}  // namespace minidl::nn
