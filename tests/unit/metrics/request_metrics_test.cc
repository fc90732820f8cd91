#include "metrics/request_metrics.h"

#include <gtest/gtest.h>

#include "metrics/metrics_registry.h"
#include "protocol/error_codes.h"
#include "protocol/messages/api_registry.h"
#include "protocol/messages/fetch_response.h"
#include "protocol/messages/produce_response.h"
#include "render.h"

namespace samsa::metrics {
namespace {

using testing::has_sample;

std::unique_ptr<RequestMetrics> make(MetricsRegistry& registry) {
  auto m = std::make_unique<RequestMetrics>(
      registry.registry(),
      [](int16_t key) {
        const auto* api = protocol::find_api(key);
        return api ? std::string(api->name) : std::string();
      },
      [](int16_t code) { return std::string(protocol::error_name(code)); });
  return m;
}

TEST(RequestMetrics, CountsRequestsByVersionAndErrorsByName) {
  MetricsRegistry registry;
  auto m = make(registry);
  std::vector<std::pair<int16_t, uint32_t>> errors = {{0, 3}, {6, 1}};
  m->record(0, 9, 0.002, errors);
  m->record(0, 9, 0.004, {});
  m->record(0, 7, 0.001, errors);
  const std::string text = testing::render(m->Collect());
  EXPECT_TRUE(has_sample(
      text, "kafka_network_requestmetrics_requests_total{request=\"Produce\",version=\"9\"}", "2"));
  EXPECT_TRUE(has_sample(
      text, "kafka_network_requestmetrics_requests_total{request=\"Produce\",version=\"7\"}", "1"));
  // 3 + 3 NONE from the two tallies, +1 for the response without error fields.
  EXPECT_TRUE(has_sample(
      text, "kafka_network_requestmetrics_errors_total{request=\"Produce\",error=\"NONE\"}", "7"));
  EXPECT_TRUE(has_sample(text,
                         "kafka_network_requestmetrics_errors_total{request=\"Produce\",error="
                         "\"NOT_LEADER_OR_FOLLOWER\"}",
                         "2"));
}

TEST(RequestMetrics, TotalTimeIsASummaryInMillisecondsAndTheHistogramInSeconds) {
  MetricsRegistry registry;
  auto m = std::shared_ptr<RequestMetrics>(make(registry));
  registry.add_collector(m);
  m->record(3, 12, 0.010, {});
  m->record(3, 12, 0.030, {});
  // The summary and histogram live in the registry's families, the counters in the collector.
  const std::string text = registry.render();
  EXPECT_NE(text.find("# TYPE kafka_network_requestmetrics_totaltimems summary"),
            std::string::npos);
  EXPECT_TRUE(has_sample(
      text, "kafka_network_requestmetrics_totaltimems_count{request=\"Metadata\"}", "2"));
  EXPECT_TRUE(
      has_sample(text, "kafka_network_requestmetrics_totaltimems_sum{request=\"Metadata\"}", "40"));
  EXPECT_NE(text.find("kafka_network_requestmetrics_totaltimems{request=\"Metadata\",quantile="
                      "\"0.99\"}"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE samsa_kafka_request_duration_seconds histogram"), std::string::npos);
  EXPECT_TRUE(has_sample(
      text, "samsa_kafka_request_duration_seconds_bucket{request=\"Metadata\",le=\"0.025\"}", "1"));
  EXPECT_TRUE(has_sample(
      text, "samsa_kafka_request_duration_seconds_bucket{request=\"Metadata\",le=\"+Inf\"}", "2"));
}

TEST(RequestMetrics, FetchIsAlsoRecordedAsFetchConsumer) {
  MetricsRegistry registry;
  auto m = std::shared_ptr<RequestMetrics>(make(registry));
  registry.add_collector(m);
  m->record(1, 12, 0.5, {});
  const std::string text = registry.render();
  EXPECT_TRUE(has_sample(
      text, "kafka_network_requestmetrics_requests_total{request=\"Fetch\",version=\"12\"}", "1"));
  EXPECT_TRUE(has_sample(
      text, "kafka_network_requestmetrics_requests_total{request=\"FetchConsumer\",version=\"12\"}",
      "1"));
  EXPECT_TRUE(has_sample(
      text, "kafka_network_requestmetrics_totaltimems_count{request=\"FetchConsumer\"}", "1"));
}

TEST(RequestMetrics, UnknownApisAndOutOfRangeValuesAddNoSeries) {
  MetricsRegistry registry;
  auto m = make(registry);
  m->record(-1, 0, 0.1, {});
  m->record(127, 0, 0.1, {});  // no such API: the name function returns ""
  const std::vector<std::pair<int16_t, uint32_t>> odd = {{-7, 1}, {30000, 2}};
  m->record(3, 999, 0.1, odd);  // version and codes out of range
  const std::string text = testing::render(m->Collect());
  EXPECT_EQ(text.find("version=\"999\""), std::string::npos);
  EXPECT_TRUE(has_sample(
      text, "kafka_network_requestmetrics_errors_total{request=\"Metadata\",error=\"UNKNOWN\"}",
      "3"));
  EXPECT_EQ(text.find("request=\"\""), std::string::npos);
}

// The generated encoders report every ErrorCode they write (Kafka's errorCounts()).
TEST(ErrorTally, GeneratedEncodersCountResponseErrorCodes) {
  protocol::ProduceResponse response;
  response.responses.resize(2);
  response.responses[0].partition_responses.resize(3);
  response.responses[0].partition_responses[1].error_code = 6;
  response.responses[1].partition_responses.resize(1);
  std::vector<uint8_t> buffer;
  protocol::Writer writer(buffer);
  protocol::ErrorTally tally;
  writer.set_error_tally(&tally);
  response.encode(writer, 9);
  std::map<int16_t, uint32_t> counts(tally.counts().begin(), tally.counts().end());
  EXPECT_EQ(counts, (std::map<int16_t, uint32_t>{{0, 3}, {6, 1}}));

  // Top-level and per-partition codes of a fetch response; the size pass counts nothing.
  protocol::FetchResponse fetch;
  fetch.error_code = 0;
  fetch.responses.resize(1);
  fetch.responses[0].partitions.resize(2);
  fetch.responses[0].partitions[0].error_code = 1;
  tally.clear();
  EXPECT_GT(fetch.size(12), 0u);
  EXPECT_TRUE(tally.empty());
  fetch.encode(writer, 12);
  counts = {tally.counts().begin(), tally.counts().end()};
  EXPECT_EQ(counts, (std::map<int16_t, uint32_t>{{0, 2}, {1, 1}}));
}

}  // namespace
}  // namespace samsa::metrics
