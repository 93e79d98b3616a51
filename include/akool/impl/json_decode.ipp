// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_IMPL_JSON_DECODE_IPP
#define AKOOL_IMPL_JSON_DECODE_IPP

// The reply and request decoders (Boost.JSON's parser); the encoders are in json_encode.ipp.

#include <akool/json_decode.hpp>
#include <akool/detail/json_integer.hpp>
#include <akool/detail/repeated_id.hpp>

#include <boost/core/no_exceptions_support.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value_stack.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#if __has_include(<version>)
#include <version>  // __cpp_lib_to_chars
#endif
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace akool {
namespace detail {
namespace json_codec {

namespace bj = boost::json;

// --- Reading ---------------------------------------------------------------------------------

// Size of the stack buffer the decoders parse into; larger replies spill to the heap.
constexpr std::size_t parse_buffer_size = 4096;

// An integer, or an integral float (`3.0`), within int.
inline bool to_int(const bj::value& v, int& out) noexcept
{
    std::int64_t i = 0;
    if (!json_integer(v, i) || i < std::numeric_limits<int>::min() || i > std::numeric_limits<int>::max())
        return false;
    out = static_cast<int>(i);
    return true;
}

// An integer, or an integral float, within int64.
inline bool to_int64(const bj::value& v, std::int64_t& out) noexcept { return json_integer(v, out); }

// Why `v`, which `to_int` refused, is not an int: the end of a field's error message.
inline std::string not_an_int(const bj::value& v);

inline const char* kind_name(const bj::value& v) noexcept
{
    switch (v.kind()) {
    case bj::kind::null: return "null";
    case bj::kind::bool_: return "a boolean";
    case bj::kind::int64:
    case bj::kind::uint64:
    case bj::kind::double_: return "a number";
    case bj::kind::string: return "a string";
    case bj::kind::array: return "an array";
    case bj::kind::object: return "an object";
    }
    return "a value";
}

inline std::string not_an_int(const bj::value& v)
{
    std::int64_t ignored = 0;
    if (v.is_int64() || v.is_uint64() || json_integer(v, ignored)) return "integer out of range";
    if (json_fraction(v)) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g", v.get_double());
        return std::string("expected an integer, got the fraction ") + buf;
    }
    return std::string("expected an integer, got ") + kind_name(v);
}

// Decodes one reply: reports the first problem as bad_response with the field's path.
class reply_reader {
public:
    reply_reader(error_code& ec, diagnostics& diag) : ec_(ec), diag_(diag) {}

    // Sets bad_response with `message` in client_message; returns false for chaining.
    bool fail(std::string message)
    {
        ec_ = make_error_code(error::bad_response);
        diag_.client_message = std::move(message);
        return false;
    }

    bool fail_field(std::string_view prefix, std::string_view key, std::string_view what)
    {
        std::string m;
        m.reserve(prefix.size() + key.size() + what.size() + 3);
        if (!prefix.empty()) {
            m.append(prefix.data(), prefix.size());
            m.push_back('.');
        }
        m.append(key.data(), key.size());
        m.append(": ");
        m.append(what.data(), what.size());
        return fail(std::move(m));
    }

    // The parse error or the top-level kind, worded for a person; returns the root object.
    const bj::object* root(std::string_view body, const bj::value& jv, const error_code& parse_ec)
    {
        if (parse_ec) {
            if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
                fail("reply is not JSON: the body is empty");
                return nullptr;
            }
            fail("reply is not valid JSON: " + parse_ec.message());
            return nullptr;
        }
        if (!jv.is_object()) {
            fail(std::string("reply is not a JSON object: the top level is ") + kind_name(jv));
            return nullptr;
        }
        return &jv.get_object();
    }

    // Reads `code` and `msg`; true when the code is 1000. Otherwise sets ec and returns false.
    bool envelope(const bj::object& root)
    {
        const bj::value* c = root.if_contains("code");
        if (!c) return fail("code: missing");
        int code = 0;
        if (!to_int(*c, code)) return fail("code: " + not_an_int(*c));
        if (code == api_success_code) return true;
        ec_ = make_api_error(code);
        diag_.api_code = code;
        if (const bj::value* m = root.if_contains("msg"); m && m->is_string())
            diag_.server_message.assign(m->get_string().data(), m->get_string().size());
        else
            diag_.server_message.clear();
        return false;
    }

    bool req_string(const bj::object& o, std::string_view prefix, std::string_view key, std::string& out)
    {
        const bj::value* v = o.if_contains(bj::string_view(key.data(), key.size()));
        if (!v) return fail_field(prefix, key, "missing");
        if (!v->is_string()) return fail_field(prefix, key, std::string("expected a string, got ") + kind_name(*v));
        const bj::string& s = v->get_string();
        if (s.empty()) return fail_field(prefix, key, "expected a non-empty string");
        out.assign(s.data(), s.size());
        return true;
    }

    bool req_int(const bj::object& o, std::string_view prefix, std::string_view key, int& out)
    {
        const bj::value* v = o.if_contains(bj::string_view(key.data(), key.size()));
        if (!v) return fail_field(prefix, key, "missing");
        if (to_int(*v, out)) return true;
        return fail_field(prefix, key, not_an_int(*v));
    }

    static void opt_string(const bj::object& o, std::string_view key, std::string& out)
    {
        const bj::value* v = o.if_contains(bj::string_view(key.data(), key.size()));
        if (v && v->is_string()) out.assign(v->get_string().data(), v->get_string().size());
    }

    static void opt_int64(const bj::object& o, std::string_view key, std::optional<std::int64_t>& out)
    {
        const bj::value* v = o.if_contains(bj::string_view(key.data(), key.size()));
        std::int64_t i = 0;
        if (v && to_int64(*v, i)) out = i;
    }

    bool task(const bj::value& v, std::string_view prefix, image_task& t)
    {
        if (!v.is_object()) return fail(std::string(prefix) + ": expected an object, got " + kind_name(v));
        const bj::object& o = v.get_object();
        int status = 0;
        if (!req_string(o, prefix, "_id", t.id)) return false;
        if (!req_int(o, prefix, "image_status", status)) return false;
        t.status = static_cast<image_status>(status);
        opt_int64(o, "uid", t.uid);
        opt_string(o, "team_id", t.team_id);
        opt_int64(o, "create_time", t.create_time);
        opt_string(o, "prompt", t.prompt);
        opt_string(o, "origin_prompt", t.origin_prompt);
        opt_string(o, "source_image", t.source_image);
        opt_int64(o, "image_sub_status", t.sub_status);
        opt_int64(o, "deduction_credit", t.deduction_credit);
        opt_string(o, "model_name", t.model_name);
        opt_string(o, "provider", t.provider);
        opt_int64(o, "type", t.type);
        opt_int64(o, "from", t.from);
        if (const bj::value* s = o.if_contains("sub_type")) {
            int st = 0;
            if (to_int(*s, st)) t.sub_type = static_cast<image_sub_type>(st);
        }
        opt_string(o, "file_name", t.file_name);
        return true;
    }

    bool result(const bj::value& v, image_result& r)
    {
        if (!v.is_object()) return fail(std::string("data: expected an object, got ") + kind_name(v));
        const bj::object& o = v.get_object();
        int status = 0;
        if (!req_string(o, "data", "_id", r.id)) return false;
        if (!req_int(o, "data", "image_status", status)) return false;
        r.status = static_cast<image_status>(status);
        opt_string(o, "image", r.image_url);
        opt_int64(o, "create_time", r.create_time);
        opt_int64(o, "uid", r.uid);
        opt_int64(o, "type", r.type);
        opt_int64(o, "deduction_credit", r.deduction_credit);
        if (const bj::value* u = o.if_contains("upscaled_urls"); u && u->is_array())
            for (const bj::value& e : u->get_array())
                if (e.is_string()) r.upscaled_urls.emplace_back(e.get_string().data(), e.get_string().size());
        return true;
    }

private:
    error_code& ec_;
    diagnostics& diag_;
};

// Runs `fn` and turns any exception other than std::bad_alloc into bad_response.
template <class Fn>
void guarded(error_code& ec, diagnostics& diag, Fn&& fn)
{
#ifndef BOOST_NO_EXCEPTIONS
    try {
        fn();
    } catch (const std::logic_error& e) {
        ec = make_error_code(error::bad_response);
        diag.client_message = std::string("reply could not be decoded: ") + e.what();
    } catch (const std::runtime_error& e) {
        ec = make_error_code(error::bad_response);
        diag.client_message = std::string("reply could not be decoded: ") + e.what();
    }
#else
    (void)ec;
    (void)diag;
    fn();  // without exceptions, a failure inside fn() ends in boost::throw_exception
#endif
}

// A number's double from its JSON text, correctly rounded (std::from_chars). Boost 1.81's
// parser rounds some doubles to a neighbour of the nearest one (0.9032689664283783 reads as
// 0.90326896642837839), while the writer (std::to_chars) is exact, so `similar` changed on a
// round trip. `parsed` (the parser's value) stays when from_chars cannot represent the
// number (out of range: 1e400, 1e-400).
// A standard library without a floating-point from_chars (libc++ before 20) keeps `parsed`.
inline double exact_double(double parsed, std::string_view text) noexcept
{
#if defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L
    double v = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    return r.ec == std::errc() && r.ptr == text.data() + text.size() ? v : parsed;
#else
    (void)text;
    return parsed;
#endif
}

// The handler of boost::json::parser (a value_stack fed by every event), except that each
// double is read again from its text by exact_double.
class exact_value_handler {
public:
    static constexpr std::size_t max_object_size = bj::object::max_size();
    static constexpr std::size_t max_array_size = bj::array::max_size();
    static constexpr std::size_t max_key_size = bj::string::max_size();
    static constexpr std::size_t max_string_size = bj::string::max_size();

    bj::value_stack st;

    exact_value_handler(bj::storage_ptr sp, unsigned char* temp, std::size_t size) noexcept
        : st(std::move(sp), temp, size)
    {
    }

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_object_begin(error_code&) { return true; }
    bool on_object_end(std::size_t n, error_code&) { st.push_object(n); return true; }
    bool on_array_begin(error_code&) { return true; }
    bool on_array_end(std::size_t n, error_code&) { st.push_array(n); return true; }
    bool on_key_part(bj::string_view s, std::size_t, error_code&) { st.push_chars(s); return true; }
    bool on_key(bj::string_view s, std::size_t, error_code&) { st.push_key(s); return true; }
    bool on_string_part(bj::string_view s, std::size_t, error_code&) { st.push_chars(s); return true; }
    bool on_string(bj::string_view s, std::size_t, error_code&) { st.push_string(s); return true; }
    bool on_number_part(bj::string_view s, error_code&)
    {
        number_.append(s.data(), s.size());  // only when a number spans two writes
        return true;
    }
    bool on_int64(std::int64_t i, bj::string_view, error_code&) { number_.clear(); st.push_int64(i); return true; }
    bool on_uint64(std::uint64_t u, bj::string_view, error_code&) { number_.clear(); st.push_uint64(u); return true; }
    bool on_double(double d, bj::string_view s, error_code&)
    {
        if (number_.empty()) {
            st.push_double(exact_double(d, std::string_view(s.data(), s.size())));
        } else {
            number_.append(s.data(), s.size());
            st.push_double(exact_double(d, number_));
            number_.clear();
        }
        return true;
    }
    bool on_bool(bool b, error_code&) { st.push_bool(b); return true; }
    bool on_null(error_code&) { st.push_null(); return true; }
    bool on_comment_part(bj::string_view, error_code&) { return true; }
    bool on_comment(bj::string_view, error_code&) { return true; }

private:
    std::string number_;
};

// boost::json::parse with exact doubles, for requests (replies: parse_reply): the whole of
// `body` is one JSON document, its value allocated from `mr`.
inline bj::value parse(std::string_view body, error_code& parse_ec, bj::monotonic_resource& mr)
{
    unsigned char temp[BOOST_JSON_STACK_BUFFER_SIZE];
    bj::basic_parser<exact_value_handler> p(bj::parse_options{}, bj::storage_ptr(), temp, sizeof(temp));
    p.handler().st.reset(bj::storage_ptr(&mr));
    std::size_t n = p.write_some(false, body.data(), body.size(), parse_ec);
    if (!parse_ec && n < body.size()) parse_ec = make_error_code(bj::error::extra_data);
    if (parse_ec) return nullptr;
    return p.handler().st.release();
}

// A reply's JSON value, from boost::json::parse: compiled in libboost_json, so a TU that
// decodes replies compiles no second instance of Boost.JSON's parser beside the create
// reply's (decode_create_fast). Replies hold no double whose last bit matters (their numbers
// are integers, read exactly either way); a request's `similar` is one, and
// decode_image_request reads requests with `parse`. Same options, limits and errors.
inline bj::value parse_reply(std::string_view body, error_code& parse_ec, bj::monotonic_resource& mr)
{
    return bj::parse(bj::string_view(body.data(), body.size()), parse_ec, bj::storage_ptr(&mr));
}

// --- The create reply, straight into image_task ----------------------------------------------

// A SAX handler (boost::json::basic_parser) that fills the tasks of a create reply without
// building a JSON value. It only ever succeeds on a reply the DOM reader (reply_reader) also
// accepts, with the same result: at the first thing it does not expect (a code other than
// 1000, a missing or mistyped field, a duplicate known key, any other shape) it stops, and
// the caller decodes the body again with reply_reader, which words the error. Unknown keys
// are skipped at any depth, as reply_reader ignores them.
class create_reply_handler {
public:
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);

    explicit create_reply_handler(std::vector<image_task>* tasks) noexcept : tasks_(tasks) {}

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code& ec) { return depth_ == 0 && root_done_ ? true : stop(ec); }

    bool on_object_begin(error_code& ec)
    {
        if (depth_ == 0) return root_done_ ? stop(ec) : push(frame::root, ec);
        frame top = frames_[depth_ - 1];
        if (top == frame::skip) return push(frame::skip, ec);
        if (top == frame::data_array) return new_task(ec);
        if (top == frame::root && field_ == field::data) {
            if (seen_data_) return stop(ec);
            seen_data_ = true;
            return new_task(ec);
        }
        if (known_scalar_field()) return stop(ec);  // an object where a known scalar goes
        return push(frame::skip, ec);
    }
    bool on_object_end(std::size_t, error_code& ec)
    {
        frame f = frames_[--depth_];
        field_ = field::none;
        if (f == frame::task) {
            // `_id` present and non-empty, `image_status` an int: what reply_reader requires.
            return (seen_ & (bit(field::id) | bit(field::image_status))) ==
                               (bit(field::id) | bit(field::image_status)) &&
                           !tasks_->back().id.empty()
                       ? true
                       : stop(ec);
        }
        if (f == frame::root) {
            root_done_ = true;
            return seen_code_ && seen_data_ ? true : stop(ec);
        }
        return true;
    }
    bool on_array_begin(error_code& ec)
    {
        if (depth_ == 0) return stop(ec);
        frame top = frames_[depth_ - 1];
        if (top == frame::skip) return push(frame::skip, ec);
        if (top == frame::root && field_ == field::data) {
            if (seen_data_) return stop(ec);
            seen_data_ = true;
            return push(frame::data_array, ec);
        }
        if (top == frame::data_array || known_scalar_field()) return stop(ec);
        return push(frame::skip, ec);
    }
    bool on_array_end(std::size_t n, error_code& ec)
    {
        frame f = frames_[--depth_];
        field_ = field::none;
        return f == frame::data_array && n == 0 ? stop(ec) : true;
    }

    bool on_key_part(bj::string_view s, std::size_t, error_code&)
    {
        key_.append(s.data(), s.size());
        return true;
    }
    bool on_key(bj::string_view s, std::size_t, error_code& ec)
    {
        frame top = frames_[depth_ - 1];
        if (top == frame::skip) {
            key_.clear();
            return true;
        }
        std::string_view k(s.data(), s.size());
        if (!key_.empty()) {
            key_.append(s.data(), s.size());
            k = key_;
        }
        field_ = top == frame::root ? root_field(k) : task_field(k);
        key_.clear();
        if (top == frame::task && field_ != field::unknown) {
            if (seen_ & bit(field_)) return stop(ec);  // a duplicate: reply_reader's DOM keeps the last
            seen_ |= bit(field_);
        }
        return true;
    }

    bool on_string_part(bj::string_view s, std::size_t, error_code& ec) { return string_data(s, ec); }
    bool on_string(bj::string_view s, std::size_t, error_code& ec)
    {
        if (!string_data(s, ec)) return false;
        if (scalar_in_array_or_top()) return stop(ec);
        bool ok = frames_[depth_ - 1] != frame::task || field_ != field::id || !tasks_->back().id.empty();
        if (frames_[depth_ - 1] == frame::root && field_ != field::msg && field_ != field::unknown) ok = false;
        field_ = field::none;
        return ok ? true : stop(ec);
    }
    bool on_number_part(bj::string_view, error_code&) { return true; }
    bool on_int64(std::int64_t v, bj::string_view, error_code& ec) { return integer(v, 0, false, ec); }
    bool on_uint64(std::uint64_t v, bj::string_view, error_code& ec) { return integer(0, v, true, ec); }
    bool on_double(double, bj::string_view, error_code& ec) { return other_scalar(ec); }
    bool on_bool(bool, error_code& ec) { return other_scalar(ec); }
    bool on_null(error_code& ec) { return other_scalar(ec); }
    bool on_comment_part(bj::string_view, error_code& ec) { return stop(ec); }
    bool on_comment(bj::string_view, error_code& ec) { return stop(ec); }

