#include "metrics/request_metrics.h"

#include "metrics/families.h"

namespace samsa::metrics {
namespace {

constexpr int16_t kFetchKey = 1;

// Kafka's timers report these percentiles (Yammer's 50th..999th); the window is a sliding
// minute, close to Yammer's exponentially decaying reservoir that favours the last 5 minutes.
const prometheus::Summary::Quantiles& quantiles() {
  static const prometheus::Summary::Quantiles q = {{0.5, 0.05},   {0.75, 0.02},  {0.95, 0.01},
                                                   {0.98, 0.005}, {0.99, 0.001}, {0.999, 0.0001}};
  return q;
}

// 100 µs to 30 s, roughly 2.5x apart: resolves a fast produce and a long-poll fetch alike.
const prometheus::Histogram::BucketBoundaries& buckets() {
  static const prometheus::Histogram::BucketBoundaries b = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
      0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30};
  return b;
}

}  // namespace

RequestMetrics::RequestMetrics(prometheus::Registry& registry, NameFn api_name, NameFn error_name)
    : total_time_ms_(prometheus::BuildSummary()
                         .Name("kafka_network_requestmetrics_totaltimems")
                         .Help("Time from a request's arrival to its response being written, in "
                               "milliseconds (TotalTimeMs)")
                         .Register(registry)),
      duration_seconds_(prometheus::BuildHistogram()
                            .Name("samsa_kafka_request_duration_seconds")
                            .Help("Time from a request's arrival to its response being written")
                            .Register(registry)),
      api_name_(std::move(api_name)),
      error_name_(std::move(error_name)) {}

RequestMetrics::~RequestMetrics() {
  for (auto& s : slots_) delete s.load();
}

RequestMetrics::Timing RequestMetrics::make_timing(const std::string& name) {
  Timing t;
  t.summary = &total_time_ms_.Add({{"request", name}}, quantiles(), std::chrono::seconds(60), 5);
  t.histogram = &duration_seconds_.Add({{"request", name}}, buckets());
  return t;
}

RequestMetrics::ApiSlot* RequestMetrics::slot(int16_t api_key) {
  if (api_key < 0 || api_key >= kMaxApiKey) return nullptr;
  ApiSlot* s = slots_[api_key].load(std::memory_order_acquire);
  if (s != nullptr) return s;
  std::lock_guard lock(create_mutex_);
  s = slots_[api_key].load(std::memory_order_acquire);
  if (s != nullptr) return s;
  std::string name = api_name_ ? api_name_(api_key) : std::string();
  if (name.empty()) return nullptr;  // an API we do not serve: nothing to attribute it to
  auto created = std::make_unique<ApiSlot>();
  created->name = name;
  created->timing = make_timing(name);
  if (api_key == kFetchKey) {
    created->alias = "FetchConsumer";
    created->alias_timing = make_timing(created->alias);
  }
  s = created.release();
  slots_[api_key].store(s, std::memory_order_release);
  return s;
}

void RequestMetrics::record(int16_t api_key, int16_t version, double seconds,
                            std::span<const std::pair<int16_t, uint32_t>> errors) {
  ApiSlot* s = slot(api_key);
  if (s == nullptr) return;
  if (version >= 0 && version < kMaxVersion) {
    s->versions[version].fetch_add(1, std::memory_order_relaxed);
    if (!s->alias.empty()) alias_versions_[version].fetch_add(1, std::memory_order_relaxed);
  }
  if (errors.empty()) {
    s->errors[1].fetch_add(1, std::memory_order_relaxed);  // NONE
  }
  for (const auto& [code, n] : errors) {
    if (code >= -1 && code <= kMaxErrorCode) {
      s->errors[code + 1].fetch_add(n, std::memory_order_relaxed);
    } else {
      s->unknown_errors.fetch_add(n, std::memory_order_relaxed);
    }
  }
  s->timing.summary->Observe(seconds * 1000.0);
  s->timing.histogram->Observe(seconds);
  if (s->alias_timing.summary != nullptr) {
    s->alias_timing.summary->Observe(seconds * 1000.0);
    s->alias_timing.histogram->Observe(seconds);
  }
}

std::vector<prometheus::MetricFamily> RequestMetrics::Collect() const {
  std::vector<prometheus::MetricFamily> out;
  auto requests = make_family("kafka_network_requestmetrics_requests_total",
                              "Requests received, by API and version (RequestsPerSec)",
                              prometheus::MetricType::Counter);
  auto errors = make_family("kafka_network_requestmetrics_errors_total",
                            "Error codes in responses, by API and error; error=\"NONE\" counts "
                            "successes (ErrorsPerSec)",
                            prometheus::MetricType::Counter);
  for (const auto& atomic_slot : slots_) {
    const ApiSlot* s = atomic_slot.load(std::memory_order_acquire);
    if (s == nullptr) continue;
    for (int v = 0; v < kMaxVersion; ++v) {
      if (uint64_t n = s->versions[v].load(std::memory_order_relaxed)) {
        add_counter(requests, {{"request", s->name}, {"version", std::to_string(v)}},
                    static_cast<double>(n));
      }
      if (s->alias.empty()) continue;
      if (uint64_t n = alias_versions_[v].load(std::memory_order_relaxed)) {
        add_counter(requests, {{"request", s->alias}, {"version", std::to_string(v)}},
                    static_cast<double>(n));
      }
    }
    for (int i = 0; i < kMaxErrorCode + 2; ++i) {
      if (uint64_t n = s->errors[i].load(std::memory_order_relaxed)) {
        const auto code = static_cast<int16_t>(i - 1);
        add_counter(errors,
                    {{"request", s->name},
                     {"error", error_name_ ? error_name_(code) : std::to_string(code)}},
                    static_cast<double>(n));
      }
    }
    if (uint64_t n = s->unknown_errors.load(std::memory_order_relaxed)) {
      add_counter(errors, {{"request", s->name}, {"error", "UNKNOWN"}}, static_cast<double>(n));
    }
  }
  out.push_back(std::move(requests));
  out.push_back(std::move(errors));
  return out;
}

}  // namespace samsa::metrics
