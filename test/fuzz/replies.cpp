// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// The reply decoders on any bytes: decode_create_response, decode_result_response,
// decode_token_response and peek_api_code. Invariants:
//  - they agree on the envelope: when peek_api_code finds a code other than 1000, each decoder
//    fails with that API error, that code and that message; when it finds 1000 none reports an
//    API error; when it finds no code (not a JSON object, no integer code) each fails with
//    bad_response and a message;
//  - a decoder that fails returns nothing; one that succeeds leaves no message behind;
//  - the create reply's SAX fast path, when it accepts a body, returns exactly what the JSON
//    value reader returns, and so does decode_create_response, unless a task id is given
//    twice: then it fails with bad_response;
//  - the diagnostics' summary, whatever the reply's message held, is one line of valid UTF-8
//    with no control character (C0, DEL, C1), line separator or bidi control, and shows at
//    most 300 bytes of that message.

#include "fuzz_common.hpp"

#include <akool/json.hpp>
#include <akool/detail/repeated_id.hpp>
#include <akool/detail/utf8.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace akool;

namespace {

// The summary a log or a terminal gets: printable, one line, bounded by the client's own words.
void check_summary(const char* decoder, const diagnostics& diag)
{
    (void)decoder;
    const std::string s = diag.summary();
    AKOOL_FUZZ_CHECK(detail::utf8_invalid_offset(s) == std::string_view::npos, decoder);
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto u = static_cast<unsigned char>(s[i]);
        AKOOL_FUZZ_CHECK(u >= 0x20 && u != 0x7f, decoder);
        if (u == 0xc2 && i + 1 < s.size()) AKOOL_FUZZ_CHECK(static_cast<unsigned char>(s[i + 1]) > 0x9f, decoder);
    }
    // No line separator or bidi control either (a line break, or text reordered on screen).
    for (std::size_t i = 0, n = 0; i < s.size(); i += n ? n : 1) {
        n = detail::utf8_sequence_length(s, i);
        AKOOL_FUZZ_CHECK(detail::escaped_code_point(s, i, n) == 0, decoder);
    }
    // A byte shown escaped takes at most 4 (a C0 control or a bad byte as backslash-x-NN).
    AKOOL_FUZZ_CHECK(s.size() <= 4 * diag.client_message.size() + 4 * 300 + 200, decoder);
}

// The envelope outcome of one decoder against peek_api_code's reading.
void check_envelope(const char* decoder, bool peeked, int code, const std::string& msg, const error_code& ec,
                    const diagnostics& diag)
{
    (void)decoder;
    check_summary(decoder, diag);
    if (!peeked) {
        AKOOL_FUZZ_CHECK(ec == make_error_code(error::bad_response), decoder);
        AKOOL_FUZZ_CHECK(!diag.client_message.empty(), decoder);
        AKOOL_FUZZ_CHECK(diag.api_code == 0, decoder);
        return;
    }
    if (code != api_success_code) {
        AKOOL_FUZZ_CHECK(ec == make_api_error(code), decoder);
        AKOOL_FUZZ_CHECK(diag.api_code == code, decoder);
        AKOOL_FUZZ_CHECK(diag.server_message == msg, decoder);
        return;
    }
    AKOOL_FUZZ_CHECK(diag.api_code == 0, decoder);
    AKOOL_FUZZ_CHECK(!ec || ec == make_error_code(error::bad_response), decoder);
    if (ec) AKOOL_FUZZ_CHECK(!diag.client_message.empty(), decoder);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view body(reinterpret_cast<const char*>(data), size);

    int code = 0;
    std::string msg;
    const bool peeked = peek_api_code(body, code, msg);

    {
        error_code ec;
        diagnostics diag;
        std::vector<image_task> tasks = decode_create_response(body, ec, diag);
        check_envelope("create", peeked, code, msg, ec, diag);
        AKOOL_FUZZ_CHECK(ec ? tasks.empty() : !tasks.empty(), "create: tasks on failure or none on success");
        for (const image_task& t : tasks) AKOOL_FUZZ_CHECK(!t.id.empty(), "create: a task without an id");

        // The fast path agrees with the value reader whenever it accepts.
        std::vector<image_task> fast;
        if (detail::json_codec::decode_create_fast(body, fast)) {
            error_code dom_ec;
            diagnostics dom_diag;
            std::vector<image_task> dom = detail::json_codec::decode_create_dom(body, dom_ec, dom_diag);
            AKOOL_FUZZ_CHECK(!dom_ec, "create: the fast path accepted a reply the reader refuses");
            AKOOL_FUZZ_CHECK(akool_fuzz::same_tasks(fast, dom), "create: fast path and reader disagree");
            // ... and decode_create_response is the fast path, but for a task id given twice.
            std::size_t first = 0, second = 0;
            if (detail::find_repeated_id(
                    fast.size(), [&](std::size_t i) -> const std::string& { return fast[i].id; }, first, second))
                AKOOL_FUZZ_CHECK(ec == error::bad_response && first < second && fast[first].id == fast[second].id,
                                 "create: a repeated task id was not refused");
            else
                AKOOL_FUZZ_CHECK(akool_fuzz::same_tasks(fast, tasks), "create: decode_create_response is not the fast path");
        }
    }
    {
        error_code ec;
        diagnostics diag;
        image_result r = decode_result_response(body, ec, diag);
        check_envelope("result", peeked, code, msg, ec, diag);
        AKOOL_FUZZ_CHECK(ec ? r.id.empty() : !r.id.empty(), "result: an id on failure or none on success");
    }
    {
        error_code ec;
        diagnostics diag;
        std::string token = decode_token_response(body, ec, diag);
        check_envelope("token", peeked, code, msg, ec, diag);
        AKOOL_FUZZ_CHECK(ec ? token.empty() : !token.empty(), "token: a token on failure or none on success");
    }
    return 0;
}
