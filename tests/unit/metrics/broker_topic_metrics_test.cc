#include "metrics/broker_topic_metrics.h"

#include <gtest/gtest.h>

#include <thread>

#include "metrics/metrics_registry.h"
#include "render.h"

namespace samsa::metrics {
namespace {

using testing::has_sample;
using testing::render;

TEST(BrokerTopicMetrics, PerTopicAndAllTopicsSeriesInOneFamily) {
  BrokerTopicMetrics m;
  auto& all = m.all_topics();
  BrokerTopicMetrics::add(m.topic("orders"), all, &TopicCounters::messages_in, 5);
  BrokerTopicMetrics::add(m.topic("orders"), all, &TopicCounters::bytes_in, 500);
  BrokerTopicMetrics::add(m.topic("audit"), all, &TopicCounters::messages_in, 2);
  BrokerTopicMetrics::add(m.topic("audit"), all, &TopicCounters::bytes_out, 70);
  const std::string text = render(m.Collect());
  EXPECT_NE(text.find("# TYPE kafka_server_brokertopicmetrics_messagesin_total counter"),
            std::string::npos);
  EXPECT_TRUE(has_sample(text, "kafka_server_brokertopicmetrics_messagesin_total", "7"));
  EXPECT_TRUE(
      has_sample(text, "kafka_server_brokertopicmetrics_messagesin_total{topic=\"orders\"}", "5"));
  EXPECT_TRUE(
      has_sample(text, "kafka_server_brokertopicmetrics_messagesin_total{topic=\"audit\"}", "2"));
  EXPECT_TRUE(has_sample(text, "kafka_server_brokertopicmetrics_bytesin_total", "500"));
  EXPECT_TRUE(
      has_sample(text, "kafka_server_brokertopicmetrics_bytesout_total{topic=\"audit\"}", "70"));
  // Every meter is present from the start, at 0.
  for (const char* name : {"totalproducerequests", "failedproducerequests", "totalfetchrequests",
                           "failedfetchrequests"}) {
    EXPECT_TRUE(
        has_sample(text, std::string("kafka_server_brokertopicmetrics_") + name + "_total", "0"))
        << name;
  }
}

TEST(BrokerTopicMetrics, HandlesAreStableAndTheTopicListDecidesWhatIsExported) {
  BrokerTopicMetrics m;
  TopicCounters* first = &m.topic("t");
  for (int i = 0; i < 100; ++i) m.topic("other-" + std::to_string(i));
  EXPECT_EQ(first, &m.topic("t"));  // rehashing must not move counters
  BrokerTopicMetrics::add(*first, m.all_topics(), &TopicCounters::bytes_out, 9);
  // "other-*" were deleted; "quiet" exists but has had no traffic yet: exported at 0.
  m.set_topic_list([] { return std::vector<std::string>{"t", "quiet"}; });
  const std::string text = render(m.Collect());
  EXPECT_TRUE(has_sample(text, "kafka_server_brokertopicmetrics_bytesout_total{topic=\"t\"}", "9"));
  EXPECT_TRUE(
      has_sample(text, "kafka_server_brokertopicmetrics_bytesout_total{topic=\"quiet\"}", "0"));
  EXPECT_EQ(text.find("other-"), std::string::npos);
}

TEST(BrokerTopicMetrics, ConcurrentUpdatesAreCounted) {
  BrokerTopicMetrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < 10000; ++i) {
        BrokerTopicMetrics::add(m.topic("topic-" + std::to_string(i % 3)), m.all_topics(),
                                &TopicCounters::messages_in, 1);
        if (i % 1000 == 0) m.Collect();
      }
      (void)t;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(m.all_topics().messages_in.load(), 40000u);
  EXPECT_EQ(m.topic("topic-0").messages_in.load() + m.topic("topic-1").messages_in.load() +
                m.topic("topic-2").messages_in.load(),
            40000u);
}

TEST(MetricsRegistry, ConstantLabelsReachCollectorSeries) {
  MetricsRegistry registry(std::map<std::string, std::string>{{"cluster", "prod"}});
  auto topics = std::make_shared<BrokerTopicMetrics>();
  registry.add_collector(topics);
  BrokerTopicMetrics::add(topics->topic("t"), topics->all_topics(), &TopicCounters::bytes_in, 3);
  const std::string text = registry.render();
  EXPECT_TRUE(has_sample(
      text, "kafka_server_brokertopicmetrics_bytesin_total{cluster=\"prod\",topic=\"t\"}", "3"));
}

}  // namespace
}  // namespace samsa::metrics
