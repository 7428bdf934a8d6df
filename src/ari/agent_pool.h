// The agents calls are routed to (ari.agents) and the caller → agent
// priority map (ari.agent_priority), with the reservations of the calls in
// progress. Which agents are registered is asked of Asterisk by the caller
// of Candidates() (GET /endpoints/…); this class only decides the order and
// who is taken.
//
// Usage:
//   AgentPool pool({.agents = {"agent01", "agent02"}, .priority = {{"10.0.0.5", "agent02"}}});
//   for (const auto& agent : pool.Candidates({"10.0.0.5"}, tried)) {
//     if (registered(agent) && pool.TryReserve(agent, call_id)) { dial(agent); break; }
//   }
//   pool.Release(agent, call_id);  // when the call ends or the agent did not answer
//
// Thread safety: every method is thread-safe (one mutex; nothing blocks
// under it). Calls run on their own strands and share one pool.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace aicc::ari {

struct AgentPoolConfig {
  // Endpoint names: "agent01" (PJSIP) or "<TECH>/<resource>".
  std::vector<std::string> agents;
  // Caller key (SIP host or caller number) → preferred agent.
  std::map<std::string, std::string> priority;
};

class AgentPool {
 public:
  explicit AgentPool(AgentPoolConfig config);

  // Replaces the pool (SIGHUP). Reservations of agents still in it stay;
  // those of removed agents stay until released.
  void Reload(AgentPoolConfig config);

  // The agents to try, in order: the preferred agent of the first caller
  // key that has one, then round robin from the agent after the last one
  // reserved. Reserved agents and `exclude` are left out.
  std::vector<std::string> Candidates(const std::vector<std::string>& caller_keys,
                                      const std::set<std::string>& exclude) const;

  // Takes `agent` for `call_id`; false when another call has it.
  bool TryReserve(const std::string& agent, const std::string& call_id);
  // Marks `agent` as taken by `call_id` even if another call had it (an
  // adopted call whose agent is on the line).
  void ForceReserve(const std::string& agent, const std::string& call_id);
  // Frees `agent` if `call_id` holds it.
  void Release(const std::string& agent, const std::string& call_id);

  std::size_t ReservedCount() const;
  std::vector<std::string> Agents() const;

  // "PJSIP/agent01" for "agent01"; names with a technology are kept.
  static std::string DialEndpoint(const std::string& agent);
  // The resource part: "agent01" for "agent01" and "PJSIP/agent01".
  static std::string AgentId(const std::string& agent);

 private:
  mutable std::mutex mutex_;
  AgentPoolConfig config_;
  std::map<std::string, std::string> reserved_;  // agent → call id
  std::size_t next_ = 0;                         // round-robin cursor into config_.agents
};

}  // namespace aicc::ari
