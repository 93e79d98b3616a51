// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_TRANSPORT_HPP
#define AKOOL_TRANSPORT_HPP

/// @file transport.hpp
/// The Transport concept and the plain HTTP request/response values that cross it. No Asio,
/// Beast or OpenSSL type appears here: a transport can sit on libcurl, WinHTTP, an engine's
/// HTTP module or a test script.
///
/// A type `T` models `akool::transport` when it has every member the client calls (nothing
/// else is looked for):
///  - `typename T::executor_type`, and `t.get_executor()` returning it: the executor of the
///    client's timers and, by default, of its completion handlers;
///  - `t.async_send(http_request&& req, Handler&& h)`, which sends `req` and later invokes
///    `h(error_code, http_response)` exactly once, through the handler's associated executor
///    (for example with `asio::post`/`asio::dispatch`, as every Asio operation does), never
///    from inside `async_send` itself. The transport owns `req` from the call on. It should
///    honour the handler's associated cancellation slot (at least terminal cancellation);
///    the client relies on the request's timeout otherwise;
///  - `t.send(const http_request& req, http_response& out, error_code& ec)`, which does the
///    same exchange on the calling thread and returns when it is over (the client's
///    synchronous forms call it). `req` is only read. It must not run the executor's
///    execution context (the user's io_context): it blocks the calling thread instead.
/// When `http_request::body_sink` is set, a transport must honour it: the body of a reply
/// with status 200 goes to the sink, chunk by chunk in order as it arrives (one call with the
/// whole body will do), and `http_response::body` stays empty; a reply with any other status
/// keeps its body in `http_response::body`. A sink that sets its `error_code` ends the
/// exchange: the transport stops reading, drops the connection and completes with that
/// error. The sink runs on the thread doing the exchange (the transport's executor for
/// `async_send`, the caller of `send`); a transport may resend a request on its own only
/// before any byte reached the sink.
/// On failure the transport sets `http_response::maybe_sent` when any byte of the request may
/// have reached the server, and may describe the failed step in `failure_detail`.
/// Under C++20 `akool::transport<T>` is a concept; under C++17 it is a constexpr bool with
/// the same name, for `static_assert(akool::transport<T>)`. `basic_client` checks each
/// requirement on its own, so that a missing member is named by the compiler's message.

#include <akool/config.hpp>
#include <akool/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#if AKOOL_HAS_CONCEPTS
#include <concepts>
#endif

namespace akool {

/// The HTTP methods the service's API uses.
enum class http_method {
    get,   ///< GET: reads (get-result, downloads)
    post,  ///< POST: create and get-token, with a JSON body
};

/// The method's name on the wire ("GET", "POST").
constexpr std::string_view to_string(http_method m) noexcept { return m == http_method::post ? "POST" : "GET"; }

/// One header line.
struct http_field {
    std::string name;   ///< e.g. `Content-Type`
    std::string value;  ///< without the trailing CRLF
};

/// Where a transport delivers a reply's body chunk by chunk instead of storing it (see the
/// file comment): a function and its context, so that it costs no allocation. The client
/// sets it for downloads, which go to a file (or a string) as they arrive.
struct http_body_sink {
    /// Receives the next chunk (never empty); sets `ec` to stop the exchange with that error.
    void (*write)(void* ctx, std::string_view chunk, error_code& ec) = nullptr;
    void* ctx = nullptr;  ///< the first argument of `write`
    /// Optional: told the body's length (the reply's Content-Length), before its first chunk,
    /// by a transport that knows it. A transport may skip it; the body is then of unknown length.
    void (*length)(void* ctx, std::uint64_t bytes) = nullptr;

    /// True when set.
    explicit operator bool() const noexcept { return write != nullptr; }
    /// Delivers `chunk`; `ec` is cleared first.
    void operator()(std::string_view chunk, error_code& ec) const
    {
        ec.clear();
        write(ctx, chunk, ec);
    }
    /// Announces the body's length, when `length` is set.
    void announce_length(std::uint64_t bytes) const
    {
        if (length) length(ctx, bytes);
    }
};

/// An HTTP request as the client hands it to a transport.
struct http_request {
    http_method method = http_method::get;  ///< GET or POST
    /// Absolute http:// or https:// URL (the transport splits it).
    std::string url;
    /// Headers besides Host and Content-Length, which the transport adds.
    std::vector<http_field> headers;
    std::string body;  ///< empty for a GET
    /// False for a request that must never be sent twice (a create charges the account):
    /// a transport may transparently resend a replay-safe request when a reused keep-alive
    /// connection turns out closed, and must not resend any other.
    bool replay_safe = true;
    /// Largest response body accepted; 0 means the transport's own default.
    std::size_t max_response_bytes = 0;
    /// Upper bound for the whole exchange (connect included); 0 means the transport's own
    /// timeouts only. The client sets it from an operation's remaining deadline.
    std::chrono::milliseconds timeout{0};
    /// When set, the body of a 200 reply goes here as it arrives, not into
    /// `http_response::body` (`max_response_bytes` still applies). Every transport honours it.
    http_body_sink body_sink;
};

/// An HTTP response as a transport hands it back.
struct http_response {
    int status = 0;                   ///< the HTTP status (0 when no reply arrived)
    std::vector<http_field> headers;  ///< in the order received
    std::string body;                 ///< the whole body, chunked encoding undone
    /// On failure: whether any byte of the request may have reached the server.
    bool maybe_sent = false;
    /// On failure: the step that failed and why, for diagnostics (never a credential).
    std::string failure_detail;

