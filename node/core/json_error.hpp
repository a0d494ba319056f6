#pragma once
// nlohmann::json reports a missing key or a wrong type as "[json.exception.out_of_range.403]
// key 'r2' not found"; a user who edited a file should read "missing field \"r2\"". Decoders
// that use json::at() and catch the library's exception turn it into these words once, here.
#include <nlohmann/json.hpp>
#include <string>

namespace ios::core {

std::string describe_json_error(const nlohmann::json::exception& e);

}  // namespace ios::core
