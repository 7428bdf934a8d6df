#include "ari/agent_pool.h"

#include <algorithm>

namespace aicc::ari {

AgentPool::AgentPool(AgentPoolConfig config) : config_(std::move(config)) {}

void AgentPool::Reload(AgentPoolConfig config) {
  std::lock_guard lock(mutex_);
  config_ = std::move(config);
  if (next_ >= config_.agents.size()) next_ = 0;
}

std::vector<std::string> AgentPool::Candidates(const std::vector<std::string>& caller_keys,
                                               const std::set<std::string>& exclude) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  auto usable = [&](const std::string& agent) {
    return !reserved_.contains(agent) && !exclude.contains(agent) &&
           std::find(out.begin(), out.end(), agent) == out.end();
  };
  for (const auto& key : caller_keys) {
    const auto it = config_.priority.find(key);
    if (it == config_.priority.end()) continue;
    // A preferred agent outside the pool is still dialled: the map names
    // whom that caller should reach.
    if (usable(it->second)) out.push_back(it->second);
    break;
  }
  const std::size_t n = config_.agents.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& agent = config_.agents[(next_ + i) % n];
    if (usable(agent)) out.push_back(agent);
  }
  return out;
}

bool AgentPool::TryReserve(const std::string& agent, const std::string& call_id) {
  std::lock_guard lock(mutex_);
  if (!reserved_.emplace(agent, call_id).second) return false;
  const auto it = std::find(config_.agents.begin(), config_.agents.end(), agent);
  if (it != config_.agents.end()) {
    next_ = (static_cast<std::size_t>(it - config_.agents.begin()) + 1) % config_.agents.size();
  }
  return true;
}

void AgentPool::ForceReserve(const std::string& agent, const std::string& call_id) {
  std::lock_guard lock(mutex_);
  reserved_[agent] = call_id;
}

void AgentPool::Release(const std::string& agent, const std::string& call_id) {
  std::lock_guard lock(mutex_);
  const auto it = reserved_.find(agent);
  if (it != reserved_.end() && it->second == call_id) reserved_.erase(it);
}

std::size_t AgentPool::ReservedCount() const {
  std::lock_guard lock(mutex_);
  return reserved_.size();
}

std::vector<std::string> AgentPool::Agents() const {
  std::lock_guard lock(mutex_);
  return config_.agents;
}

std::string AgentPool::DialEndpoint(const std::string& agent) {
  if (agent.find('/') != std::string::npos) return agent;
  return "PJSIP/" + agent;
}

std::string AgentPool::AgentId(const std::string& agent) {
  const auto slash = agent.find('/');
  return slash == std::string::npos ? agent : agent.substr(slash + 1);
}

}  // namespace aicc::ari
