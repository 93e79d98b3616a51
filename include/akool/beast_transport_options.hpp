// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_BEAST_TRANSPORT_OPTIONS_HPP
#define AKOOL_BEAST_TRANSPORT_OPTIONS_HPP

/// @file beast_transport_options.hpp
/// The settings of the Beast transport (beast_transport.hpp), apart from it: no Asio, Beast
/// or OpenSSL header, so that `blocking_client.hpp` can take them. `ssl_context` names
/// `boost::asio::ssl::context` by a declaration only; include `<boost/asio/ssl/context.hpp>`
/// to make one.

#include <akool/config.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace boost {
namespace asio {
namespace ssl {
class context;
} // namespace ssl
} // namespace asio
} // namespace boost

namespace akool {

/// A host's addresses, used instead of name resolution (`beast_transport_options::resolve`).
struct host_addresses {
    std::string host;                    ///< a host name as in URLs (ASCII case ignored)
    std::uint16_t port = 0;              ///< its port; 0: every port
    std::vector<std::string> addresses;  ///< IP addresses, tried in this order
};

/// Settings of the Beast transport. The defaults suit the real service. Every timeout below
/// bounds one wait: `milliseconds::max()` means no limit, 0 (or less) that the step times out
/// at once.
struct beast_transport_options {
    /// Name resolution. A lookup that outlasts it fails the request with `error::timeout`
    /// then (a cancellation ends it at once too). The system's lookup (getaddrinfo, on Asio's
    /// resolver thread) cannot be stopped: it runs on and its answer is dropped, and until it
    /// ends the io_context's `run()` does not return (for `send`, the transport's last copy
    /// waits for it when destroyed).
    std::chrono::milliseconds resolve_timeout{std::chrono::seconds(10)};
    /// TCP connect, over all of a host's addresses (Happy Eyeballs, RFC 8305): they are tried
    /// in turn, IPv6 and IPv4 alternating in a resolver's answer; an attempt that has not
    /// connected after `connect_attempt_delay` goes on while the next address is tried too, one
    /// that fails starts the next at once, and the first connection made is used (the others
    /// are closed). An address that never answers thus delays a connect by
    /// `connect_attempt_delay`, not by the connect timeout.
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
    /// How long a connect attempt runs alone before the next address is tried beside it
    /// (RFC 8305's Connection Attempt Delay; it recommends 250 ms).
    std::chrono::milliseconds connect_attempt_delay{250};
    /// Addresses to connect to for a host instead of resolving its name, as curl's
    /// `--resolve`: to pin the service's addresses, or to reach a staging server under the
    /// real name. TLS still checks the certificate against the URL's host name. A proxy's
    /// host is looked up here too. An address that is not an IP literal fails the request
    /// (`errc::invalid_argument`) before anything is sent.
    std::vector<host_addresses> resolve;
    /// TLS handshake; through a proxy, the tunnel's CONNECT exchange too (each step its own).
    std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
    /// Writing the request and reading the whole reply (a body arriving at `min_body_rate` or
    /// faster gets more time).
    std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
    /// Bytes per second: each byte of a reply's body moves the exchange's deadline 1/rate s
    /// later, so that a large image on a slow link is not cut off at `request_timeout` while a
    /// server that stalls or trickles still is (after `request_timeout`, the body must keep an
    /// average of this rate). Not for a request with a timeout of its own (a wait's polls);
    /// 0: the whole reply within `request_timeout`.
    std::size_t min_body_rate = 16 * 1024;
    /// Largest reply body when the request does not set its own limit.
    std::size_t max_response_bytes = std::size_t(64) << 20;
    /// Idle keep-alive connections kept per scheme, host and port.
    std::size_t max_idle_per_host = 8;
    /// Idle keep-alive connections kept in all, per pool (the asynchronous sends share one;
    /// each thread's blocking sends have their own): past it the one idle longest is closed.
    /// Each holds a socket, a 64 KiB read buffer and, over TLS, its session.
    std::size_t max_idle_total = 64;
    /// Idle connections this old or older are closed instead of reused, at the next request of
    /// either form, whatever its host and pool; a blocking send's private io_context unused for
    /// as long is freed then too. No timer does it (a pending timer would keep the user's
    /// `io_context::run()` from returning): with no request to come, call `close_idle()`.
    std::chrono::milliseconds max_idle_time{std::chrono::seconds(15)};
    /// Verify the server's certificate chain and name. Turn off only against a local test server.
    bool verify_peer = true;
    /// PEM file of trusted CAs, used instead of the system store when not empty.
    std::string ca_file;
    /// A TLS context of your own; when set, `verify_peer` and `ca_file` are not used (the host
    /// name is still checked whenever the context verifies peers).
    std::shared_ptr<boost::asio::ssl::context> ssl_context;
    /// The User-Agent header of every request (none when empty). One with CR, LF or NUL, or
    /// longer than 65,533 bytes, fails every request (`errc::invalid_argument`, nothing sent).
    std::string user_agent = "akool-cpp/" AKOOL_VERSION_STRING;
    /// An HTTP proxy for every request: `http://[user:password@]host[:port]` (port 1080 when
    /// none, as curl). https:// requests go through a CONNECT tunnel to the origin, whose TLS
    /// certificate is then verified against the origin's host name (SNI and name check, as
    /// without a proxy); http:// requests are sent to the proxy in absolute form. A user and
    /// password (%-escaped) are sent as `Proxy-Authorization: Basic`, to the proxy only, and
    /// never appear in a message. Empty: no proxy.
    std::string proxy;
    /// When set, the proxy of http:// requests instead of `proxy`; an empty string sends them
    /// direct (as curl's http_proxy beside https_proxy).
    std::optional<std::string> http_proxy;
    /// Hosts reached without a proxy, as curl's NO_PROXY: a comma separated list of host
    /// names, domain suffixes and IP addresses (no CIDR ranges), each with an optional
    /// `:port`; a leading dot is ignored; "*" matches every host.
    std::string no_proxy;
};

} // namespace akool

#endif
