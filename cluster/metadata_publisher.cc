#include "cluster/metadata_publisher.h"

#include <spdlog/spdlog.h>

namespace samsa::cluster {
namespace {

// A callback that throws must not end the publisher thread (std::terminate).
void run_callback(const std::function<void()>& done, int64_t offset) {
  try {
    done();
  } catch (const std::exception& e) {
    spdlog::error("event=metadata_publish_callback_failed offset={} error=\"{}\"", offset,
                  e.what());
  }
}

}  // namespace

MetadataPublisher::~MetadataPublisher() {
  stop();
}

void MetadataPublisher::subscribe(std::string name, Subscriber subscriber) {
  std::lock_guard lock(mu_);
  subscribers_.emplace_back(std::move(name), std::move(subscriber));
}

void MetadataPublisher::start(std::shared_ptr<const MetadataImage> initial) {
  std::lock_guard lock(mu_);
  if (running_) return;
  latest_ = std::move(initial);
  applied_offset_ = latest_->offset();
  offered_offset_ = std::max(offered_offset_, applied_offset_);
  if (pending_ && pending_->offset() <= applied_offset_) pending_.reset();
  running_ = true;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void MetadataPublisher::stop() {
  std::multimap<int64_t, std::function<void()>> left;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(mu_);
    running_ = false;
    left.swap(waiting_);
  }
  for (auto& [offset, done] : left) run_callback(done, offset);
}

void MetadataPublisher::offer(std::shared_ptr<const MetadataImage> image) {
  {
    std::lock_guard lock(mu_);
    if (image->offset() <= offered_offset_) return;
    offered_offset_ = image->offset();
    pending_ = std::move(image);
  }
  cv_.notify_all();
}

std::shared_ptr<const MetadataImage> MetadataPublisher::latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

int64_t MetadataPublisher::applied_offset() const {
  std::lock_guard lock(mu_);
  return applied_offset_;
}

void MetadataPublisher::when_applied(int64_t offset, std::function<void()> done) {
  {
    std::lock_guard lock(mu_);
    if (applied_offset_ < offset && !stopping_) {
      waiting_.emplace(offset, std::move(done));
      return;
    }
  }
  done();
}

void MetadataPublisher::run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || pending_ != nullptr; });
    if (stopping_) return;
    auto image = std::move(pending_);
    pending_.reset();
    lock.unlock();
    apply(image);
    lock.lock();
  }
}

void MetadataPublisher::apply(const std::shared_ptr<const MetadataImage>& image) {
  std::vector<std::pair<std::string, Subscriber>> subscribers;
  {
    std::lock_guard lock(mu_);
    if (image->offset() <= applied_offset_) return;  // never go back to an older image
    subscribers = subscribers_;
  }
  for (auto& [name, subscriber] : subscribers) {
    // One failing subscriber (a disk error creating a log) must not keep the others, or the
    // callers waiting in when_applied, on an old image.
    try {
      subscriber(*image);
    } catch (const std::exception& e) {
      spdlog::error("event=metadata_publish_failed subscriber={} offset={} error=\"{}\"", name,
                    image->offset(), e.what());
    }
  }
  std::vector<std::function<void()>> ready;
  {
    std::lock_guard lock(mu_);
    latest_ = image;
    applied_offset_ = image->offset();
    auto end = waiting_.upper_bound(applied_offset_);
    for (auto it = waiting_.begin(); it != end; ++it) ready.push_back(std::move(it->second));
    waiting_.erase(waiting_.begin(), end);
  }
  for (auto& done : ready) run_callback(done, image->offset());
}

}  // namespace samsa::cluster
