#pragma once
// The bytes of one request frame. It grows as bytes arrive (never to the announced size up front,
// so a size prefix alone costs nothing) and is not zero-filled: every byte is read into before it
// is used. The connection accounts its capacity against the broker-wide request-bytes budget.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>

namespace samsa::server::network {

class FrameBuffer {
 public:
  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  uint8_t* end() { return data_.get() + size_; }
  size_t spare() const { return capacity_ - size_; }

  void clear() { size_ = 0; }
  void advance(size_t n) { size_ += n; }
  // Moves the contents to a buffer of `capacity` bytes (>= size()).
  void reallocate(size_t capacity) {
    std::unique_ptr<uint8_t[]> bigger(new uint8_t[capacity]);
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = capacity;
  }
  void release() {
    data_.reset();
    size_ = capacity_ = 0;
  }

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace samsa::server::network
