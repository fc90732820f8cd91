#pragma once
// The bytes of one request frame. It grows as bytes arrive (never to the announced size up front,
// so a size prefix alone costs nothing) and is not zero-filled: every byte is read into before it
// is used. The connection accounts its capacity against the broker-wide request-bytes budget.
//
// Growth goes through realloc: glibc serves large blocks with mmap and grows them with mremap,
// which moves the pages instead of copying them, so a 1 MiB produce frame that arrives a TLS
// record at a time is not copied (and its pages faulted in again) at every doubling.
#include <cstdint>
#include <cstdlib>
#include <new>

namespace samsa::server::network {

class FrameBuffer {
 public:
  FrameBuffer() = default;
  FrameBuffer(const FrameBuffer&) = delete;
  FrameBuffer& operator=(const FrameBuffer&) = delete;
  ~FrameBuffer() { std::free(data_); }

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  uint8_t* end() { return data_ + size_; }
  size_t spare() const { return capacity_ - size_; }

  void clear() { size_ = 0; }
  void advance(size_t n) { size_ += n; }
  // Makes room for `capacity` bytes (>= size()), keeping the contents.
  void reallocate(size_t capacity) {
    void* grown = std::realloc(data_, capacity);
    if (grown == nullptr) throw std::bad_alloc();
    data_ = static_cast<uint8_t*>(grown);
    capacity_ = capacity;
  }
  void release() {
    std::free(data_);
    data_ = nullptr;
    size_ = capacity_ = 0;
  }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace samsa::server::network
