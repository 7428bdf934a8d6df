#include "app/commands.h"

namespace aicc::app {

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {AddVersionCommand}, {AddConfigCommand}, {AddRunCommand},
      {AddDemoCommand},    {AddReplayCommand}, {AddSinkCommand},
      {AddTurnCommand},    {AddRedactCommand}, {AddAsteriskConfigCommand},
  };
  return commands;
}

}  // namespace aicc::app
