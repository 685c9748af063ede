// Tensor: factories, shared storage, element access, in-place ops, printing and errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "minidl/minidl.h"

namespace minidl {
namespace {

using ::testing::HasSubstr;

TEST(Tensor, FactoriesFillShapeAndDtype) {
  Tensor z = zeros({2, 3});
  EXPECT_EQ(z.shape(), Shape({2, 3}));
  EXPECT_EQ(z.dtype(), kFloat32);
  EXPECT_EQ(z.numel(), 6);
  for (double v : z.to_vector()) EXPECT_EQ(v, 0.0);
  for (double v : ones({4}, kFloat64).to_vector()) EXPECT_EQ(v, 1.0);
  for (double v : full({2, 2}, 2.5).to_vector()) EXPECT_EQ(v, 2.5);
  EXPECT_EQ(arange(5).to_vector(), (std::vector<double>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(5).dtype(), kInt64);
  EXPECT_EQ(arange(0.0, 1.0, 0.25).to_vector(), (std::vector<double>{0, 0.25, 0.5, 0.75}));
  Tensor t = tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3}, kFloat64);
  EXPECT_EQ(t.at({1, 2}), 6.0);
  EXPECT_EQ(t.at({-1, 0}), 4.0);
  EXPECT_EQ(scalar_tensor(3.0).item(), 3.0);
  EXPECT_EQ(scalar_tensor(3.0).dim(), 0);
}

TEST(Tensor, CopiesShareStorageAndCloneDoesNot) {
  Tensor a = zeros({3});
  Tensor b = a;  // a handle, as in PyTorch
  b.set({1}, 7.0);
  EXPECT_EQ(a.at({1}), 7.0);
  Tensor c = a.clone();
  c.set({1}, 1.0);
  EXPECT_EQ(a.at({1}), 7.0);
  Tensor v = a.reshape({3, 1});
  v.set({2, 0}, 5.0);
  EXPECT_EQ(a.at({2}), 5.0);
  Tensor d = a.detach();
  d.set({0}, -1.0);
  EXPECT_EQ(a.at({0}), -1.0);
}

TEST(Tensor, InPlaceOps) {
  Tensor a = tensor({1.0, 2.0, 3.0});
  a.add_(tensor({1.0, 1.0, 1.0}), 2.0);
  EXPECT_EQ(a.to_vector(), (std::vector<double>{3, 4, 5}));
  a.mul_(0.5);
  EXPECT_EQ(a.to_vector(), (std::vector<double>{1.5, 2, 2.5}));
  a.copy_(tensor({9.0, 8.0, 7.0}));
  EXPECT_EQ(a.to_vector(), (std::vector<double>{9, 8, 7}));
  a.zero_();
  EXPECT_EQ(a.to_vector(), (std::vector<double>{0, 0, 0}));
  EXPECT_THROW(a.copy_(zeros({4})), ShapeError);
  EXPECT_THROW(a.add_(zeros({3}, kFloat64)), ShapeError);
}

TEST(Tensor, ConversionBetweenDtypes) {
  Tensor a = tensor({1.5, -2.0}, {}, kFloat64);
  EXPECT_EQ(a.to(kFloat32).dtype(), kFloat32);
  EXPECT_EQ(a.to(kInt64).to_vector(), (std::vector<double>{1, -2}));
  EXPECT_EQ(a.to(kFloat64).is_same(a), true);
}

TEST(Tensor, RandomFactoriesAreSeededAndInRange) {
  Generator g1(42), g2(42), g3(43);
  Tensor a = rand({1000}, g1), b = rand({1000}, g2), c = rand({1000}, g3);
  EXPECT_EQ(a.to_vector(), b.to_vector());
  EXPECT_NE(a.to_vector(), c.to_vector());
  for (double v : a.to_vector()) {
    EXPECT_GE(v, 0.0);
    EXPECT_LT(v, 1.0);
  }
  Generator g(1);
  Tensor n = randn({100000}, g, kFloat64);
  double m = mean(n).item(), var = mean(pow(n - m, 2)).item();
  EXPECT_NEAR(m, 0.0, 0.01);
  EXPECT_NEAR(var, 1.0, 0.02);
  Tensor u = uniform({10000}, -2.0, 3.0, g, kFloat64);
  EXPECT_GE(u.to_vector()[0], -2.0);
  EXPECT_NEAR(mean(u).item(), 0.5, 0.05);
  Tensor p = randperm(50, g);
  std::vector<double> sorted = p.to_vector();
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, arange(50).to_vector());
}

