// SmallFunction: std::function's job for backward closures, with room for 96 bytes of captures
// inline. std::function keeps only 16 bytes inline, so nearly every op's closure (it captures a
// few Tensor handles) cost a malloc and a free per node.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

#include "minidl/allocator.h"

namespace minidl::autograd {

template <class Signature>
class SmallFunction;

template <class R, class... Args>
class SmallFunction<R(Args...)> {
 public:
  static constexpr size_t kInlineBytes = 96;

  SmallFunction() noexcept = default;
  SmallFunction(std::nullptr_t) noexcept {}

  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, SmallFunction> &&
                                              std::is_invocable_r_v<R, std::decay_t<F>&, Args...>>>
  SmallFunction(F&& f) {
    using Fn = std::decay_t<F>;
    if constexpr (sizeof(Fn) <= kInlineBytes && alignof(Fn) <= alignof(std::max_align_t) &&
                  std::is_nothrow_move_constructible_v<Fn>) {
      target_ = ::new (static_cast<void*>(buffer_)) Fn(std::forward<F>(f));
      ops_ = &inline_ops<Fn>;
    } else {
      void* memory = detail::pool_allocate(sizeof(Fn));
      target_ = ::new (memory) Fn(std::forward<F>(f));
      ops_ = &heap_ops<Fn>;
    }
  }

  SmallFunction(SmallFunction&& other) noexcept { take(other); }
  SmallFunction& operator=(SmallFunction&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  SmallFunction& operator=(std::nullptr_t) noexcept {
    reset();
    return *this;
  }
  SmallFunction(const SmallFunction&) = delete;
  SmallFunction& operator=(const SmallFunction&) = delete;
  ~SmallFunction() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }
  R operator()(Args... args) const { return ops_->invoke(target_, std::forward<Args>(args)...); }

 private:
  struct Ops {
    R (*invoke)(void*, Args&&...);
    void (*move)(void* from, SmallFunction& to);  // to.target_ = moved object
    void (*destroy)(void*);
  };

  template <class Fn>
  static constexpr Ops inline_ops = {
      [](void* p, Args&&... a) -> R { return (*static_cast<Fn*>(p))(std::forward<Args>(a)...); },
      [](void* p, SmallFunction& to) {
        to.target_ = ::new (static_cast<void*>(to.buffer_)) Fn(std::move(*static_cast<Fn*>(p)));
        static_cast<Fn*>(p)->~Fn();
      },
      [](void* p) { static_cast<Fn*>(p)->~Fn(); }};

  template <class Fn>
  static constexpr Ops heap_ops = {
      [](void* p, Args&&... a) -> R { return (*static_cast<Fn*>(p))(std::forward<Args>(a)...); },
      [](void* p, SmallFunction& to) { to.target_ = p; },  // the object stays where it is
      [](void* p) {
        static_cast<Fn*>(p)->~Fn();
        detail::pool_deallocate(p, sizeof(Fn));
      }};

  void take(SmallFunction& other) noexcept {
    if (!other.ops_) return;
    ops_ = other.ops_;
    ops_->move(other.target_, *this);
    other.ops_ = nullptr;
    other.target_ = nullptr;
  }

  void reset() noexcept {
    if (ops_) ops_->destroy(target_);
    ops_ = nullptr;
    target_ = nullptr;
  }

  alignas(std::max_align_t) unsigned char buffer_[kInlineBytes];
  void* target_ = nullptr;
  const Ops* ops_ = nullptr;
};

}  // namespace minidl::autograd
