#pragma once
// What happened, one entry at a time. The simulator produces a TraceEntry for every input it
// gives a core (start, message, timer), every control event (a fault), and every effect a core
// returns (send with its fate, set/cancel timer, persist, deliver). The same entries feed
//  - the Transcript: a running SHA-256 that identifies a run (two runs with one seed give one
//    hash; any divergence, however small, changes it), and
//  - an optional observer, for tests that measure (latency, order) and for printing a trace
//    of a failing seed.
#include <cstdint>
#include <string_view>

#include "node/core/bytes.hpp"
#include "node/sim/network.hpp"
#include "node/sim/time.hpp"

namespace ios::sim {

enum class TraceKind : std::uint8_t {
  start,         // on_start of an incarnation
  message,       // an arrival: handed to the core, or dropped (drop != none)
  timer,         // on_timer
  control,       // a fault or a driver action; `what` names it
  send,          // a Send effect entering the network: its fate and arrival time
  set_timer,     // at_us = when it fires
  cancel_timer,  //
  persist,       // what = key, digest = SHA-256(value)
  deliver,       // what = kind, digest = SHA-256(value)
  verify_done,   // a Verify answered: timer = its id, bytes = checks, at_us = checks valid
  loaded,        // a Load answered: timer = its id, bytes = keys, at_us = keys found
  prune,         // what = the prefix, bytes = rows deleted
};

std::string_view to_string(TraceKind kind);

struct TraceEntry {
  std::uint64_t event = 0;  // number of the event in progress, from 1
  TimeUs time_us = 0;       // the virtual clock
  TraceKind kind = TraceKind::control;
  NodeId node = 0;                // whose input or effect
  std::uint32_t incarnation = 0;  // of that node
  NodeId peer = 0;                // message: the sender; send: the destination
  TimerId timer = 0;              // timer, set_timer, cancel_timer
  TimeUs at_us = 0;               // message: sent at; send: arrives at; set_timer: fires at
  std::uint64_t bytes = 0;        // message, send, persist, deliver: payload or value size
  core::Hash32 digest{};          // message, send, persist, deliver
  DropReason drop = DropReason::none;
  std::string_view what{};  // control, persist, deliver; valid only during the callback
};

class Transcript {
 public:
  Transcript();
  // hash = SHA-256(hash ‖ canonical encoding of the entry).
  void record(const TraceEntry& entry);
  const core::Hash32& hash() const { return hash_; }
  std::uint64_t entries() const { return entries_; }

 private:
  core::Hash32 hash_;
  std::uint64_t entries_ = 0;
};

}  // namespace ios::sim
