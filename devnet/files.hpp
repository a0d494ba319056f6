#pragma once
// Files of a devnet home: versioned JSON (docs/CLI.md "Files") read with a size limit and written
// atomically (crypto::write_secret_file: temp file, fsync, rename), so a reader — `ios tx`,
// `ios devnet status`, a test — never sees half a state.json, and a crash leaves the old file.
// Everything is written mode 0600: the home holds dev keys and belongs to one user.
#include <cstddef>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "devnet/error.hpp"

namespace ios::devnet {

inline constexpr std::uint32_t devnet_file_version = 1;
inline constexpr std::size_t devnet_json_bytes_max = std::size_t{16} << 20;  // 16 MiB (a genesis of 10k accounts)

// not_found if missing; bad_config for text that is not a JSON object or whose "version" is
// missing, not 1, or newer (the message says which file and that a newer ios wrote it).
DevnetResult<nlohmann::json> read_json_file(const std::filesystem::path& path);
DevnetStatus write_json_file(const std::filesystem::path& path, const nlohmann::json& doc);
DevnetStatus write_text_file(const std::filesystem::path& path, const std::string& text, bool overwrite);

// The last `count` lines of a text file ("" if it cannot be read); reads at most 64 KiB.
std::string tail_lines(const std::filesystem::path& path, std::size_t count);

}  // namespace ios::devnet
