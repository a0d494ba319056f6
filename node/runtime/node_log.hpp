#pragma once
// What a node tells its operator, one line per event on stderr (README "Node logs"): start and
// stop, peers joining and leaving, view changes, a progress line of finalized blocks every
// progress_interval_ms, and refusals counted by reason over the same interval (one line per
// interval however hard a peer or client pushes: docs/security.md "Filling the disk through the
// node log").
//
// text: "<unix ms> <level> <event>: <message> key=value ..." — the leading timestamp is what
//       `ios devnet logs` merges the nodes' lines by.
// json: {"ts_ms", "level", "event", "msg", ...fields} — one object per line (--log-format json).
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ios::runtime {

enum class LogLevel { error = 0, warn = 1, info = 2, debug = 3 };
enum class LogFormat { text, json };

std::optional<LogLevel> parse_log_level(std::string_view text);
std::optional<LogFormat> parse_log_format(std::string_view text);
std::string_view to_string(LogLevel level);

class NodeLog {
 public:
  NodeLog(LogLevel level, LogFormat format, std::FILE* out = stderr) : level_(level), format_(format), out_(out) {}
  bool enabled(LogLevel level) const { return level <= level_; }
  // `fields` is a JSON object (or null); its values print as key=value in text.
  void write(LogLevel level, std::string_view event, std::string_view message, const nlohmann::json& fields = nullptr);
  void error(std::string_view event, std::string_view message, const nlohmann::json& fields = nullptr) {
    write(LogLevel::error, event, message, fields);
  }
  void warn(std::string_view event, std::string_view message, const nlohmann::json& fields = nullptr) {
    write(LogLevel::warn, event, message, fields);
  }
  void info(std::string_view event, std::string_view message, const nlohmann::json& fields = nullptr) {
    write(LogLevel::info, event, message, fields);
  }

 private:
  LogLevel level_;
  LogFormat format_;
  std::FILE* out_;
  std::mutex mu_;  // the RPC threads may log too; one whole line at a time
};

}  // namespace ios::runtime
