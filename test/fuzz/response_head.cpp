// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// The HTTP reply reading of the Beast transport (Beast's response_parser with the transport's
// body limit, then detail::take_reply, which makes the client's http_response of it) on any
// bytes. The first byte picks a chunk size. Invariants:
//  - the bytes fed at once and fed in chunks give the same outcome (a reply, or a failure)
//    and, when done, the same status, headers and body. The error itself may differ: for a
//    malformed head that never ends, Beast waits for the end of the head when it has the
//    bytes at once (partial_message at the end of the stream) but parses the lines it has
//    when they come in pieces (bad_field);
//  - a reply read to the end has a three-digit status, a body within the limit, and no
//    header that could break the framing when echoed (empty name, CR, LF or NUL).

// Boost 1.81's Beast asserts `n >= 5` in basic_parser::parse_chunk_header when the last chunk
// of a valid chunked reply with an empty body ("0\r\n\r\n") arrives in pieces (found by this
// target; seeds/response_head/empty_chunked_bytewise.bin). The assertion is wrong, the code
// after it asks for more bytes as it should (boostorg/beast#2861, merged upstream in 2024).
// This target carries on past that one assertion, as a build with NDEBUG does, and aborts on
// every other one.
#define BOOST_ENABLE_ASSERT_HANDLER
#include <boost/assert.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace boost {

void assertion_failed(char const* expr, char const* function, char const* file, long line)
{
    const char* beast = "boost/beast/http/impl/basic_parser.ipp";
    const std::size_t n = std::strlen(file), m = std::strlen(beast);
    if (std::strcmp(expr, "n >= 5") == 0 && n >= m && std::strcmp(file + n - m, beast) == 0) return;
    std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed.\n", file, line, function, expr);
    std::abort();
}

void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file, long line)
{
    std::fprintf(stderr, "%s: ", msg);
    assertion_failed(expr, function, file, line);
}

} // namespace boost

#include "fuzz_common.hpp"

#include <akool/beast_transport.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <string_view>

using namespace akool;

namespace {

constexpr std::size_t body_limit = 4096;

struct outcome {
    http_response r;
    error_code ec;
    bool done = false;
};

// Feeds `wire` to a response_parser `chunk` bytes at a time, then the end of the stream, and
// takes the reply as the transport does.
outcome read_reply(std::string_view wire, std::size_t chunk)
{
    outcome o;
    boost::beast::http::response_parser<boost::beast::http::string_body> parser;
    parser.eager(true);
    parser.body_limit(body_limit);
    std::string buf;
    std::size_t pos = 0;
    while (!o.ec && !parser.is_done()) {
        if (pos == wire.size()) {
            if (parser.got_some()) {
                parser.put_eof(o.ec);
                if (!o.ec && !parser.is_done()) o.ec = boost::beast::http::error::partial_message;
            } else {
                o.ec = boost::beast::http::error::end_of_stream;
            }
            break;
        }
        std::size_t n = std::min(chunk, wire.size() - pos);
        buf.append(wire.data() + pos, n);
        pos += n;
        while (!buf.empty() && !parser.is_done()) {
            std::size_t used = parser.put(boost::asio::buffer(buf.data(), buf.size()), o.ec);
            buf.erase(0, used);
            if (o.ec == boost::beast::http::error::need_more) {
                o.ec = {};
                break;
            }
            if (o.ec || used == 0) break;
        }
    }
    if (!o.ec && parser.is_done()) {
        std::string why;
        o.done = detail::take_reply(parser.get(), std::move(parser.get().body()), o.r, o.ec, why);
    }
    return o;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) return 0;
    const std::size_t chunk = 1 + data[0] % 64;
    const std::string_view wire(reinterpret_cast<const char*>(data) + 1, size - 1);

    outcome whole = read_reply(wire, wire.size() + 1);
    outcome parts = read_reply(wire, chunk);
    AKOOL_FUZZ_CHECK(whole.done == parts.done, "done at once but not in chunks, or the reverse");
    if (!whole.done) return 0;
    AKOOL_FUZZ_CHECK(whole.r.status == parts.r.status && whole.r.body == parts.r.body, "a different reply in chunks");
    AKOOL_FUZZ_CHECK(whole.r.headers.size() == parts.r.headers.size(), "different headers in chunks");
    for (std::size_t i = 0; i < whole.r.headers.size(); ++i)
        AKOOL_FUZZ_CHECK(whole.r.headers[i].name == parts.r.headers[i].name &&
                             whole.r.headers[i].value == parts.r.headers[i].value,
                         "a different header in chunks");
    AKOOL_FUZZ_CHECK(whole.r.status >= 100 && whole.r.status <= 999, "a status that is not three digits");
    AKOOL_FUZZ_CHECK(whole.r.body.size() <= body_limit, "a body above the limit");
    for (const http_field& h : whole.r.headers) {
        AKOOL_FUZZ_CHECK(!h.name.empty(), "an empty header name");
        AKOOL_FUZZ_CHECK(!detail::breaks_framing(h.name) && !detail::breaks_framing(h.value),
                         "a header that breaks the framing");
    }
    return 0;
}