private:
    enum class frame : unsigned char { root, task, data_array, skip };
    enum class field : unsigned char {
        none, unknown, code, msg, data,
        id, image_status, uid, team_id, create_time, prompt, origin_prompt, source_image,
        image_sub_status, deduction_credit, model_name, provider, type, from, sub_type, file_name
    };
    static constexpr std::uint32_t bit(field f) noexcept { return std::uint32_t(1) << static_cast<unsigned>(f); }

    static field root_field(std::string_view k) noexcept
    {
        if (k == "code") return field::code;
        if (k == "msg") return field::msg;
        if (k == "data") return field::data;
        return field::unknown;
    }
    static field task_field(std::string_view k) noexcept
    {
        // By length first, then at most two comparisons (a reply of four tasks has 64 keys).
        auto is = [k](std::string_view name, field f, field otherwise) { return k == name ? f : otherwise; };
        constexpr field unknown = field::unknown;
        switch (k.size()) {
        case 3: return is("_id", field::id, is("uid", field::uid, unknown));
        case 4: return is("type", field::type, is("from", field::from, unknown));
        case 6: return is("prompt", field::prompt, unknown);
        case 7: return is("team_id", field::team_id, unknown);
        case 8: return is("provider", field::provider, is("sub_type", field::sub_type, unknown));
        case 9: return is("file_name", field::file_name, unknown);
        case 10: return is("model_name", field::model_name, unknown);
        case 11: return is("create_time", field::create_time, unknown);
        case 12: return is("image_status", field::image_status, is("source_image", field::source_image, unknown));
        case 13: return is("origin_prompt", field::origin_prompt, unknown);
        case 16:
            return is("image_sub_status", field::image_sub_status,
                      is("deduction_credit", field::deduction_credit, unknown));
        default: return unknown;
        }
    }

    bool stop(error_code& ec)
    {
        ec = make_error_code(error::bad_response);  // not reported: reply_reader decodes again
        return false;
    }
    bool push(frame f, error_code& ec)
    {
        if (depth_ == sizeof(frames_)) return stop(ec);
        frames_[depth_++] = f;
        field_ = field::none;
        return true;
    }
    bool new_task(error_code& ec)
    {
        tasks_->emplace_back();
        seen_ = 0;
        return push(frame::task, ec);
    }
    // The value being read belongs to a field whose value the reader checks (all but `msg`
    // and unknown keys).
    bool known_scalar_field() const noexcept { return field_ != field::unknown && field_ != field::msg; }
    bool scalar_in_array_or_top() const noexcept { return depth_ == 0 || frames_[depth_ - 1] == frame::data_array; }

    // The string field being read in the current task, or null.
    std::string* string_target() noexcept
    {
        if (depth_ == 0 || frames_[depth_ - 1] != frame::task) return nullptr;
        image_task& t = tasks_->back();
        switch (field_) {
        case field::id: return &t.id;
        case field::team_id: return &t.team_id;
        case field::prompt: return &t.prompt;
        case field::origin_prompt: return &t.origin_prompt;
        case field::source_image: return &t.source_image;
        case field::model_name: return &t.model_name;
        case field::provider: return &t.provider;
        case field::file_name: return &t.file_name;
        default: return nullptr;
        }
    }
    bool string_data(bj::string_view s, error_code& ec)
    {
        if (depth_ == 0 || frames_[depth_ - 1] == frame::skip) return true;
        if (std::string* target = string_target()) {
            target->append(s.data(), s.size());
            return true;
        }
        if (frames_[depth_ - 1] == frame::task && field_ != field::unknown) return stop(ec);  // not a string field
        return true;
    }

    // An integer: in `i`, or in `u` when `is_uint` (the parser's uint64: above INT64_MAX).
    bool integer(std::int64_t i, std::uint64_t u, bool is_uint, error_code& ec)
    {
        if (scalar_in_array_or_top()) return stop(ec);
        frame top = frames_[depth_ - 1];
        field f = field_;
        field_ = field::none;
        if (top == frame::skip || f == field::unknown || f == field::msg) return true;
        if (is_uint) {
            if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return stop(ec);
            i = static_cast<std::int64_t>(u);
        }
        const bool fits_int = i >= std::numeric_limits<int>::min() && i <= std::numeric_limits<int>::max();
        if (top == frame::root) {
            if (f != field::code || !fits_int || i != api_success_code || seen_code_) return stop(ec);
            seen_code_ = true;
            return true;
        }
        image_task& t = tasks_->back();
        switch (f) {
        case field::image_status:
            if (!fits_int) return stop(ec);
            t.status = static_cast<image_status>(static_cast<int>(i));
            return true;
        case field::sub_type:
            if (!fits_int) return stop(ec);
            t.sub_type = static_cast<image_sub_type>(static_cast<int>(i));
            return true;
        case field::uid: t.uid = i; return true;
        case field::create_time: t.create_time = i; return true;
        case field::image_sub_status: t.sub_status = i; return true;
        case field::deduction_credit: t.deduction_credit = i; return true;
        case field::type: t.type = i; return true;
        case field::from: t.from = i; return true;
        default: return stop(ec);  // a number in a string field
        }
    }
    // A double, a boolean or null: fine where it is skipped or ignored, else not what is expected.
    bool other_scalar(error_code& ec)
    {
        if (scalar_in_array_or_top()) return stop(ec);
        frame top = frames_[depth_ - 1];
        field f = field_;
        field_ = field::none;
        if (top == frame::skip || f == field::unknown || f == field::msg) return true;
        return stop(ec);
    }

    std::vector<image_task>* tasks_;
    frame frames_[32];
    std::size_t depth_ = 0;
    field field_ = field::none;
    std::uint32_t seen_ = 0;  // known fields of the current task
    bool seen_code_ = false;
    bool seen_data_ = false;
    bool root_done_ = false;
    std::string key_;  // a key that arrived in parts
};

