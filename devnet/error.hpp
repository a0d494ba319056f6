#pragma once
// What can go wrong with a devnet, in the classes the CLI maps to its exit codes (docs/CLI.md):
// a missing home or node (3), a bad option or file, or a home path that cannot be read or
// written (2), a home that exists or a devnet that is already running (9), a timeout (4), a node
// that crashed or lags (8), a process failure (1). The message is one line for people and names the file or node.
#include <string>
#include <utility>

#include "node/core/result.hpp"

namespace ios::devnet {

enum class ErrorKind { not_found, bad_config, conflict, timeout, unhealthy, io };

struct DevnetError {
  ErrorKind kind = ErrorKind::io;
  std::string message;
  // Extra lines for people (e.g. the last lines of an unready node's log); may be empty.
  std::string details;
};

inline DevnetError devnet_error(ErrorKind kind, std::string message, std::string details = {}) {
  return DevnetError{kind, std::move(message), std::move(details)};
}

template <class T>
using DevnetResult = core::Result<T, DevnetError>;

struct Done {};
using DevnetStatus = DevnetResult<Done>;

}  // namespace ios::devnet
