#pragma once
// Files a user names on the command line (a transcript, a tickets file, a batch, a password
// file, --out): every way such a path can be wrong is the user's to fix, never an internal
// error, so each one ends with one line naming the file and the reason (README, exit codes):
//   3  the file, or the folder it is to be written in, does not exist
//   2  it is a folder, unreadable, unwritable, or larger than the command accepts
//   9  it exists and the command does not overwrite
#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "node/chain/genesis.hpp"

namespace ios::cli {

// `what` names the file for the user: "transcript", "--password-file", "batch file".
std::string read_user_file(const std::string& what, const std::string& path, std::size_t max_bytes);

// read_user_file, then JSON: exit 2 "WHAT PATH: not JSON (...)" for text that does not parse.
nlohmann::json read_user_json(const std::string& what, const std::string& path, std::size_t max_bytes);

// The checks of write_user_file without writing: for commands that have work to do (a password
// to ask, a simulation to run) before they write, so a wrong --out fails first.
void check_writable_path(const std::string& what, const std::string& path, bool overwrite);

// Written mode 0600 and atomically (crypto::write_secret_file); `overwrite` false refuses an
// existing file with exit 9.
void write_user_file(const std::string& what, const std::string& path, std::string_view text, bool overwrite);

// A genesis.json named by the user (--genesis): read_user_json's exits, and 2 naming the field
// for one that is not a valid genesis.
chain::Genesis read_user_genesis(const std::string& path);

}  // namespace ios::cli