// Decodes a well-formed successful create reply into `tasks`; false (tasks unspecified) for
// anything else, which reply_reader then decodes and words.
inline bool decode_create_fast(std::string_view body, std::vector<image_task>& tasks)
{
    bj::basic_parser<create_reply_handler> p(bj::parse_options{}, &tasks);
    error_code ec;
    std::size_t n = p.write_some(false, body.data(), body.size(), ec);
    return !ec && n == body.size() && p.done();
}

// --- Server side -----------------------------------------------------------------------------

class request_reader {
public:
    explicit request_reader(diagnostics& diag) : diag_(diag) {}

    void issue(std::string field, issue_code code, std::string message)
    {
        validation_issue i;
        i.field = std::move(field);
        i.code = code;
        i.severity = severity::error;
        i.message = std::move(message);
        diag_.issues.push_back(std::move(i));
        ++count_;
    }

    void wrong_type(std::string_view field, std::string_view expected, const bj::value& got)
    {
        issue(std::string(field), issue_code::invalid_value,
              std::string("expected ") + std::string(expected) + ", got " + kind_name(got));
    }

    // A field present with a value other than null, or nullptr.
    static const bj::value* field(const bj::object& o, std::string_view key)
    {
        const bj::value* v = o.if_contains(bj::string_view(key.data(), key.size()));
        return v && !v->is_null() ? v : nullptr;
    }

