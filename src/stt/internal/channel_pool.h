// A pool of gRPC channels to one endpoint; each channel carries at most
// `max_streams_per_channel` concurrent streams (HTTP/2 servers, Google's
// included, cap concurrent streams per connection at ~100).
//
// Thread safety: Acquire() may be called from any thread (a mutex guards the
// pool's bookkeeping, never call state); a Lease releases its slot when
// destroyed, on any thread.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "google/cloud/speech/v2/cloud_speech.grpc.pb.h"

namespace aicc::stt::internal {

using SpeechStub = ::google::cloud::speech::v2::Speech::Stub;

class ChannelPool : public std::enable_shared_from_this<ChannelPool> {
 public:
  class Lease {
   public:
    Lease(std::shared_ptr<ChannelPool> pool, std::size_t index, SpeechStub* stub)
        : pool_(std::move(pool)), index_(index), stub_(stub) {}
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    SpeechStub* stub() const { return stub_; }
    std::size_t index() const { return index_; }

   private:
    std::shared_ptr<ChannelPool> pool_;
    std::size_t index_;
    SpeechStub* stub_;
  };

  ChannelPool(std::string target, std::shared_ptr<grpc::ChannelCredentials> credentials,
              int max_streams_per_channel);

  // A slot on the first channel with room, opening a new channel if none.
  std::unique_ptr<Lease> Acquire();
  std::size_t ChannelCount() const;

 private:
  struct Entry {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<SpeechStub> stub;
    int active = 0;
  };
  void Release(std::size_t index);

  const std::string target_;
  const std::shared_ptr<grpc::ChannelCredentials> credentials_;
  const int max_per_channel_;
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
};

}  // namespace aicc::stt::internal
