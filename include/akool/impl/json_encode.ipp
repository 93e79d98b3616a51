// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_IMPL_JSON_ENCODE_IPP
#define AKOOL_IMPL_JSON_ENCODE_IPP

// The encoders: standard library only (no Boost.JSON), so that a TU that only builds request
// bodies does not parse a JSON library.

#include <akool/config.hpp>
#include <akool/json_encode.hpp>
#include <akool/detail/utf8.hpp>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace akool {
namespace detail {
namespace json_codec {

// --- Writing ---------------------------------------------------------------------------------

// The quoted, escaped string of append_string for valid UTF-8 `s` whose first `plain` bytes
// need no escape.
AKOOL_NOINLINE inline void append_escaped(std::string& out, std::string_view s, std::size_t plain)
{
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t run = 0;  // start of the run of bytes not yet appended, which need no escape
    for (std::size_t i = plain; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', static_cast<char>(c), 0, 0, 0, 0};
        std::size_t n = 2;
        switch (c) {
        case '"':
        case '\\': break;
        case '\b': esc[1] = 'b'; break;
        case '\t': esc[1] = 't'; break;
        case '\n': esc[1] = 'n'; break;
        case '\f': esc[1] = 'f'; break;
        case '\r': esc[1] = 'r'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        out.append(esc, n);
    }
    out.append(s.data() + run, s.size() - run);
    out.push_back('"');
}

// append_string for text that is not valid UTF-8 (the validator reports it first): each
// ill-formed sequence replaced by U+FFFD, then escaped. The first `plain` bytes are ASCII.
AKOOL_COLD inline void append_string_repaired(std::string& out, std::string_view s, std::size_t plain)
{
    std::string repaired;
    repaired.reserve(s.size() + 8);
    append_utf8_replacing(repaired, s);
    append_escaped(out, repaired, plain);  // (the plain prefix is the same in `repaired`)
}

// Appends `s` as a quoted, escaped JSON string, escaped as Boost.JSON's serializer does:
// `"` and `\` with a backslash, \b \t \n \f \r by name, the other control characters below
// 0x20 as \u00xx (lower-case hex); every other byte, 0x7f and bytes >= 0x80 included, as is.
// Text that is not valid UTF-8 is written with each ill-formed sequence replaced by U+FFFD:
// the output is always valid JSON (the validator reports such text before a request is sent).
inline void append_string(std::string& out, std::string_view s)
{
    std::size_t plain = skip_json_plain(s, 0);  // the bytes before it need no escape, nor a check
    if (plain == s.size()) {
        out.push_back('"');
        out.append(s.data(), s.size());
        out.push_back('"');
    } else if (utf8_invalid_offset(s.substr(plain)) != std::string_view::npos) {
        append_string_repaired(out, s, plain);
    } else {
        append_escaped(out, s, plain);
    }
}

inline void append_int(std::string& out, std::int64_t v)
{
    char text[20];
    const char* first = signed_decimal_ending_at(text + sizeof text, v);
    out.append(first, static_cast<std::size_t>(text + sizeof text - first));
}

// Shortest form that reads back as the same double ("0.7", "1", "1e-07"); `null` for NaN and
// infinities, which JSON cannot express. Negative zero is written as 0: "-0" reads back as the
// integer 0, so the body would not encode again to the same bytes (found by
// test/fuzz/request_body.cpp).
inline void append_double(std::string& out, double v)
{
    if (v != v || v == std::numeric_limits<double>::infinity() || v == -std::numeric_limits<double>::infinity()) {
        out.append("null");
        return;
    }
    if (v == 0) v = 0.0;  // -0.0 == 0 too
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof(buf), v);
    out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

// Writes `{"k":v,...}` members, inserting the commas. Its member writers stay out of line:
// inlined at each of the encoders' call sites they were a quarter of the code a header-only
// TU that encodes a request compiles.
class object_writer {
public:
    explicit object_writer(std::string& out) : out_(out) { out_.push_back('{'); }
    AKOOL_NOINLINE void key(std::string_view k)
    {
        if (!first_) out_.push_back(',');
        first_ = false;
        out_.push_back('"');
        out_.append(k.data(), k.size());
        out_.append("\":");
    }
    AKOOL_NOINLINE void string(std::string_view k, std::string_view v)
    {
        key(k);
        append_string(out_, v);
    }
    AKOOL_NOINLINE void integer(std::string_view k, std::int64_t v)
    {
        key(k);
        append_int(out_, v);
    }
    void opt_integer(std::string_view k, const std::optional<std::int64_t>& v)
    {
        if (v) integer(k, *v);
    }
    void raw(std::string_view k, std::string_view v)
    {
        key(k);
        out_.append(v.data(), v.size());
    }
    void close() { out_.push_back('}'); }
    std::string& out() noexcept { return out_; }

private:
    std::string& out_;
    bool first_ = true;
};

inline void write_task(std::string& out, const image_task& t)
{
    object_writer w(out);
    w.string("_id", t.id);
    w.opt_integer("uid", t.uid);
    w.string("team_id", t.team_id);
    w.opt_integer("create_time", t.create_time);
    w.string("prompt", t.prompt);
    w.string("origin_prompt", t.origin_prompt);
    w.string("source_image", t.source_image);
    w.integer("image_status", static_cast<int>(t.status));
    w.opt_integer("image_sub_status", t.sub_status);
    w.opt_integer("deduction_credit", t.deduction_credit);
    w.string("model_name", t.model_name);
    w.string("provider", t.provider);
    w.opt_integer("type", t.type);
    w.opt_integer("from", t.from);
    if (t.sub_type) w.integer("sub_type", static_cast<int>(*t.sub_type));
    w.string("file_name", t.file_name);
    w.close();
}

} // namespace json_codec
} // namespace detail

AKOOL_DECL void encode_image_request(const image_request& req, std::string& out)
{
    detail::json_codec::object_writer w(out);
    if (req.model_name) w.string("model_name", *req.model_name);
    if (req.negative_prompt) w.string("negative_prompt", *req.negative_prompt);
    w.string("prompt", req.prompt);
    if (!req.source_images.empty()) {
        w.key("source_images");
        out.push_back('[');
        bool first = true;
        for (const std::string& s : req.source_images) {
            if (!first) out.push_back(',');
            first = false;
            detail::json_codec::append_string(out, s);
        }
        out.push_back(']');
    }
    if (req.scale) w.string("scale", to_string(*req.scale));
    if (req.resolution) w.string("resolution", to_string(*req.resolution));
    if (req.similar) {
        w.key("similar");
        detail::json_codec::append_double(out, *req.similar);
    }
    if (req.batch_quantity) w.integer("batch_quantity", *req.batch_quantity);
    if (req.webhook_url) w.string("webhookurl", *req.webhook_url);
    w.close();
}

AKOOL_DECL std::string encode_image_request(const image_request& req)
{
    std::size_t estimate = 192 + req.prompt.size();
    if (req.model_name) estimate += req.model_name->size();
    if (req.negative_prompt) estimate += req.negative_prompt->size();
    if (req.webhook_url) estimate += req.webhook_url->size();
    for (const std::string& s : req.source_images) estimate += s.size() + 3;
    std::string out;
    out.reserve(estimate);
    encode_image_request(req, out);
    return out;
}

AKOOL_DECL std::string encode_token_request(const client_credentials& creds)
{
    std::string out;
    out.reserve(40 + creds.client_id.size() + creds.client_secret.size());
    detail::json_codec::object_writer w(out);
    w.string("clientId", creds.client_id);
    w.string("clientSecret", creds.client_secret);
    w.close();
    return out;
}

AKOOL_DECL std::string encode_create_response(const std::vector<image_task>& tasks, bool as_array)
{
    std::string out;
    out.reserve(64 + tasks.size() * 512);
    out.append("{\"code\":1000,\"msg\":\"OK\",\"data\":");
    if (as_array) {
        out.push_back('[');
        for (std::size_t i = 0; i < tasks.size(); ++i) {
            if (i != 0) out.push_back(',');
            detail::json_codec::write_task(out, tasks[i]);
        }
        out.push_back(']');
    } else if (tasks.empty()) {
        out.append("null");
    } else {
        detail::json_codec::write_task(out, tasks.front());
    }
    out.push_back('}');
    return out;
}

AKOOL_DECL std::string encode_result_response(const image_result& result)
{
    std::string out;
    out.reserve(256 + result.image_url.size());
    out.append("{\"code\":1000,\"msg\":\"OK\",\"data\":");
    detail::json_codec::object_writer w(out);
    w.string("_id", result.id);
    w.opt_integer("create_time", result.create_time);
    w.opt_integer("uid", result.uid);
    w.opt_integer("type", result.type);
    w.integer("image_status", static_cast<int>(result.status));
    if (!result.image_url.empty()) w.string("image", result.image_url);
    w.opt_integer("deduction_credit", result.deduction_credit);
    w.raw("buttons", "[]");
    w.raw("used_buttons", "[]");
    w.key("upscaled_urls");
    out.push_back('[');
    for (std::size_t i = 0; i < result.upscaled_urls.size(); ++i) {
        if (i != 0) out.push_back(',');
        detail::json_codec::append_string(out, result.upscaled_urls[i]);
    }
    out.push_back(']');
    w.close();
    out.push_back('}');
    return out;
}

AKOOL_DECL std::string encode_token_response(std::string_view token)
{
    std::string out;
    out.reserve(40 + token.size());
    out.append("{\"code\":1000,\"msg\":\"OK\",\"token\":");
    detail::json_codec::append_string(out, token);
    out.push_back('}');
    return out;
}

AKOOL_DECL std::string encode_error_response(int code, std::string_view msg)
{
    std::string out;
    out.reserve(32 + msg.size());
    detail::json_codec::object_writer w(out);
    w.integer("code", code);
    w.string("msg", msg);
    w.close();
    return out;
}

} // namespace akool

#endif