    void opt_string(const bj::object& o, std::string_view key, std::optional<std::string>& out)
    {
        if (const bj::value* v = field(o, key)) {
            if (v->is_string())
                out.emplace(v->get_string().data(), v->get_string().size());
            else
                wrong_type(key, "a string", *v);
        }
    }

    std::size_t count() const noexcept { return count_; }

private:
    diagnostics& diag_;
    std::size_t count_ = 0;
};

} // namespace json_codec
} // namespace detail

namespace detail {
namespace json_codec {

// The create reply through a JSON value and reply_reader: every error worded.
inline std::vector<image_task> decode_create_dom(std::string_view body, error_code& ec, diagnostics& diag)
{
    namespace jc = json_codec;
    ec.clear();
    std::vector<image_task> tasks;
    jc::guarded(ec, diag, [&] {
        unsigned char buf[jc::parse_buffer_size];
        boost::json::monotonic_resource mr(buf, sizeof(buf));
        error_code parse_ec;
        boost::json::value jv = jc::parse_reply(body, parse_ec, mr);
        jc::reply_reader rd(ec, diag);
        const boost::json::object* root = rd.root(body, jv, parse_ec);
        if (!root || !rd.envelope(*root)) return;
        const boost::json::value* data = root->if_contains("data");
        if (!data) {
            rd.fail("data: missing");
            return;
        }
        if (data->is_object()) {
            tasks.emplace_back();
            if (!rd.task(*data, "data", tasks.back())) tasks.clear();
            return;
        }
        if (!data->is_array()) {
            rd.fail(std::string("data: expected an object or an array, got ") + jc::kind_name(*data));
            return;
        }
        const boost::json::array& arr = data->get_array();
        if (arr.empty()) {
            rd.fail("data: empty array, expected at least one task");
            return;
        }
        // Grown as elements pass: a reply of many bad elements allocates nothing for them.
        for (std::size_t i = 0; i < arr.size(); ++i) {
            image_task t;
            if (!rd.task(arr[i], "data[" + std::to_string(i) + "]", t)) {
                tasks.clear();
                return;
            }
            tasks.push_back(std::move(t));
        }
    });
    if (ec) tasks.clear();
    return tasks;
}

} // namespace json_codec
} // namespace detail

