// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_PROTOCOL_HPP
#define AKOOL_DETAIL_PROTOCOL_HPP

// The sans-io half of the client: building the HTTP request for each operation and turning
// a transport's outcome into (error_code, diagnostics, value). No Asio here.

#include <akool/client_options.hpp>
#include <akool/diagnostics.hpp>
#include <akool/error.hpp>
#include <akool/json.hpp>
#include <akool/model.hpp>
#include <akool/transport.hpp>
#include <akool/validate.hpp>
#include <akool/detail/url.hpp>

#include <boost/system/errc.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace akool {

namespace detail {

inline std::string join_url(std::string_view base, std::string_view path)
{
    while (!base.empty() && base.back() == '/') base.remove_suffix(1);
    std::string url;
    url.reserve(base.size() + path.size() + 48);
    url.append(base.data(), base.size());
    url.append(path.data(), path.size());
    return url;
}

// The header that carries a bearer token.
inline http_field bearer_header(const std::string& token) { return {"Authorization", "Bearer " + token}; }

inline void add_common_headers(const client_options& opts, http_request& req)
{
    req.headers.reserve(4);
    if (!opts.token.empty())
        req.headers.push_back(bearer_header(opts.token));
    else if (!opts.api_key.empty())
        req.headers.push_back({"x-api-key", opts.api_key});
    req.headers.push_back({"Accept", "application/json"});
    req.max_response_bytes = opts.max_response_bytes;
}

// Whether `opts.base_url` is an absolute http(s) URL; when not, sets `ec` and says why in
// `diag`, naming it `what` (the CLI: its environment variable).
inline bool check_base_url(const client_options& opts, error_code& ec, diagnostics& diag,
                           std::string_view what = "base_url")
{
    // The base URL rarely changes: remember the last one that passed (per thread).
    thread_local std::string last_good;
    if (!last_good.empty() && opts.base_url == last_good) return true;
    url_view parts;
    const url_refusal why = check_http_url(opts.base_url, parts);
    if (why == url_refusal::none) {
        last_good = opts.base_url;
        return true;
    }
    ec = make_error_code(error::invalid_url);
    // Quoted as a message shows a URL (url_for_message: no user information, query or
    // fragment; printable, cut), unless it holds a secret of these options (one put in the
    // wrong field).
    const auto holds = [&](const std::string& secret) {
        return !secret.empty() && opts.base_url.find(secret) != std::string::npos;
    };
    if (holds(opts.api_key) || holds(opts.token) || (opts.credentials && holds(opts.credentials->client_secret))) {
        // Why, in words that quote nothing of it (a scheme is not quoted either).
        diag.client_message = std::string(what) + " (not shown: it holds the API key, the token or the client secret)";
        if (why == url_refusal::other_scheme)
            diag.client_message += " uses a scheme other than http and https";
        else
            append_url_refusal(diag.client_message, opts.base_url, why);
    } else {
        diag.client_message = refused_url_message(what, opts.base_url, why);
    }
    diag.client_message.append(give_http_url);
    return false;
}

// A request to the service needs a way to authenticate: an API key, a token, or credentials
// to get a token with. Without any, nothing is sent (the service would answer 1102).
inline bool check_credentials(const client_options& opts, error_code& ec, diagnostics& diag)
{
    if (!opts.api_key.empty() || !opts.token.empty() || opts.credentials) return true;
    ec = make_error_code(error::no_credentials);
    diag.client_message = "no API key, token or credentials: set client_options::api_key (or token, or "
                          "credentials), or call set_api_key; nothing was sent";
    return false;
}

/// Validates and encodes a create call. On a validation error sets ec and diag.issues and
/// returns a request that must not be sent.
inline http_request make_create_request(const client_options& opts, const image_request& image, error_code& ec,
                                        diagnostics& diag)
{
    http_request req;
    diag.issues = validate(image);
    if (has_errors(diag.issues)) {
        ec = make_error_code(error::validation_failed);
        return req;
    }
    if (!check_base_url(opts, ec, diag) || !check_credentials(opts, ec, diag)) return req;
    req.method = http_method::post;
    req.url = join_url(opts.base_url, paths::create);
    req.replay_safe = false;  // a create charges the account: never resend it blindly
    add_common_headers(opts, req);
    req.headers.push_back({"Content-Type", "application/json"});
    // One allocation for the body: its fixed part and the strings (escapes may still grow it).
    auto size_of = [](const std::optional<std::string>& o) { return o ? o->size() : std::size_t(0); };
    std::size_t text = image.prompt.size() + size_of(image.model_name) + size_of(image.negative_prompt) +
                       size_of(image.webhook_url);
    for (const auto& s : image.source_images) text += s.size();
    req.body.reserve(256 + text + text / 8);
    encode_image_request(image, req.body);
    return req;
}

inline http_request make_result_request(const client_options& opts, std::string_view task_id, error_code& ec,
                                        diagnostics& diag)
{
    http_request req;
    diag.task_id.assign(task_id.data(), task_id.size());
    if (task_id.empty()) {
        ec = make_error_code(error::validation_failed);
        diag.issues.push_back({"image_model_id", issue_code::missing, severity::error, "the task id is empty"});
        return req;
    }
    if (!check_base_url(opts, ec, diag) || !check_credentials(opts, ec, diag)) return req;
    req.url = join_url(opts.base_url, paths::result);
    req.url += "?image_model_id=";
    append_percent_encoded(req.url, task_id);
    add_common_headers(opts, req);
    return req;
}

inline http_request make_token_request(const client_options& opts, const client_credentials& creds, error_code& ec,
                                       diagnostics& diag)
{
    http_request req;
    if (creds.client_id.empty() || creds.client_secret.empty()) {
        ec = make_error_code(error::validation_failed);
        diag.issues.push_back({creds.client_id.empty() ? "clientId" : "clientSecret", issue_code::missing,
                               severity::error, "client id and client secret are both required"});
        return req;
    }
    if (!check_base_url(opts, ec, diag)) return req;
    req.method = http_method::post;
    req.url = join_url(opts.base_url, paths::token);
    req.replay_safe = true;  // issuing a token twice costs nothing
    req.headers.push_back({"Accept", "application/json"});
    req.headers.push_back({"Content-Type", "application/json"});
    req.max_response_bytes = opts.max_response_bytes;
    req.body = encode_token_request(creds);
    return req;
}

/// A GET of an absolute URL on another host (a result image on the CDN): no credentials
/// are sent to it.
inline http_request make_download_request(std::string_view url, std::size_t max_bytes, error_code& ec,
                                          diagnostics& diag)
{
    http_request req;
    url_view parts;
    const url_refusal why = check_http_url(url, parts);
    if (why != url_refusal::none) {
        ec = make_error_code(error::invalid_url);
        diag.client_message = "the image URL";  // the download's message shows it first
        append_url_refusal(diag.client_message, url, why);
        return req;
    }
    req.url.assign(url.data(), url.size());
    req.max_response_bytes = max_bytes;
    return req;
}

/// Seconds since the epoch of an HTTP-date (RFC 9110 5.6.7), or nullopt: an IMF-fixdate
/// ("Sun, 06 Nov 1994 08:49:37 GMT", the form dates are sent in), or one of the two obsolete
/// forms a recipient must still accept: rfc850-date ("Sunday, 06-Nov-94 08:49:37 GMT", its
/// two-digit year taken as the latest year ending in those digits that is at most 50 years
/// after `now_year`) and asctime-date ("Sun Nov  6 08:49:37 1994"). The weekday must be
/// letters, not checked against the date; the day must be in its month.
inline std::optional<std::int64_t> parse_http_date(std::string_view v, int now_year) noexcept
{
    auto letters = [&v](std::size_t at, std::size_t n) {
        for (std::size_t i = at; i < at + n; ++i)
            if (!((v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' && v[i] <= 'z'))) return false;
        return true;
    };
    auto number = [&v](std::size_t at, std::size_t n, int& out, bool space_first = false) {
        out = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (space_first && i == at && v[i] == ' ') continue;  // asctime's " 6"
            if (v[i] < '0' || v[i] > '9') return false;
            out = out * 10 + (v[i] - '0');
        }
        return true;
    };
    auto month_at = [&v](std::size_t at) {
        constexpr std::string_view months = "JanFebMarAprMayJunJulAugSepOctNovDec";
        for (int i = 0; i < 12; ++i)
            if (v.substr(at, 3) == months.substr(static_cast<std::size_t>(3 * i), 3)) return i + 1;
        return 0;
    };
    // "HH:MM:SS" at `at`.
    auto time_at = [&](std::size_t at, int& hour, int& minute, int& second) {
        return v[at + 2] == ':' && v[at + 5] == ':' && number(at, 2, hour) && number(at + 3, 2, minute) &&
               number(at + 6, 2, second);
    };
    int day = 0, year = 0, hour = 0, minute = 0, second = 0, month = 0;
    const std::size_t comma = v.find(',');
    if (v.size() == 29 && comma == 3) {  // IMF-fixdate
        if (!letters(0, 3) || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' || v[16] != ' ' || v.substr(25) != " GMT" ||
            !number(5, 2, day) || !number(12, 4, year) || !time_at(17, hour, minute, second))
            return std::nullopt;
        month = month_at(8);
    } else if (comma >= 6 && comma <= 9 && v.size() == comma + 24) {  // rfc850-date: "Monday" to "Wednesday"
        const std::size_t d = comma + 2;  // "06-Nov-94 08:49:37 GMT"
        if (!letters(0, comma) || v[comma + 1] != ' ' || v[d + 2] != '-' || v[d + 6] != '-' || v[d + 9] != ' ' ||
            v.substr(d + 18) != " GMT" || !number(d, 2, day) || !number(d + 7, 2, year) ||
            !time_at(d + 10, hour, minute, second))
            return std::nullopt;
        month = month_at(d + 3);
        const int latest = now_year + 50;
        year = latest - (latest - year) % 100;  // the latest such year, at most 50 years ahead
    } else if (v.size() == 24 && comma == std::string_view::npos) {  // asctime-date
        if (!letters(0, 3) || v[3] != ' ' || v[7] != ' ' || v[10] != ' ' || v[19] != ' ' || !number(8, 2, day, true) ||
            !time_at(11, hour, minute, second) || !number(20, 4, year))
            return std::nullopt;
        month = month_at(4);
    } else {
        return std::nullopt;
    }
    if (month == 0 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    constexpr int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    if (day < 1 || day > month_days[month - 1] + (month == 2 && leap ? 1 : 0)) return std::nullopt;
    // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    const int y = year - (month <= 2 ? 1 : 0);
    const int era = y / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const std::int64_t days = std::int64_t(era) * 146097 + doe - 719468;
    return days * 86400 + hour * 3600 + minute * 60 + second;
}

/// Parses a Retry-After value: seconds, or an HTTP-date (parse_http_date) that `now` is taken
/// from (a past date is 0). A longer wait than 999,999,999 s (about 31 years) is that
/// (over any cap, so a reply asking for it fails at once instead of being retried soon);
/// anything else (a negative or fractional number, text) is nullopt.
inline std::optional<std::chrono::seconds>
parse_retry_after(std::string_view v, std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) noexcept
{
    constexpr std::int64_t most = 999999999;
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    if (v.empty()) return std::nullopt;
    if (v.find_first_not_of("0123456789") == std::string_view::npos) {
        std::int64_t s = 0;
        for (char c : v) s = s > most / 10 ? most : (s * 10 + (c - '0') > most ? most : s * 10 + (c - '0'));
        return std::chrono::seconds(s);
    }
    const std::int64_t from = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    // The current year, near enough for a two-digit year (days of 365.2425 days).
    const int now_year = 1970 + static_cast<int>((from < 0 ? 0 : from) / 31556952);
    if (auto at = parse_http_date(v, now_year)) {
        const std::int64_t wait = *at - from;
        return std::chrono::seconds(wait < 0 ? 0 : wait > most ? most : wait);
    }
    return std::nullopt;
}

// The decoders of the service's replies, body -> value, as an exchange takes them.
// A create's: a reply listing more tasks than the request's batch asked for is refused
// (bad_response), so that the service's reply never sets how many tasks a generate polls,
// downloads and writes.
struct decode_create {
    int batch = 4;  // the request's image_count
    std::vector<image_task> operator()(std::string& body, error_code& ec, diagnostics& diag) const
    {
        std::vector<image_task> tasks = decode_create_response(body, ec, diag);
        if (!ec && tasks.size() > static_cast<std::size_t>(batch)) {
            ec = make_error_code(error::bad_response);
            diag.client_message = "data: " + std::to_string(tasks.size()) + " tasks for a batch of " +
                                  std::to_string(batch) + " (the create was processed; its tasks are not used)";
            tasks.clear();
        }
        return tasks;
    }
};
// A get-result's: the reply must be about the task asked for (`task_id`), and a completed
// task must name its image by an http(s) URL; otherwise bad_response, and the result is not
// used (a reply about another task would have its image saved under this task's name).
struct decode_result {
    std::string task_id;  // the task asked for
    image_result operator()(std::string& body, error_code& ec, diagnostics& diag) const
    {
        image_result r = decode_result_response(body, ec, diag);
        if (ec) return r;
        if (r.id != task_id) {
            ec = make_error_code(error::bad_response);
            diag.client_message = "data._id: the reply to the poll of task " + quote_task_id(task_id) +
                                  " is about task " + quote_task_id(r.id);
            return image_result{};
        }
        url_view parts;
        const url_refusal why =
            r.status == image_status::completed ? check_http_url(r.image_url, parts) : url_refusal::none;
        if (why != url_refusal::none) {
            ec = make_error_code(error::bad_response);
            diag.client_message = refused_url_message(
                "data.image: task " + quote_task_id(task_id) + " is completed (status 3) but its image URL",
                r.image_url, why);
            return image_result{};
        }
        return r;
    }
};
struct decode_token {
    std::string operator()(std::string& body, error_code& ec, diagnostics& diag) const
    {
        return decode_token_response(body, ec, diag);
    }
};
// True for the exchanges whose request carries the client's credentials, and that may get a
// new token and be sent again when the service refuses them (client_options::credentials).
template <class Decode>
inline constexpr bool renews_token = std::is_same_v<Decode, decode_create> || std::is_same_v<Decode, decode_result>;

// Replaces the credentials header of `req` (built by add_common_headers) with the bearer `token`.
inline void set_bearer_token(http_request& req, const std::string& token)
{
    for (auto it = req.headers.begin(); it != req.headers.end();)
        if (ascii_iequals(it->name, "authorization") || ascii_iequals(it->name, "x-api-key"))
            it = req.headers.erase(it);
        else
            ++it;
    req.headers.insert(req.headers.begin(), bearer_header(token));
}

// Clears what one attempt of an exchange reports, keeping the operation's context
// (validation findings, task id).
inline void reset_attempt(diagnostics& d)
{
    d.api_code = 0;
    d.server_message.clear();
    d.http_status = 0;
    d.retry_after.reset();
    d.client_message.clear();
}

// Classifies a transport outcome (the exchange algorithm's step after a send): true when the
// reply is a 200 whose body the operation's decoder (json.hpp) then reads; false with `ec` and
// `diag` set otherwise. A failure of a request that is not replay-safe after bytes may have
// been sent becomes error::outcome_unknown: the caller must not resend it blindly. Without
// `api_envelope` (an image host's reply), a body other than a 200's is not read for an Akool
// API code: a status other than 200 is error::http_status.
inline bool classify_reply(const error_code& transport_ec, const http_response& resp, bool replay_safe,
                           error_code& ec, diagnostics& diag, bool api_envelope = true)
{
    if (transport_ec) {
        diag.client_message = resp.failure_detail.empty() ? transport_ec.message() : resp.failure_detail;
        if (transport_ec == boost::system::errc::operation_canceled && !replay_safe && resp.maybe_sent) {
            // Abandoned (terminal cancellation) after its bytes may have left: what became of
            // it is unknown, as after a lost connection.
            ec = make_error_code(error::outcome_unknown);
            diag.client_message += " (cancelled after the request was sent: it may have been processed and charged, "
                                   "and was not resent)";
        } else if (transport_ec == boost::system::errc::operation_canceled) {
            ec = transport_ec;
        } else if (!replay_safe && resp.maybe_sent) {
            ec = make_error_code(error::outcome_unknown);  // decide_retry says it was not resent
        } else {
            ec = transport_ec;
        }
        return false;
    }
    diag.http_status = resp.status;
    if (resp.status != 200) {
        int code = 0;
        std::string msg;
        if (auto ra = resp.header("Retry-After"); !ra.empty()) diag.retry_after = parse_retry_after(ra);
        if (api_envelope && peek_api_code(resp.body, code, msg) && code != api_success_code) {
            ec = make_api_error(code);
            diag.api_code = code;
            diag.server_message = std::move(msg);
        } else {
            ec = make_error_code(error::http_status);
            diag.client_message = "the server answered HTTP " + std::to_string(resp.status);
        }
        return false;
    }
    return true;
}

} // namespace detail
} // namespace akool

#endif
