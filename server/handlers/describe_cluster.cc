#include "protocol/messages/describe_cluster_request.h"
#include "protocol/messages/describe_cluster_response.h"
#include "server/api_table.h"
#include "server/authz.h"

namespace samsa::server {

asio::awaitable<void> handle_describe_cluster(RequestContext& ctx) {
  protocol::DescribeClusterRequest request;
  request.decode(ctx.body, ctx.version());
  auto image = ctx.services.topics.image();
  protocol::DescribeClusterResponse response;
  response.endpoint_type = request.endpoint_type;
  response.cluster_id = image->cluster_id();
  response.controller_id = image->controller_id();
  for (const auto& [id, broker] : image->brokers()) {
    if (broker.fenced) continue;
    const auto address = broker.address_for(ctx.session.listener);
    if (!address) continue;
    protocol::DescribeClusterResponse::DescribeClusterBroker b;
    b.broker_id = id;
    b.host = address->first;
    b.port = address->second;
    b.rack = broker.rack;
    response.brokers.push_back(std::move(b));
  }
  if (request.include_cluster_authorized_operations) {
    // Only a caller with DESCRIBE on the cluster learns what else it may do there.
    response.cluster_authorized_operations =
        cluster_allowed(ctx, security::AclOperation::kDescribe)
            ? authorized_ops(ctx, security::ResourceType::kCluster, security::kClusterResourceName)
            : 0;
  }
  response.encode(ctx.response, ctx.version());
  co_return;
}

}  // namespace samsa::server
