// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_EMULATOR_WEBHOOK_SENDER_HPP
#define AKOOL_EMULATOR_WEBHOOK_SENDER_HPP


/// @file webhook_sender.hpp
/// Delivers webhook callbacks the way the service does (API.md, "Webhook callbacks"): an HTTP
/// POST of `{"signature","dataEncrypt","timestamp","nonce"}` built by `akool::make_webhook_body`
/// (signed and AES-CBC encrypted with the client id and secret), retried with exponential
/// backoff until the receiver answers HTTP 200 or the attempts run out. Every wait (resolve,
/// connect, TLS handshake, write, read, backoff) has a timeout. Plain http; https too, verified
/// against the system store or a CA file unless `tls_verify` is off.
///
/// Each attempt is a fresh body (new timestamp and nonce) on a fresh connection
/// (`Connection: close`), so that a receiver's age check judges the attempt, not the first one.
/// Callbacks of one task are delivered in the order they were given: the next one starts when
/// the previous one has been delivered or given up.
///
/// Used by the emulator (emulator.hpp) on its own thread; usable on any executor.
///
/// This header declares the sender; webhook_sender_impl.hpp holds the deliveries (Beast client,
/// TLS), included at the end of this one in header-only mode, compiled once by emulator.cpp
/// with `AKOOL_EMULATOR_SEPARATE_COMPILATION` (see emulator_config.hpp).

#include "emulator_config.hpp"
#include "webhook_options.hpp"

#include <akool/model.hpp>
#include <akool/webhook.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace akool_emulator {

namespace detail {
struct webhook_sender_state;
} // namespace detail

/// Sends callbacks. Not thread-safe: call `send` and `stop` on the executor's thread (or
/// before it runs); completion handlers run there too.
class webhook_sender {
public:
    /// Completion handler: `void(const webhook_outcome&)`, called once per `send`, on the executor.
    using completion_handler = std::function<void(const webhook_outcome&)>;

    /// Signs and encrypts with `creds` (16-byte client id; 16, 24 or 32-byte secret: AES-128,
    /// 192 or 256). Credentials of other sizes sign callbacks whose payload no documented
    /// cipher can carry (see `signed_only_body`).
    webhook_sender(boost::asio::any_io_executor ex, akool::client_credentials creds, webhook_sender_options opts = {});

    webhook_sender(const webhook_sender&) = delete;
    webhook_sender& operator=(const webhook_sender&) = delete;

    /// Cancels what is pending (see `stop`).
    ~webhook_sender();

    /// Queues `payload` for delivery to `url`; `done` gets the outcome. Callbacks of one task
    /// (`payload.id`) go out in order. After `stop`, `done` is posted with `operation_aborted`.
    void send(std::string url, akool::webhook_payload payload, completion_handler done = {});

    /// Cancels every pending and queued callback: each completion handler is called, from
    /// within `stop`, with `operation_aborted`; sockets and timers are closed. Later `send`
    /// calls fail the same way. Idempotent.
    void stop();

    /// Callbacks queued or in flight.
    std::size_t pending() const noexcept;

private:
    std::shared_ptr<detail::webhook_sender_state> st_;
};


} // namespace akool_emulator

#ifndef AKOOL_EMULATOR_SEPARATE_COMPILATION
#include "webhook_sender_impl.hpp"
#endif

#endif
