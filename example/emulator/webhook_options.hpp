// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_EMULATOR_WEBHOOK_OPTIONS_HPP
#define AKOOL_EMULATOR_WEBHOOK_OPTIONS_HPP

/// @file webhook_options.hpp
/// The settings and the outcome of webhook deliveries (webhook_sender.hpp), apart from the
/// sender, so that emulator.hpp's options need no networking header.

#include <akool/error.hpp>
#include <akool/model.hpp>

#include <chrono>
#include <cstddef>
#include <string>

namespace akool_emulator {

/// How callbacks are delivered.
struct webhook_sender_options {
    bool enabled = true;                          ///< the emulator sends callbacks at all
    unsigned max_attempts = 5;                    ///< tries per callback (at least 1)
    std::chrono::milliseconds first_backoff{250};  ///< wait after the first failure, doubled after each
    std::chrono::milliseconds max_backoff{4000};   ///< longest wait between attempts
    std::chrono::milliseconds timeout{5000};       ///< limit of each wait: resolve, connect, handshake, write, read
    std::size_t response_limit = 64 * 1024;       ///< largest answer body read
    std::string ca_file;                          ///< https: PEM file of trusted CAs; empty: system store
    bool tls_verify = true;                       ///< https: verify the receiver's certificate and name
};

/// What became of one callback.
struct webhook_outcome {
    std::string webhook_url;
    std::string task_id;
    akool::image_status status = akool::image_status::queueing;
    unsigned attempts = 0;     ///< attempts made (0 when none could be made)
    unsigned http_status = 0;  ///< status of the last answer; 0 when there was none
    /// Empty when delivered (HTTP 200). Otherwise the last failure: `akool::error::http_status`
    /// (another status), `beast::error::timeout`, a socket or TLS error,
    /// `akool::error::invalid_url`, `akool::error::webhook_bad_credentials` (nothing was sent),
    /// or `asio::error::operation_aborted` after `stop()`.
    akool::error_code ec;
};

} // namespace akool_emulator

#endif
