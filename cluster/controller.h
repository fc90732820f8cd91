#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cluster/errors.h"
#include "cluster/metadata_image.h"
#include "cluster/quorum/metadata_quorum.h"
#include "cluster/scram_control.h"

namespace samsa::cluster {

struct CreateTopicRequest {
  std::string name;
  int32_t num_partitions = -1;
  int16_t replication_factor = -1;
  std::map<int32_t, std::vector<int32_t>> assignments;  // partition -> replicas
  std::map<std::string, std::string> configs;
};

struct TopicResult {
  std::string name;
  Uuid id{};
  int16_t error_code = 0;
  std::string error_message;
  int32_t num_partitions = -1;
  int16_t replication_factor = -1;
};

// New configuration for one resource (a topic, a broker id, or "" for the cluster-wide broker
// default). Values are validated by the caller, which knows the config table; the controller only
// checks that the resource exists and that sizes are sane.
struct ConfigAlteration {
  int8_t resource_type = kResourceTopic;
  std::string resource_name;
  std::map<std::string, std::optional<std::string>> changes;  // nullopt deletes the key
  // AlterConfigs semantics: keys set now but absent from `changes` are deleted.
  bool replace_all = false;
};

struct ConfigResult {
  int8_t resource_type = kResourceTopic;
  std::string resource_name;
  int16_t error_code = 0;
  std::string error_message;
};

struct ControllerOptions {
  int32_t default_num_partitions = 1;
  int16_t default_replication_factor = 1;
};

// The controller face of the metadata quorum. Every method is thread-safe; callbacks run on the
// quorum thread, so they must be short (post real work elsewhere). Mutations are validated against
// the latest image on the quorum thread before anything is proposed, so applying never fails.
// On a node that is not the active controller every mutation answers NOT_CONTROLLER.
class Controller {
 public:
  Controller(std::unique_ptr<MetadataQuorum> quorum, ControllerOptions options);
  ~Controller();

  std::shared_ptr<const MetadataImage> image() const { return quorum_->image(); }
  void on_image_change(std::function<void(std::shared_ptr<const MetadataImage>)> listener);

  void create_topics(std::vector<CreateTopicRequest> topics, bool validate_only,
                     std::function<void(std::vector<TopicResult>)> done);
  void delete_topics(std::vector<std::string> names,
                     std::function<void(std::vector<TopicResult>)> done);
  void delete_topics_by_id(std::vector<Uuid> ids,
                           std::function<void(std::vector<TopicResult>)> done);
  // Each pair is (topic, new total partition count); partitions can only grow.
  void create_partitions(std::vector<std::pair<std::string, int32_t>> topics, bool validate_only,
                         std::function<void(std::vector<TopicResult>)> done);
  // Results are in request order; each resource succeeds or fails on its own.
  void alter_configs(std::vector<ConfigAlteration> alterations, bool validate_only,
                     std::function<void(std::vector<ConfigResult>)> done);
  // Adds ACLs (validated by the caller, which knows the ACL vocabulary); each gets a fresh id.
  // An ACL identical to one that exists is not added again (Kafka's AclControlManager), and
  // still succeeds. `done` gets one error code per ACL, in request order.
  void create_acls(std::vector<AclEntry> acls, std::function<void(std::vector<int16_t>)> done);
  // Removes the ACLs with these ids; ids already gone are skipped (a concurrent delete won).
  void remove_acls(std::vector<Uuid> ids, std::function<void(int16_t error)> done);
  void register_broker(BrokerRegistration broker, std::function<void(int16_t error)> done);
  // Reserves [first, first + count) producer ids; unique across restarts and controller changes.
  void allocate_producer_ids(int32_t count, std::function<void(int64_t first, int16_t error)> done);

  // AlterUserScramCredentials: validated by build_scram_alteration on the quorum thread, applied
  // as one atomic entry. A failed write turns every accepted user's result into its error.
  void alter_scram_credentials(std::vector<ScramDeletion> deletions,
                               std::vector<ScramUpsertion> upsertions,
                               std::function<void(std::vector<ScramAlterResult>)> done);

  bool is_active() const { return quorum_->is_active_controller(); }
  MetadataQuorum& quorum() { return *quorum_; }
  void stop() { quorum_->stop(); }

 private:
  using Results = std::shared_ptr<std::vector<TopicResult>>;
  void submit_topic_write(Results results,
                          std::function<std::vector<MetadataRecord>(const MetadataImage&)> build,
                          std::function<void(std::vector<TopicResult>)> done);

  std::unique_ptr<MetadataQuorum> quorum_;
  ControllerOptions options_;
};

// Starts the quorum (blocking until the metadata image is loaded) and wraps it in a Controller.
// Throws std::runtime_error if the quorum cannot start.
std::unique_ptr<Controller> start_controller(const QuorumOptions& quorum,
                                             const ControllerOptions& controller);

}  // namespace samsa::cluster
