#pragma once
// The APIs this broker implements, the version ranges it advertises, and their handlers.
// ApiVersions answers from this table, so nothing is advertised that has no handler.
#include <cstdint>
#include <vector>

#include "protocol/messages/api_versions_response.h"
#include "server/request_context.h"

namespace samsa::server {

struct ApiEntry {
  int16_t key;
  int16_t min_version;
  int16_t max_version;
  Handler handler;
  // May run on a SASL listener before authentication (ApiVersions and the SASL APIs only).
  bool before_authentication = false;
};

const std::vector<ApiEntry>& supported_apis();
const ApiEntry* find_api(int16_t key);

// One declaration per handler file in server/handlers/.
asio::awaitable<void> handle_api_versions(RequestContext& ctx);
asio::awaitable<void> handle_metadata(RequestContext& ctx);
asio::awaitable<void> handle_sasl_handshake(RequestContext& ctx);
asio::awaitable<void> handle_sasl_authenticate(RequestContext& ctx);
asio::awaitable<void> handle_produce(RequestContext& ctx);
asio::awaitable<void> handle_fetch(RequestContext& ctx);
asio::awaitable<void> handle_list_offsets(RequestContext& ctx);
asio::awaitable<void> handle_create_topics(RequestContext& ctx);
asio::awaitable<void> handle_delete_topics(RequestContext& ctx);
asio::awaitable<void> handle_create_partitions(RequestContext& ctx);
asio::awaitable<void> handle_describe_cluster(RequestContext& ctx);
asio::awaitable<void> handle_find_coordinator(RequestContext& ctx);
asio::awaitable<void> handle_join_group(RequestContext& ctx);
asio::awaitable<void> handle_sync_group(RequestContext& ctx);
asio::awaitable<void> handle_heartbeat(RequestContext& ctx);
asio::awaitable<void> handle_leave_group(RequestContext& ctx);
asio::awaitable<void> handle_offset_commit(RequestContext& ctx);
asio::awaitable<void> handle_offset_fetch(RequestContext& ctx);
asio::awaitable<void> handle_list_groups(RequestContext& ctx);
asio::awaitable<void> handle_describe_groups(RequestContext& ctx);
asio::awaitable<void> handle_delete_groups(RequestContext& ctx);
asio::awaitable<void> handle_offset_delete(RequestContext& ctx);
asio::awaitable<void> handle_init_producer_id(RequestContext& ctx);
asio::awaitable<void> handle_delete_records(RequestContext& ctx);
asio::awaitable<void> handle_describe_log_dirs(RequestContext& ctx);
asio::awaitable<void> handle_describe_configs(RequestContext& ctx);
asio::awaitable<void> handle_alter_configs(RequestContext& ctx);
asio::awaitable<void> handle_incremental_alter_configs(RequestContext& ctx);
asio::awaitable<void> handle_describe_acls(RequestContext& ctx);
asio::awaitable<void> handle_create_acls(RequestContext& ctx);
asio::awaitable<void> handle_delete_acls(RequestContext& ctx);
asio::awaitable<void> handle_describe_user_scram_credentials(RequestContext& ctx);
asio::awaitable<void> handle_alter_user_scram_credentials(RequestContext& ctx);

// Fills the api_keys of an ApiVersions response from the table above.
void list_supported_apis(protocol::ApiVersionsResponse& response);

// Encodes the ApiVersions v0 body with UNSUPPORTED_VERSION and our ranges, the answer Kafka gives
// to an ApiVersions request at a version it does not know (clients then retry at a version we
// support).
void write_api_versions_fallback(protocol::Writer& out);

}  // namespace samsa::server
