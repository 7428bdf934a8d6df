// One readable line per event, for `aicc sink` and `aicc demo`.
#pragma once

#include <string>

namespace aicc::app {

std::string PrettyEvent(const std::string& json);

}  // namespace aicc::app
