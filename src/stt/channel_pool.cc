#include "stt/internal/channel_pool.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/support/channel_arguments.h>

namespace aicc::stt::internal {

ChannelPool::Lease::~Lease() {
  std::lock_guard lock(slots_->mutex);
  if (index_ < slots_->active.size() && slots_->active[index_] > 0) --slots_->active[index_];
}

ChannelPool::ChannelPool(std::string target, std::shared_ptr<grpc::ChannelCredentials> credentials,
                         int max_streams_per_channel)
    : target_(std::move(target)),
      credentials_(std::move(credentials)),
      max_per_channel_(max_streams_per_channel) {}

std::unique_ptr<ChannelPool::Lease> ChannelPool::Acquire() {
  std::lock_guard lock(slots_->mutex);
  std::size_t index = entries_.size();
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (slots_->active[i] < max_per_channel_) {
      index = i;
      break;
    }
  }
  if (index == entries_.size()) {
    grpc::ChannelArguments args;
    // Distinct connections: without a local subchannel pool, channels with
    // equal arguments would share one TCP connection.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("aicc.channel_index", static_cast<int>(index));
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
    args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
    // After an outage, reconnect within seconds, not gRPC's default of up to
    // 120 s between attempts: streams fail fast while the channel waits, and
    // the utterances held for the outage (stt.outage_wait_ms) wait on it.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 500);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
    Entry e;
    e.channel = grpc::CreateCustomChannel(target_, credentials_, args);
    e.stub = ::google::cloud::speech::v2::Speech::NewStub(e.channel);
    entries_.push_back(std::move(e));
    slots_->active.push_back(0);
  }
  ++slots_->active[index];
  return std::make_unique<Lease>(slots_, index, entries_[index].stub.get());
}

std::size_t ChannelPool::ChannelCount() const {
  std::lock_guard lock(slots_->mutex);
  return entries_.size();
}

}  // namespace aicc::stt::internal
