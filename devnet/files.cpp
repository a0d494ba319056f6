#include "devnet/files.hpp"

#include <fstream>
#include <vector>

#include "node/crypto/keystore_file.hpp"

namespace ios::devnet {

DevnetResult<nlohmann::json> read_json_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return devnet_error(ErrorKind::not_found, "not found: " + path.string());
  auto text = crypto::read_text_file(path.string(), devnet_json_bytes_max);
  // A folder, an unreadable or oversized file where the home needs a file: the user's to fix (2).
  if (!text) return devnet_error(ErrorKind::bad_config, text.error().message());
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return devnet_error(ErrorKind::bad_config, path.string() + ": not a JSON object");
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_unsigned())
    return devnet_error(ErrorKind::bad_config, path.string() + ": \"version\" missing or not an integer");
  if (version->get<std::uint64_t>() > devnet_file_version)
    return devnet_error(ErrorKind::bad_config, path.string() + ": version " + version->dump() +
                                                   " was written by a newer ios (this one reads version 1)");
  if (version->get<std::uint64_t>() != devnet_file_version)
    return devnet_error(ErrorKind::bad_config, path.string() + ": unsupported version " + version->dump());
  return doc;
}

DevnetStatus write_text_file(const std::filesystem::path& path, const std::string& text, bool overwrite) {
  auto written = crypto::write_secret_file(path.string(), text, overwrite);
  if (!written) {
    if (written.error().detail.rfind("exists:", 0) == 0)
      return devnet_error(ErrorKind::conflict, path.string() + " already exists");
    return devnet_error(ErrorKind::bad_config, "cannot write " + path.string() + ": " + written.error().message());
  }
  return Done{};
}

DevnetStatus write_json_file(const std::filesystem::path& path, const nlohmann::json& doc) {
  return write_text_file(path, doc.dump(2) + "\n", true);
}

std::string tail_lines(const std::filesystem::path& path, std::size_t count) {
  constexpr std::streamoff window_bytes = 64 * 1024;
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  const std::streamoff size = in.tellg();
  const std::streamoff start = size > window_bytes ? size - window_bytes : 0;
  in.seekg(start);
  std::string text(static_cast<std::size_t>(size - start), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (!text.empty() && text.back() == '\n') text.pop_back();
  std::size_t pos = text.size();
  for (std::size_t lines = 0; lines < count && pos != std::string::npos && pos > 0; ++lines) {
    pos = text.rfind('\n', pos - 1);
  }
  if (pos == std::string::npos || pos == 0) return text.empty() ? text : text + "\n";
  return text.substr(pos + 1) + "\n";
}

}  // namespace ios::devnet