TEST(Tensor, PrintsLikePyTorch) {
  // Expected strings are what PyTorch 1.13 prints for the same values.
  EXPECT_EQ(tensor({1.5, -2.25, 3.0, 4.0}, {2, 2}).to_string(), "tensor([[ 1.5000, -2.2500],\n        [ 3.0000,  4.0000]])");
  EXPECT_EQ(tensor(std::vector<int64_t>{1, 2}).to_string(), "tensor([1, 2])");
  EXPECT_EQ(scalar_tensor(2.5).to_string(), "tensor(2.5000)");
  EXPECT_EQ(zeros({0, 3}).to_string(), "tensor([], size=(0, 3))");
  EXPECT_EQ(tensor({1e-5, 1.0, 2000.0}).to_string(), "tensor([1.0000e-05, 1.0000e+00, 2.0000e+03])");
  Tensor w = tensor({1.0, 2.0}, {}, kFloat64).requires_grad_();
  EXPECT_EQ(w.to_string(), "tensor([1., 2.], dtype=torch.float64, requires_grad=True)");
  EXPECT_EQ(arange(0.0, 2000.0).to_string(),
            "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])");
  EXPECT_EQ(tensor({0.5, NAN, INFINITY}).to_string(), "tensor([0.5000,    nan,    inf])");
  EXPECT_EQ(ones({2, 1, 2}).to_string(), "tensor([[[1., 1.]],\n\n        [[1., 1.]]])");
}

TEST(Tensor, ErrorsNameTheProblem) {
  Tensor t = zeros({2, 3});
  try {
    (void)t.item();
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_THAT(e.what(), HasSubstr("(2, 3)"));
  }
  try {
    (void)t.at({2, 0});
    FAIL();
  } catch (const IndexError& e) {
    EXPECT_THAT(e.what(), HasSubstr("index 2 is out of range for dim 0"));
  }
  EXPECT_THROW((void)t.data<double>(), DtypeError);
  EXPECT_THROW(zeros({-1, 2}), ValueError);
  try {
    (void)tensor({1.0, 2.0, 3.0}, {2, 2});
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("3 values do not fill shape (2, 2)"));
  }
  try {
    arange(3).requires_grad_();
    FAIL();
  } catch (const DtypeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("int64"));
  }
  EXPECT_THROW(uniform({2}, 1.0, 0.0, *std::make_unique<Generator>(0)), ValueError);
}

TEST(Tensor, FromBlobSharesForeignMemoryAndReleasesItOnce) {
  std::vector<float> memory = {1, 2, 3, 4, 5, 6};
  int releases = 0;
  int64_t live = Storage::live_count();
  {
    Tensor t = from_blob(memory.data(), {2, 3}, kFloat32, [&] { ++releases; });
    EXPECT_EQ(Storage::live_count(), live + 1);
    memory[4] = 50;
    EXPECT_EQ(t.at({1, 1}), 50.0);  // no copy: writes on either side are seen by the other
    t.set({0, 0}, -1);
    EXPECT_EQ(memory[0], -1.0f);
    Tensor row = narrow(t, 0, 1, 1);  // a view shares the storage, and so the release
    t = Tensor();
    EXPECT_EQ(releases, 0);
    EXPECT_EQ(row.to_vector(), (std::vector<double>{4, 50, 6}));
  }
  EXPECT_EQ(releases, 1);
  EXPECT_EQ(Storage::live_count(), live);
  EXPECT_THROW(from_blob(nullptr, {2}, kFloat32, nullptr), ValueError);
  EXPECT_THROW(from_blob(memory.data(), {-1}, kFloat32, nullptr), ValueError);
}

}  // namespace
}  // namespace minidl
