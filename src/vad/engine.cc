#include "core/data_file.h"
#include "vad/silero.h"
#include "vad/vad.h"

namespace aicc::vad {

boost::system::result<std::shared_ptr<const VadEngine>, VadError> VadEngine::Create(
    const EngineOptions& options) {
  if (options.engine == "energy") return MakeEnergyEngine(options.energy_threshold);
  if (options.engine != "silero") return VadError{"unknown VAD engine '" + options.engine + "'"};
  // A relative path (the default) must not depend on where `aicc` was
  // started: look next to the binary and in the install prefix too.
  const auto found = core::FindDataFile(options.model_path, AICC_SOURCE_DIR);
  if (found.path.empty()) {
    return VadError{"Silero model " + options.model_path + " not found; looked in " +
                    core::JoinTried(found.tried) +
                    ". Run `make deps`, or set AICC_VAD_MODEL to its path"};
  }
  auto model = SileroModel::Load(found.path.string());
  if (!model) return model.error();
  return MakeSileroEngine(*model);
}

}  // namespace aicc::vad
