#pragma once
// One registration function per command group; each lives in its own cmd_*.cpp file.
#include <CLI/CLI.hpp>

#include "cli/output.hpp"

namespace ios::cli {

void register_version(CLI::App& app, Globals& g);
void register_keygen(CLI::App& app, Globals& g);
void register_keys(CLI::App& app, Globals& g);
void register_lottery(CLI::App& app, Globals& g);
void register_drp(CLI::App& app, Globals& g);
void register_epoch(CLI::App& app, Globals& g);
void register_sim(CLI::App& app, Globals& g);
void register_node(CLI::App& app, Globals& g);
void register_tx(CLI::App& app, Globals& g);
void register_devnet(CLI::App& app, Globals& g);
void register_account(CLI::App& app, Globals& g);
void register_devnet_fund(CLI::App& devnet, Globals& g);  // cmd_devnet_fund.cpp
void register_block(CLI::App& app, Globals& g);

}  // namespace ios::cli