AKOOL_DECL std::vector<image_task> decode_create_response(std::string_view body, error_code& ec, diagnostics& diag)
{
    std::vector<image_task> tasks;
    if (detail::json_codec::decode_create_fast(body, tasks))
        ec.clear();
    else
        tasks = detail::json_codec::decode_create_dom(body, ec, diag);
    std::size_t first = 0, second = 0;  // each task of a create has its own id
    if (detail::find_repeated_id(
            tasks.size(), [&](std::size_t i) -> const std::string& { return tasks[i].id; }, first, second)) {
        ec = make_error_code(error::bad_response);
        diag.client_message = "data[" + std::to_string(second) + "]._id: " + detail::quote_task_id(tasks[second].id) +
                              " repeats data[" + std::to_string(first) + "]._id; each task has its own id";
        tasks.clear();
    }
    return tasks;
}

AKOOL_DECL image_result decode_result_response(std::string_view body, error_code& ec, diagnostics& diag)
{
    namespace jc = detail::json_codec;
    ec.clear();
    image_result result;
    jc::guarded(ec, diag, [&] {
        unsigned char buf[jc::parse_buffer_size];
        boost::json::monotonic_resource mr(buf, sizeof(buf));
        error_code parse_ec;
        boost::json::value jv = jc::parse_reply(body, parse_ec, mr);
        jc::reply_reader rd(ec, diag);
        const boost::json::object* root = rd.root(body, jv, parse_ec);
        if (!root || !rd.envelope(*root)) return;
        const boost::json::value* data = root->if_contains("data");
        if (!data) {
            rd.fail("data: missing");
            return;
        }
        rd.result(*data, result);
    });
    if (ec) result = image_result{};
    return result;
}

