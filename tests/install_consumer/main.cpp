// d/dx (x^2 + 2x) at x = 2 is 6; minidl::dist links (with MPI when minidl was built with it).
#include <minidl/dist.h>
#include <minidl/minidl.h>

#include <iostream>

int main() {
  minidl::Tensor x = minidl::full({1}, 2.0).requires_grad_();
  minidl::Tensor y = minidl::sum(x * x + x * 2.0);
  y.backward();
  minidl::dist::all_reduce(y);  // a world of one: y unchanged
  std::cout << "grad = " << x.grad().item() << "\n";
  return x.grad().item() == 6.0 && minidl::dist::world_size() == 1 ? 0 : 1;
}
