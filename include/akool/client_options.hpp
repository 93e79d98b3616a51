// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_CLIENT_OPTIONS_HPP
#define AKOOL_CLIENT_OPTIONS_HPP

/// @file client_options.hpp
/// Where the service is, how the client authenticates, and the exchange log hook. No Asio.

#include <akool/config.hpp>
#include <akool/error.hpp>
#include <akool/model.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
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

/// One attempt of one exchange (create, get-result, get-token, one hop of a download), as
/// `client_options::on_exchange` sees it. It holds no header, no body, no query string and
/// no credential: nothing that could carry the API key, a token or a signed URL's signature.
/// The views stay valid during the call only.
struct exchange_record {
    std::string_view method;  ///< "GET" or "POST"
    std::string_view host;    ///< the URL's host, with `:port` when not the scheme's default
    std::string_view path;    ///< the URL's path, without its query string
    int http_status = 0;      ///< the reply's status; 0 when no reply arrived
    int api_code = 0;         ///< the service's error code when the reply carried one, else 0
    error_code ec;            ///< this attempt's outcome (clear: success)
    unsigned attempt = 1;     ///< 1 for the first attempt, 2 for the next (a retry, or the resend
                              ///< after a token renewal), ...
    /// From handing the request to the transport to its outcome (gate waits and backoff excluded).
    std::chrono::microseconds duration{0};
    std::uint64_t bytes_sent = 0;      ///< request body bytes (headers excluded)
    std::uint64_t bytes_received = 0;  ///< reply body bytes, a download's as streamed (headers excluded)
    bool will_retry = false;           ///< another attempt of the same exchange follows
    std::chrono::milliseconds retry_delay{0};  ///< the wait before that attempt (0 when none follows)
};

/// How a client reaches and authenticates to the service.
struct client_options {
    /// Scheme, host, optional port and optional path prefix; no trailing slash needed.
    std::string base_url = "https://openapi.akool.com";
    /// Sent as `x-api-key` when no token is set.
    std::string api_key;
    /// Sent as `Authorization: Bearer ...`; the service prefers it over the API key.
    std::string token;
    /// When set, the client renews its token itself, as the service asks of a client: a create
    /// or get-result (a wait's polls too) that the service refuses with 1101 (invalid or
    /// expired token) or 1102 (no authorization) gets a new token with these credentials
    /// (getToken, an exchange of its own with the same gate, retries and `on_exchange`) and is
    /// sent once more with it; a second refusal is reported, and so is a failure to get the
    /// token, with the token exchange's error; for a create, when that error would say it may
    /// have been processed (getToken's 500, 502 or 504, a garbled reply, a timeout, the
    /// deadline passed while getting the token or before the create could be sent again), with
    /// `error::request_not_sent` instead: the service refused the create, so it was not
    /// processed and may be sent again. The client keeps that token for its later requests, in place of `token` and
    /// `api_key`, until `set_token` or `set_api_key` is called (it does not change `token`
    /// itself). Downloads never carry credentials.
    std::optional<client_credentials> credentials;
    /// Largest API reply accepted, in bytes (0: the transport's default). The service's
    /// replies take a few KiB; decoding a JSON reply can hold ~35 times its size (a hostile
    /// array of empty strings), so the default of 1 MiB bounds that near 40 MB.
    /// Downloads have their own limit (`download_options::max_bytes`).
    std::size_t max_response_bytes = 1u << 20;
    /// The exchange log hook: when set, called once per attempt of every exchange (retries
    /// included, each with its `attempt` number and retry decision), right after the attempt
    /// is classified, on the thread doing the exchange (the client's executor for the async
    /// forms, the caller's for the synchronous ones). A request refused before it reaches the
    /// transport (validation, a bad URL, cancelled while queued) is not an attempt and is not
    /// reported. Exchanges of one client may run concurrently: a hook shared by threads must
    /// synchronise itself. It must not throw.
    std::function<void(const exchange_record&)> on_exchange;
};

} // namespace akool

#endif
