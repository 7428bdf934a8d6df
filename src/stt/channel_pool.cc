#include "stt/internal/channel_pool.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/support/channel_arguments.h>

namespace aicc::stt::internal {

ChannelPool::Lease::~Lease() { pool_->Release(index_); }

ChannelPool::ChannelPool(std::string target, std::shared_ptr<grpc::ChannelCredentials> credentials,
                         int max_streams_per_channel)
    : target_(std::move(target)),
      credentials_(std::move(credentials)),
      max_per_channel_(max_streams_per_channel) {}

std::unique_ptr<ChannelPool::Lease> ChannelPool::Acquire() {
  std::lock_guard lock(mutex_);
  std::size_t index = entries_.size();
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].active < max_per_channel_) {
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
    Entry e;
    e.channel = grpc::CreateCustomChannel(target_, credentials_, args);
    e.stub = ::google::cloud::speech::v2::Speech::NewStub(e.channel);
    entries_.push_back(std::move(e));
  }
  ++entries_[index].active;
  return std::make_unique<Lease>(shared_from_this(), index, entries_[index].stub.get());
}

std::size_t ChannelPool::ChannelCount() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void ChannelPool::Release(std::size_t index) {
  std::lock_guard lock(mutex_);
  if (index < entries_.size() && entries_[index].active > 0) --entries_[index].active;
}

}  // namespace aicc::stt::internal
