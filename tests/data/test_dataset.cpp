// TensorDataset: batches are the selected rows; every malformed input is a DataError that says
// what is wrong and where.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "minidl/data/dataset.h"
#include "minidl/error.h"

using namespace minidl;
using namespace minidl::data;
using ::testing::HasSubstr;

namespace {

TensorDataset small() {
  // rows i = (10 i, 10 i + 1), label i % 3
  return TensorDataset(tensor(std::vector<double>{0, 1, 10, 11, 20, 21, 30, 31}, {4, 2}),
                       tensor(std::vector<int64_t>{0, 1, 2, 0}));
}

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(TensorDataset, GetBatchSelectsRowsInIndexOrder) {
  TensorDataset d = small();
  EXPECT_EQ(d.size(), 4);
  EXPECT_EQ(d.num_classes(), 3);  // max label + 1
  EXPECT_EQ(d.input_shape(), (Shape{2}));
  Batch b = d.get_batch(tensor(std::vector<int64_t>{3, 0, 3}));
  EXPECT_EQ(b.size(), 3);
  EXPECT_EQ(b.inputs.to_vector(), (std::vector<double>{30, 31, 0, 1, 30, 31}));
  EXPECT_EQ(b.labels.to_vector(), (std::vector<double>{0, 0, 0}));
  EXPECT_FALSE(b.targets.defined());
}

TEST(TensorDataset, TargetsAreGatheredWithTheInputs) {
  TensorDataset d(tensor(std::vector<double>{1, 2, 3}, {3, 1}), Tensor(), tensor(std::vector<double>{5, 6, 7}, {3, 1}));
  EXPECT_EQ(d.num_classes(), 0);
  Batch b = d.get_batch(tensor(std::vector<int64_t>{2, 1}));
  EXPECT_FALSE(b.labels.defined());
  EXPECT_EQ(b.targets.to_vector(), (std::vector<double>{7, 6}));
}

TEST(TensorDataset, LabelCountMismatchIsADataError) {
  std::string msg = error_of([] { TensorDataset(zeros({5, 2}), tensor(std::vector<int64_t>{0, 1, 0})); });
  EXPECT_THAT(msg, HasSubstr("3 labels for 5 inputs"));
  EXPECT_THAT(msg, HasSubstr("(5, 2)"));
  EXPECT_THROW(TensorDataset(zeros({5, 2}), tensor(std::vector<int64_t>{0, 1, 0})), DataError);
  msg = error_of([] { TensorDataset(zeros({5, 2}), Tensor(), zeros({4, 1})); });
  EXPECT_THAT(msg, HasSubstr("4 target rows for 5 inputs"));
}

TEST(TensorDataset, NanOrInfinityInInputsIsADataErrorNamingRowAndColumn) {
  Tensor x = zeros({4, 3});
  x.set({2, 1}, std::numeric_limits<double>::quiet_NaN());
  std::string msg = error_of([&] { TensorDataset(x, zeros({4}, kInt64)); });
  EXPECT_THAT(msg, HasSubstr("inputs contains NaN at row 2, column 1"));
  x.set({2, 1}, 0);
  x.set({3, 0}, std::numeric_limits<double>::infinity());
  msg = error_of([&] { TensorDataset(x, zeros({4}, kInt64)); });
  EXPECT_THAT(msg, HasSubstr("infinity at row 3, column 0"));
  Tensor t = zeros({4, 1});
  t.set({0, 0}, std::nan(""));
  EXPECT_THAT(error_of([&] { TensorDataset(zeros({4, 3}), Tensor(), t); }), HasSubstr("targets contains NaN at row 0"));
}

TEST(TensorDataset, BadLabelsAreDataErrors) {
  EXPECT_THAT(error_of([] { TensorDataset(zeros({2, 1}), tensor(std::vector<int64_t>{0, -1})); }),
              HasSubstr("label -1 at row 1 is outside [0, inf)"));
  EXPECT_THAT(error_of([] { TensorDataset(zeros({2, 1}), tensor(std::vector<int64_t>{0, 2}), Tensor(), 2); }),
              HasSubstr("label 2 at row 1 is outside [0, 2)"));
  EXPECT_THAT(error_of([] { TensorDataset(zeros({2, 1}), zeros({2})); }), HasSubstr("labels must be int64"));
  EXPECT_THAT(error_of([] { TensorDataset(zeros({2, 1}), Tensor()); }), HasSubstr("needs labels or targets"));
  EXPECT_THAT(error_of([] { TensorDataset(zeros({2}, kInt64), zeros({2}, kInt64)); }),
              HasSubstr("inputs must be a float tensor"));
}

TEST(TensorDataset, OutOfRangeIndexIsAnIndexError) {
  EXPECT_THROW(small().get_batch(tensor(std::vector<int64_t>{4})), IndexError);
}

TEST(EncodeTargets, OneHotAndLabelFloat) {
  Tensor labels = tensor(std::vector<int64_t>{1, 0, 2});
  EXPECT_FALSE(encode_targets(labels, Targets::labels, 3).defined());
  Tensor h = encode_targets(labels, Targets::one_hot, 3);
  EXPECT_EQ(h.shape(), (Shape{3, 3}));
  EXPECT_EQ(h.to_vector(), (std::vector<double>{0, 1, 0, 1, 0, 0, 0, 0, 1}));
  Tensor f = encode_targets(tensor(std::vector<int64_t>{1, 0, 1}), Targets::label_float, 2);
  EXPECT_EQ(f.shape(), (Shape{3, 1}));
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_EQ(f.to_vector(), (std::vector<double>{1, 0, 1}));
  EXPECT_THAT(error_of([&] { encode_targets(labels, Targets::label_float, 3); }), HasSubstr("needs 2 classes, got 3"));
}

TEST(EncodeTargets, NamesRoundTrip) {
  for (Targets t : {Targets::labels, Targets::one_hot, Targets::label_float}) EXPECT_EQ(parse_targets(to_string(t)), t);
  EXPECT_THAT(error_of([] { parse_targets("onehot"); }), HasSubstr("got 'onehot'"));
}
