// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_CLIENT_OPTIONS_HPP
#define AKOOL_CLIENT_OPTIONS_HPP

/// @file client_options.hpp
/// Where the service is and how the client authenticates. Standard library only.

#include <akool/config.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace akool {

/// The service's paths, relative to the base URL.
namespace paths {
/// Create a generation (POST, v4).
inline constexpr std::string_view create = "/api/open/v4/content/image/createBySourcePrompt";
/// Read a task's state (GET, `?image_model_id=`).
inline constexpr std::string_view result = "/api/open/v3/content/image/infobymodelid";
/// Exchange client credentials for a bearer token (POST).
inline constexpr std::string_view token = "/api/open/v3/getToken";
} // namespace paths

/// How a client reaches and authenticates to the service.
struct client_options {
    /// Scheme, host, optional port and optional path prefix; no trailing slash needed.
    std::string base_url = "https://openapi.akool.com";
    /// Sent as `x-api-key` when no token is set.
    std::string api_key;
    /// Sent as `Authorization: Bearer ...`; the service prefers it over the API key.
    std::string token;
    /// Largest API reply accepted, in bytes (0: the transport's default).
    std::size_t max_response_bytes = 8u << 20;
};

} // namespace akool

#endif
