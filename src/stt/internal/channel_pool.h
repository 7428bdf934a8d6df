// A pool of gRPC channels to one endpoint; each channel carries at most
// `max_streams_per_channel` concurrent streams (HTTP/2 servers, Google's
// included, cap concurrent streams per connection at ~100).
//
// Thread safety: Acquire() may be called from any thread (a mutex guards the
// pool's bookkeeping, never call state); a Lease releases its slot when
// destroyed, on any thread, even after the pool is gone. The pool (and its
// channels) is destroyed by its owner, never inside a gRPC callback.
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

class ChannelPool {
 private:
  // Stream counts per channel; shared with the leases so a lease may be
  // released after the pool (and its channels) is gone.
  struct Slots {
    std::mutex mutex;
    std::vector<int> active;
  };

 public:
  class Lease {
   public:
    Lease(std::shared_ptr<Slots> slots, std::size_t index, SpeechStub* stub)
        : slots_(std::move(slots)), index_(index), stub_(stub) {}
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    // Valid while the pool lives.
    SpeechStub* stub() const { return stub_; }
    std::size_t index() const { return index_; }

   private:
    std::shared_ptr<Slots> slots_;
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
  };

  const std::string target_;
  const std::shared_ptr<grpc::ChannelCredentials> credentials_;
  const int max_per_channel_;
  std::shared_ptr<Slots> slots_ = std::make_shared<Slots>();
  std::vector<Entry> entries_;  // guarded by slots_->mutex
};

}  // namespace aicc::stt::internal
