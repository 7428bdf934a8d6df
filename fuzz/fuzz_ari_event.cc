// ARI event frames and REST answers come from Asterisk over the network:
// every parser must turn any bytes into a value or an error, never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ari/model.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto e = aicc::ari::ParseEvent(text); e && e->channel) {
    (void)e->channel->StasisApp();
    (void)aicc::ari::ResourceOfChannelName(e->channel->name);
  }
  (void)aicc::ari::ParseChannel(text);
  (void)aicc::ari::ParseChannelList(text);
  (void)aicc::ari::ParseBridgeList(text);
  (void)aicc::ari::ParseEndpointState(text);
  (void)aicc::ari::ParseVariableValue(text);
  (void)aicc::ari::ParseErrorMessage(text);
  return 0;
}
