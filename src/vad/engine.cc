#include "vad/silero.h"
#include "vad/vad.h"

namespace aicc::vad {

boost::system::result<std::shared_ptr<const VadEngine>, VadError> VadEngine::Create(
    const EngineOptions& options) {
  if (options.engine == "energy") return MakeEnergyEngine(options.energy_threshold);
  if (options.engine != "silero") return VadError{"unknown VAD engine '" + options.engine + "'"};
  auto model = SileroModel::Load(options.model_path);
  if (!model) return model.error();
  return MakeSileroEngine(*model);
}

}  // namespace aicc::vad
