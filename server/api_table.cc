#include "server/api_table.h"

#include "protocol/messages/api_versions_response.h"

namespace samsa::server {

// Ranges follow ../shared/notes/protocol.md §3. Produce advertises 0 although 0-2 are refused:
// librdkafka 2.0.2 silently stops compressing when Produce's minimum is above 0 (KAFKA-18659).
const std::vector<ApiEntry>& supported_apis() {
  static const std::vector<ApiEntry> apis = {
      {0, 0, 11, handle_produce},
      {1, 4, 12, handle_fetch},
      {2, 1, 7, handle_list_offsets},
      {3, 0, 12, handle_metadata},
      {18, 0, 4, handle_api_versions, true},
      {17, 0, 1, handle_sasl_handshake, true},
      {36, 0, 2, handle_sasl_authenticate, true},
      {19, 2, 7, handle_create_topics},
      {20, 1, 6, handle_delete_topics},
      {37, 0, 3, handle_create_partitions},
      {60, 0, 1, handle_describe_cluster},
      {10, 0, 4, handle_find_coordinator},
      {11, 0, 9, handle_join_group},
      {14, 0, 5, handle_sync_group},
      {12, 0, 4, handle_heartbeat},
      {13, 0, 5, handle_leave_group},
      {8, 2, 9, handle_offset_commit},
      {9, 1, 9, handle_offset_fetch},
      {16, 0, 5, handle_list_groups},
      {15, 0, 5, handle_describe_groups},
      {42, 0, 2, handle_delete_groups},
      {47, 0, 0, handle_offset_delete},
      // 0 must be in range: librdkafka enables idempotence only if InitProducerId 0 is.
      {22, 0, 5, handle_init_producer_id},
      {21, 0, 2, handle_delete_records},
      {35, 0, 4, handle_describe_log_dirs},
      {32, 0, 4, handle_describe_configs},
      {33, 0, 2, handle_alter_configs},
      {44, 0, 1, handle_incremental_alter_configs},
      {29, 0, 3, handle_describe_acls},
      {30, 0, 3, handle_create_acls},
      {31, 0, 3, handle_delete_acls},
      {50, 0, 0, handle_describe_user_scram_credentials},
      {51, 0, 0, handle_alter_user_scram_credentials},
  };
  return apis;
}

const ApiEntry* find_api(int16_t key) {
  for (const auto& api : supported_apis()) {
    if (api.key == key) return &api;
  }
  return nullptr;
}

void list_supported_apis(protocol::ApiVersionsResponse& response) {
  for (const auto& api : supported_apis()) {
    protocol::ApiVersionsResponse::ApiVersion v;
    v.api_key = api.key;
    v.min_version = api.min_version;
    v.max_version = api.max_version;
    response.api_keys.push_back(v);
  }
}

void write_api_versions_fallback(protocol::Writer& out) {
  protocol::ApiVersionsResponse response;
  response.error_code = 35;  // UNSUPPORTED_VERSION
  list_supported_apis(response);
  response.encode(out, 0);
}

}  // namespace samsa::server
