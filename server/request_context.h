#pragma once
// What a Kafka API handler sees: the decoded header, the request body still to decode, a writer for
// the response body, and the broker's services. Handlers decode, call services, encode - nothing
// more.
#include <asio.hpp>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "config/broker_config.h"
#include "protocol/messages/request_header.h"
#include "protocol/reader.h"
#include "protocol/writer.h"
#include "security/audit_log.h"
#include "security/authorizer.h"
#include "security/sasl/credential_store.h"
#include "security/sasl/sasl_server_factory.h"
#include "security/session.h"
#include "server/partition_manager.h"
#include "server/sasl_auth.h"
#include "server/topic_service.h"

namespace samsa::metrics {
struct KafkaMetrics;
}

namespace samsa::server {

namespace group {
class GroupCoordinator;
}

// Counters for what the connection layer rejects; exported as metrics once metrics/ lands.
struct ServerStats {
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> malformed_requests{0};
  std::atomic<uint64_t> requests_handled{0};
  // Fetched record bytes sent from segment files with sendfile, and copied through memory.
  std::atomic<uint64_t> fetch_bytes_sendfile{0};
  std::atomic<uint64_t> fetch_bytes_copied{0};
};

class ProducerIdAllocator;
class ResponseFileRegions;
class ConfigService;
class ProduceService;
class AclService;
class UserService;

struct Services {
  const config::BrokerConfig& config;
  TopicService& topics;
  PartitionManager& partitions;
  ServerStats& stats;
  int32_t node_id;
  // InitProducerId; null until the composition root wires it (then the API answers
  // COORDINATOR_NOT_AVAILABLE).
  ProducerIdAllocator* producer_ids = nullptr;
  // Consumer groups; set by the composition root before serving.
  group::GroupCoordinator* groups = nullptr;
  // Describe/Alter configs; set by the composition root before serving.
  ConfigService* configs = nullptr;
  // Produce appends; set by the composition root before serving.
  ProduceService* produce = nullptr;
  // Data-path metrics (requests, topics, connections); null in tests that do not need them.
  metrics::KafkaMetrics* metrics = nullptr;
  // Decides access when authorizer.class.name is set; null = every action is allowed, as in
  // Kafka without an authorizer.
  const security::Authorizer* authorizer = nullptr;
  // CreateAcls/DescribeAcls/DeleteAcls; set with the authorizer (null = SECURITY_DISABLED).
  AclService* acls = nullptr;
  // audit.log.file; always set by the composition root (a disabled log records nothing).
  security::AuditLog* audit = nullptr;
  // Salted SCRAM credentials of the published metadata image, for the SASL mechanisms; null until
  // the composition root wires it.
  const security::CredentialStore* credentials = nullptr;
  // Describe/Alter user SCRAM credentials; set by the composition root before serving.
  UserService* users = nullptr;
  // Makes the SASL exchange for a mechanism on a listener; null = no SASL listener (SaslHandshake
  // then answers ILLEGAL_SASL_STATE).
  const security::SaslServerFactory* sasl = nullptr;
};

struct RequestContext {
  const protocol::RequestHeader& header;
  protocol::Reader& body;
  protocol::Writer& response;
  Services& services;
  const std::string& peer;
  // The connection's listener and principal; the SASL handlers authenticate it.
  security::Session& session;
  // The connection's SASL exchange; null outside a connection (tests).
  SaslConnectionState* sasl = nullptr;
  // acks=0 produce requests get no response at all, as in Kafka.
  bool send_response = true;
  // Gives back the connection's in-flight request slot (queued.max.requests) while the request
  // waits for something other than this broker's work: a long-poll fetch, a rebalance. Kafka's
  // handlers likewise leave the request queue when they park a request in a purgatory.
  std::function<void()> on_park = nullptr;
  // Where record bytes may be left in segment files for the connection to sendfile (also set as
  // the response writer's records sink); null when the stream must see the bytes (TLS), and then
  // they are copied into the response.
  ResponseFileRegions* file_regions = nullptr;
  // Set by a handler whose client can only learn of a failure by losing the connection (a failed
  // acks=0 produce: Kafka closes it so the client refreshes its metadata). The connection closes
  // after this request, without writing its response.
  bool close_connection = false;
  // Set by a handler whose response must reach the client before the connection closes (a SASL
  // protocol error: Kafka answers, then closes).
  bool close_after_response = false;

  int16_t version() const { return header.api_version; }
  // Whether this connection's principal may do `operation` on the named resource; every handler
  // asks this before it looks the resource up (Kafka checks authorization before existence).
  // A denial is written to the audit log.
  bool authorized(security::AclOperation operation, security::ResourceType type,
                  std::string name) const;
  // Writes one change of state (a created topic, a deleted ACL, ...) to the audit log, once the
  // service has answered: "success" for error 0, else "failure" with the error's name and
  // `message` as the reason. An *_AUTHORIZATION_FAILED result is skipped: the request was never
  // attempted, and authorized() has already written the denial.
  void audit_change(const std::string& resource, std::string_view operation, int16_t error_code,
                    std::string_view message = {}) const;
  // Whether audit lines go anywhere; lets a handler skip describing resources for nobody.
  bool auditing() const { return services.audit != nullptr && services.audit->enabled(); }
  void park() {
    if (on_park) on_park();
  }
};

using Handler = asio::awaitable<void> (*)(RequestContext&);

// An audit line's resource: "TOPIC:orders", "GROUP:g1", "USER:alice" (the ACL resource type's
// Java name, as denials print it, so one grep finds a resource's denials and changes alike).
std::string audit_resource(security::ResourceType type, std::string_view name);

}  // namespace samsa::server