    /// The value of the first header named `name` (case-insensitive); empty when absent.
    std::string_view header(std::string_view name) const noexcept
    {
        for (const auto& f : headers)
            if (iequals(f.name, name)) return f.value;
        return {};
    }

private:
    static bool iequals(std::string_view a, std::string_view b) noexcept
    {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            char x = a[i], y = b[i];
            if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
            if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
            if (x != y) return false;
        }
        return true;
    }
};

namespace detail {

/// The handler type the concept checks `async_send` against.
struct transport_handler_archetype {
    transport_handler_archetype() = default;
    transport_handler_archetype(transport_handler_archetype&&) = default;
    transport_handler_archetype& operator=(transport_handler_archetype&&) = default;
    void operator()(error_code, http_response) {}
};

/// True when `T::executor_type` names a type.
template <class T, class = void>
struct has_executor_type : std::false_type {};
template <class T>
struct has_executor_type<T, std::void_t<typename T::executor_type>> : std::true_type {};

/// True when `t.get_executor()` returns something convertible to `T::executor_type`.
template <class T, class = void>
struct has_get_executor : std::false_type {};
template <class T>
struct has_get_executor<T, std::enable_if_t<std::is_convertible_v<decltype(std::declval<T&>().get_executor()),
                                                                   typename T::executor_type>>> : std::true_type {};

/// True when `t.async_send(http_request&&, handler)` is callable.
template <class T, class = void>
struct has_async_send : std::false_type {};
template <class T>
struct has_async_send<T, std::void_t<decltype(std::declval<T&>().async_send(
                             std::declval<http_request&&>(), std::declval<transport_handler_archetype&&>()))>>
    : std::true_type {};

/// True when `t.send(const http_request&, http_response&, error_code&)` is callable.
template <class T, class = void>
struct has_blocking_send : std::false_type {};
template <class T>
struct has_blocking_send<T, std::void_t<decltype(std::declval<T&>().send(std::declval<const http_request&>(),
                                                                         std::declval<http_response&>(),
                                                                         std::declval<error_code&>()))>>
    : std::true_type {};

/// Every requirement of the transport concept at once.
template <class T>
struct is_transport_impl
    : std::bool_constant<has_executor_type<T>::value && has_get_executor<T>::value && has_async_send<T>::value &&
                         has_blocking_send<T>::value> {};

/// One static_assert per requirement, so that the compiler names the member a transport
/// lacks. Instantiated by basic_client (C++17; under C++20 the concept does it).
template <class T>
struct check_transport {
    static_assert(has_executor_type<T>::value, "akool transport: missing member type `executor_type`");
    static_assert(has_get_executor<T>::value,
                  "akool transport: missing `executor_type get_executor()` (or it does not return executor_type)");
    static_assert(has_async_send<T>::value,
                  "akool transport: missing `async_send(http_request&&, Handler&&)` completing with "
                  "void(error_code, http_response)");
    static_assert(has_blocking_send<T>::value,
                  "akool transport: missing the blocking `send(const http_request&, http_response&, error_code&)`");
    static constexpr bool value = true;
};

} // namespace detail

#if AKOOL_HAS_CONCEPTS
/// A transport: sends one http_request, asynchronously or on the calling thread, and
/// completes with (error_code, http_response). See the file comment for each member.
template <class T>
concept transport = requires(T& t, http_request&& req, const http_request& creq, http_response& out, error_code& ec,
                             detail::transport_handler_archetype&& h) {
    typename T::executor_type;
    { t.get_executor() } -> std::convertible_to<typename T::executor_type>;
    t.async_send(std::move(req), std::move(h));
    t.send(creq, out, ec);
};
#else
/// C++17 form of the concept: true when `T` models a transport.
template <class T>
inline constexpr bool transport = detail::is_transport_impl<T>::value;
#endif

/// The same test as a type trait, in either language mode.
template <class T>
struct is_transport : detail::is_transport_impl<T> {};

} // namespace akool

#endif
