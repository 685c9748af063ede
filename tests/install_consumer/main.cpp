// d/dx (x^2 + 2x) at x = 2 is 6.
#include <minidl/minidl.h>

#include <iostream>

int main() {
  minidl::Tensor x = minidl::full({1}, 2.0).requires_grad_();
  minidl::Tensor y = minidl::sum(x * x + x * 2.0);
  y.backward();
  std::cout << "grad = " << x.grad().item() << "\n";
  return x.grad().item() == 6.0 ? 0 : 1;
}