AKOOL_DECL std::string decode_token_response(std::string_view body, error_code& ec, diagnostics& diag)
{
    namespace jc = detail::json_codec;
    ec.clear();
    std::string token;
    jc::guarded(ec, diag, [&] {
        unsigned char buf[1024];
        boost::json::monotonic_resource mr(buf, sizeof(buf));
        error_code parse_ec;
        boost::json::value jv = jc::parse_reply(body, parse_ec, mr);
        jc::reply_reader rd(ec, diag);
        const boost::json::object* root = rd.root(body, jv, parse_ec);
        if (!root || !rd.envelope(*root)) return;
        // The token goes into an Authorization header of every later request: only visible
        // ASCII (RFC 6750's token68 and more), at most 4096 bytes. Never quoted in the message.
        auto check = [&rd, &token] {
            bool ok = token.size() <= 4096;
            for (char c : token) ok = ok && c > 0x20 && c < 0x7f;
            if (!ok) rd.fail("token: not usable in a header (visible ASCII only, at most 4096 bytes)");
        };
        if (root->contains("token")) {
            if (rd.req_string(*root, "", "token", token)) check();
            return;
        }
        const boost::json::value* data = root->if_contains("data");
        if (data && data->is_object() && data->get_object().contains("token")) {
            if (rd.req_string(data->get_object(), "data", "token", token)) check();
            return;
        }
        rd.fail("token: missing");
    });
    if (ec) token.clear();
    return token;
}

