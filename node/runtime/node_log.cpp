#include "node/runtime/node_log.hpp"

#include <chrono>

namespace ios::runtime {

std::optional<LogLevel> parse_log_level(std::string_view text) {
  for (auto l : {LogLevel::error, LogLevel::warn, LogLevel::info, LogLevel::debug})
    if (to_string(l) == text) return l;
  return std::nullopt;
}

std::optional<LogFormat> parse_log_format(std::string_view text) {
  if (text == "text") return LogFormat::text;
  if (text == "json") return LogFormat::json;
  return std::nullopt;
}

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::error: return "error";
    case LogLevel::warn: return "warn";
    case LogLevel::info: return "info";
    case LogLevel::debug: return "debug";
  }
  return "info";
}

void NodeLog::write(LogLevel level, std::string_view event, std::string_view message, const nlohmann::json& fields) {
  if (!enabled(level)) return;
  const auto ts = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::string line;
  if (format_ == LogFormat::json) {
    nlohmann::json doc = fields.is_object() ? fields : nlohmann::json::object();
    doc["ts_ms"] = ts;
    doc["level"] = to_string(level);
    doc["event"] = event;
    doc["msg"] = message;
    line = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = std::to_string(ts) + " " + std::string(to_string(level)) + " " + std::string(event) + ": " +
           std::string(message);
    if (fields.is_object()) {
      for (const auto& [key, value] : fields.items())
        line += " " + key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
    }
  }
  line += '\n';
  std::lock_guard lock(mu_);
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
}

}  // namespace ios::runtime
