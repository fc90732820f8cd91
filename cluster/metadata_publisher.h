#pragma once
// The broker side of KRaft's loader/publisher split: the metadata quorum only hands each new image
// to offer() (cheap, on its own thread); one publisher thread applies images to the broker's
// subscribers (partitions, dynamic configs, per-topic caches) strictly in offset order, never an
// older image than one already applied, and only then makes the image visible through latest().
// Request paths read latest(), so whatever they see is already in force locally.
//
// Images are whole states, not deltas: when several arrive while a subscriber is busy, only the
// newest is applied, which is the same end state as applying each in turn.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/metadata_image.h"

namespace samsa::cluster {

class MetadataPublisher {
 public:
  using Subscriber = std::function<void(const MetadataImage&)>;

  MetadataPublisher() = default;
  ~MetadataPublisher();
  MetadataPublisher(const MetadataPublisher&) = delete;
  MetadataPublisher& operator=(const MetadataPublisher&) = delete;

  // Subscribers run on the publisher thread, in the order added, for every image applied after
  // they were added. Add them before start(), or apply the current image yourself.
  void subscribe(std::string name, Subscriber subscriber);

  // `initial` must already be in force (the composition root applies it at startup); images
  // offered before start() are kept and applied once the thread runs, if newer.
  void start(std::shared_ptr<const MetadataImage> initial);
  // Joins the thread; callbacks still waiting in when_applied run (the image they waited for may
  // not be applied, but their callers must not hang).
  void stop();

  // Thread-safe and non-blocking; an image not newer than the newest seen is dropped.
  void offer(std::shared_ptr<const MetadataImage> image);

  // The newest image whose subscribers have all run.
  std::shared_ptr<const MetadataImage> latest() const;
  int64_t applied_offset() const;

  // Runs `done` once an image at `offset` or later is applied: at once on the calling thread if
  // it already is, else on the publisher thread right after that apply.
  void when_applied(int64_t offset, std::function<void()> done);

 private:
  void run();
  void apply(const std::shared_ptr<const MetadataImage>& image);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, Subscriber>> subscribers_;
  std::shared_ptr<const MetadataImage> pending_;
  std::shared_ptr<const MetadataImage> latest_ = std::make_shared<const MetadataImage>();
  int64_t offered_offset_ = -1;
  int64_t applied_offset_ = -1;
  std::multimap<int64_t, std::function<void()>> waiting_;
  bool running_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace samsa::cluster