AKOOL_DECL bool peek_api_code(std::string_view body, int& code, std::string& msg)
{
    namespace jc = detail::json_codec;
    bool found = false;
    error_code ec;
    diagnostics ignored;
    jc::guarded(ec, ignored, [&] {
        unsigned char buf[1024];
        boost::json::monotonic_resource mr(buf, sizeof(buf));
        error_code parse_ec;
        boost::json::value jv = jc::parse_reply(body, parse_ec, mr);
        if (parse_ec || !jv.is_object()) return;
        const boost::json::object& o = jv.get_object();
        const boost::json::value* c = o.if_contains("code");
        int v = 0;
        if (!c || !jc::to_int(*c, v)) return;
        code = v;
        msg.clear();
        if (const boost::json::value* m = o.if_contains("msg"); m && m->is_string())
            msg.assign(m->get_string().data(), m->get_string().size());
        found = true;
    });
    return found;
}

AKOOL_DECL image_request decode_image_request(std::string_view body, error_code& ec, diagnostics& diag)
{
    namespace jc = detail::json_codec;
    ec.clear();
    image_request req;
    jc::guarded(ec, diag, [&] {
        unsigned char buf[jc::parse_buffer_size];
        boost::json::monotonic_resource mr(buf, sizeof(buf));
        error_code parse_ec;
        boost::json::value jv = jc::parse(body, parse_ec, mr);
        if (parse_ec) {
            ec = make_error_code(error::bad_response);
            diag.client_message = "request body is not valid JSON: " + parse_ec.message();
            return;
        }
        if (!jv.is_object()) {
            ec = make_error_code(error::bad_response);
            diag.client_message = std::string("request body is not a JSON object: the top level is ") + jc::kind_name(jv);
            return;
        }
        const boost::json::object& o = jv.get_object();
        jc::request_reader rd(diag);

        if (const boost::json::value* v = jc::request_reader::field(o, "prompt")) {
            if (v->is_string())
                req.prompt.assign(v->get_string().data(), v->get_string().size());
            else
                rd.wrong_type("prompt", "a string", *v);
        } else {
            rd.issue("prompt", issue_code::missing, "prompt is required");
        }

        rd.opt_string(o, "model_name", req.model_name);
        rd.opt_string(o, "negative_prompt", req.negative_prompt);
        rd.opt_string(o, "webhookurl", req.webhook_url);

        if (const boost::json::value* v = jc::request_reader::field(o, "source_images")) {
            if (v->is_array()) {
                const boost::json::array& arr = v->get_array();
                for (std::size_t i = 0; i < arr.size(); ++i) {
                    if (arr[i].is_string())
                        req.source_images.emplace_back(arr[i].get_string().data(), arr[i].get_string().size());
                    else
                        rd.wrong_type("source_images[" + std::to_string(i) + "]", "a string", arr[i]);
                }
            } else {
                rd.wrong_type("source_images", "an array of strings", *v);
            }
        }

        if (const boost::json::value* v = jc::request_reader::field(o, "scale")) {
            if (!v->is_string())
                rd.wrong_type("scale", "a string", *v);
            else if (auto s = parse_scale(std::string_view(v->get_string().data(), v->get_string().size())))
                req.scale = *s;
            else
                rd.issue("scale", issue_code::invalid_value,
                         "must be one of 1:1, 3:2, 4:3, 16:9, 2:3, 3:4, 9:16, Original");
        }

        if (const boost::json::value* v = jc::request_reader::field(o, "resolution")) {
            if (!v->is_string())
                rd.wrong_type("resolution", "a string", *v);
            else if (auto r = parse_resolution(std::string_view(v->get_string().data(), v->get_string().size())))
                req.resolution = *r;
            else
                rd.issue("resolution", issue_code::invalid_value, "must be 1080p or 4k");
        }

        if (const boost::json::value* v = jc::request_reader::field(o, "batch_quantity")) {
            int n = 0;
            if (jc::to_int(*v, n)) {
                req.batch_quantity = n;
            } else if (v->is_int64() || v->is_uint64()) {
                rd.issue("batch_quantity", issue_code::out_of_range, "must be an integer from 1 to 4");
            } else if (v->is_double()) {
                double d = v->get_double();
                if (std::isfinite(d) && d == std::floor(d) && d >= std::numeric_limits<int>::min() &&
                    d <= std::numeric_limits<int>::max())
                    req.batch_quantity = static_cast<int>(d);
                else if (std::isfinite(d) && d == std::floor(d))
                    rd.issue("batch_quantity", issue_code::out_of_range, "must be an integer from 1 to 4");
                else
                    rd.issue("batch_quantity", issue_code::invalid_value, "expected an integer, got a fraction");
            } else {
                rd.wrong_type("batch_quantity", "an integer", *v);
            }
        }

        if (const boost::json::value* v = jc::request_reader::field(o, "similar")) {
            if (v->is_double())
                req.similar = v->get_double();
            else if (v->is_int64())
                req.similar = static_cast<double>(v->get_int64());
            else if (v->is_uint64())
                req.similar = static_cast<double>(v->get_uint64());
            else
                rd.wrong_type("similar", "a number", *v);
        }

        if (rd.count() != 0) ec = make_error_code(error::validation_failed);
    });
    return req;
}

