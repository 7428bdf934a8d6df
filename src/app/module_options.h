// Maps the configuration onto each module's typed options. The only place
// where setting names meet module types (modules never see core::Config).
#pragma once

#include "ari/controller.h"
#include "core/config.h"
#include "pipeline/call_registry.h"
#include "rtp/receiver.h"
#include "sink/dispatcher.h"
#include "stt/recognizer.h"
#include "turn/detector.h"
#include "vad/segmenter.h"
#include "vad/vad.h"

namespace aicc::app {

vad::EngineOptions VadEngineOptionsFrom(const core::Config& cfg);
vad::SegmenterOptions SegmenterOptionsFrom(const core::Config& cfg);
stt::GoogleOptions SttOptionsFrom(const core::Config& cfg);
turn::DetectorOptions TurnOptionsFrom(const core::Config& cfg);
sink::DispatcherOptions SinkOptionsFrom(const core::Config& cfg);
rtp::ReceiverOptions ReceiverOptionsFrom(const core::Config& cfg);
pipeline::PipelineOptions PipelineOptionsFrom(const core::Config& cfg, bool pipeline_only);
// The ports are the receivers' bound ports (media.*_port may be 0 in tests).
// The error names the setting (ari.agent_priority items).
boost::system::result<ari::ControllerOptions, std::string> AriOptionsFrom(
    const core::Config& cfg, std::uint16_t customer_port, std::uint16_t agent_port);

}  // namespace aicc::app
