#include "vad/vad.h"

namespace aicc::vad {

boost::system::result<std::shared_ptr<const VadEngine>, VadError> VadEngine::Create(
    const EngineOptions& options) {
  if (options.engine == "energy") return MakeEnergyEngine(options.energy_threshold);
  if (options.engine != "silero") return VadError{"unknown VAD engine '" + options.engine + "'"};
  return VadError{"the Silero engine is not available in this build (" + options.model_path + ")"};
}

}  // namespace aicc::vad