// ---- the forms without diagnostics, and the throwing ones ----------------------------------

AKOOL_DECL std::vector<image_task> decode_create_response(std::string_view body, error_code& ec)
{
    diagnostics diag;
    return decode_create_response(body, ec, diag);
}
AKOOL_DECL std::vector<image_task> decode_create_response(std::string_view body)
{
    return detail::call_or_throw([&](error_code& ec, diagnostics& d) { return decode_create_response(body, ec, d); });
}
AKOOL_DECL image_result decode_result_response(std::string_view body, error_code& ec)
{
    diagnostics diag;
    return decode_result_response(body, ec, diag);
}
AKOOL_DECL image_result decode_result_response(std::string_view body)
{
    return detail::call_or_throw([&](error_code& ec, diagnostics& d) { return decode_result_response(body, ec, d); });
}
AKOOL_DECL std::string decode_token_response(std::string_view body, error_code& ec)
{
    diagnostics diag;
    return decode_token_response(body, ec, diag);
}
AKOOL_DECL std::string decode_token_response(std::string_view body)
{
    return detail::call_or_throw([&](error_code& ec, diagnostics& d) { return decode_token_response(body, ec, d); });
}
AKOOL_DECL image_request decode_image_request(std::string_view body)
{
    return detail::call_or_throw([&](error_code& ec, diagnostics& d) { return decode_image_request(body, ec, d); });
}

} // namespace akool

#endif
