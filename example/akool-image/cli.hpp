// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_IMAGE_CLI_HPP
#define AKOOL_IMAGE_CLI_HPP

/// @file cli.hpp
/// The pure parts of `akool-image`: argument parsing (by hand, no dependency), building the
/// request, exit codes, messages and the JSON lines. No I/O here.

#include <akool/beast_transport_options.hpp>
#include <akool/client_options.hpp>
#include <akool/diagnostics.hpp>
#include <akool/error.hpp>
#include <akool/model.hpp>
#include <akool/workflow.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>
#include <boost/system/errc.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace akool_cli {

/// Exit codes of the tool.
inline constexpr int exit_ok = 0;
inline constexpr int exit_other = 1;    ///< anything else (bad reply, file system, ...)
inline constexpr int exit_invalid = 2;  ///< invalid input: arguments, configuration, validation; nothing sent
inline constexpr int exit_refused = 3;  ///< the service refused (code other than 1000) or a generation failed
inline constexpr int exit_network = 4;  ///< network, TLS or timeout

inline const char* const usage =
    "usage:\n"
    "  akool-image generate --prompt TEXT [options]   create images, wait, save them\n"
    "  akool-image status ID... [--json]              show the state of tasks\n"
    "  akool-image wait ID... [--out DIR] [--json]    wait for tasks (and save the images)\n"
    "  akool-image webhook decode [--max-age S]       check and decrypt a callback read on stdin\n"
    "  akool-image batch MANIFEST --out DIR [...]     a manifest of requests, resumable after a\n"
    "                                                 crash (akool-image batch --help)\n"
    "\n"
    "generate options:\n"
    "  --prompt TEXT         what to draw (required)\n"
    "  --negative TEXT       what to leave out (negative_prompt)\n"
    "  --scale R             1:1 3:2 4:3 16:9 2:3 3:4 9:16, or Original (image to image)\n"
    "  --resolution R        1080p or 4k (the service's default: 4k)\n"
    "  --count N             images to make, 1 to 4 (each is charged)\n"
    "  --model NAME          model_name (default: chosen by the service from --source)\n"
    "  --source URL          source image for image to image (repeatable; the service uses the first)\n"
    "  --similar X           0 to 1, closeness to the source (image to image)\n"
    "  --webhook URL         callback URL for the result\n"
    "  --out DIR             where to save the images (default: current directory)\n"
    "  --no-wait             print the task ids and exit\n"
    "  --dry-run             validate and print the JSON body; send nothing\n"
    "options of generate, status and wait (batch takes --json and --max-retry-after, see\n"
    "akool-image batch --help; webhook decode none of them):\n"
    "  --json                one JSON object per line on stdout\n"
    "  --timeout SECONDS     give up after this long (default 900)\n"
    "  --max-retry-after S   the longest Retry-After (429, 503) waited for before a retry\n"
    "                        (default 60); a longer one is reported at once\n"
    "  --verbose             one line per HTTP exchange (each attempt) on stderr: method, host,\n"
    "                        path (no query string), status, API code, attempt, time, bytes, retry\n"
    "  --help                this text\n"
    "\n"
    "environment:\n"
    "  AKOOL_API_KEY or AKOOL_TOKEN   credentials (the token wins when both are set)\n"
    "  AKOOL_BASE_URL                 default https://openapi.akool.com\n"
    "  AKOOL_CA_FILE                  PEM file of trusted CAs instead of the system store\n"
    "  AKOOL_RESOLVE                  HOST:PORT:ADDRESS[,ADDRESS...] (space separated; PORT *:\n"
    "                                 any; IPv6 in brackets): addresses used for a host instead\n"
    "                                 of DNS, as curl's --resolve (TLS still checks HOST); an\n"
    "                                 API host given a private address downloads from one too\n"
    "  AKOOL_DOWNLOAD_ADDRESSES       where image downloads may connect: unset, public addresses\n"
    "                                 unless the API is on a private one; public: public only;\n"
    "                                 any: any address (an image host on a private network)\n"
    "  HTTPS_PROXY, http_proxy        http://[user:password@]host[:port] proxy of https:// and\n"
    "                                 http:// URLs (https through a CONNECT tunnel), as curl\n"
    "                                 (which ignores HTTP_PROXY in upper case)\n"
    "  NO_PROXY                       hosts reached directly: host names, domain suffixes (a\n"
    "                                 leading dot is ignored), addresses, optional :port, or *;\n"
    "                                 the lower-case form of each variable wins\n"
    "  AKOOL_CLIENT_ID, AKOOL_CLIENT_SECRET   the account's client id and secret: without a key\n"
    "                                 or token the tool gets a token with them, and a new one\n"
    "                                 when it expires (1101); webhook decode: the id (16\n"
    "                                 characters, the AES IV) and secret (16, 24 or 32: AES-128,\n"
    "                                 192 or 256); --max-age 0 skips the age check\n"
    "\n"
    "exit codes: 0 done; 2 invalid input (nothing sent); 3 refused by the service or the\n"
    "generation failed; 4 network, TLS or timeout; 1 anything else; 130 or 143 interrupted by\n"
    "SIGINT or SIGTERM (what was under way is cancelled, no partial file is left; a second\n"
    "signal ends the tool at once). The reason is one line on stderr. When some images of a batch fail, every saved one is still reported (\"saved\n"
    "PATH\", or a \"saved\" event) and every failure too (a line on stderr; with --json an\n"
    "\"error\" event); the exit code is the first failure's. Task ids other than 1 to 64\n"
    "characters of A-Z a-z 0-9 _ - (or a Windows device name such as NUL) are never used as\n"
    "file names, nor two ids that differ only in letter case. Output that cannot be written\n"
    "(stdout on a full disk or a closed pipe) does not stop the work; the tool then exits 1, or\n"
    "with its failure's code, saying so on stderr.\n";

enum class command { generate, status, wait };

/// The parsed command line. Request fields stay text until `build_request`.
struct options {
    command cmd = command::generate;
    std::string prompt;
    std::optional<std::string> negative, model, webhook, scale, resolution, count, similar;
    std::vector<std::string> sources;
    std::string out_dir = ".";
    bool out_dir_given = false;
    bool no_wait = false;
    bool dry_run = false;
    bool json = false;
    bool verbose = false;
    double timeout_seconds = 900;
    std::chrono::milliseconds timeout{900000};
    std::optional<std::chrono::seconds> max_retry_after;  ///< unset: the library's default
    std::vector<std::string> ids;
};

enum class parse_result { ok, help, error };

namespace detail {

inline bool parse_double(const std::string& text, double& out)
{
    if (text.empty()) return false;
    errno = 0;
    char* end = nullptr;
    out = std::strtod(text.c_str(), &end);
    return end == text.c_str() + text.size() && errno != ERANGE;
}

inline bool parse_int(const std::string& text, int& out)
{
    if (text.empty()) return false;
    errno = 0;
    char* end = nullptr;
    long v = std::strtol(text.c_str(), &end, 10);
    if (end != text.c_str() + text.size() || errno == ERANGE || v < -1000000 || v > 1000000) return false;
    out = static_cast<int>(v);
    return true;
}

/// The value of `--max-retry-after` (generate, status, wait and batch): a whole number of
/// seconds from 0 to 604800 (a week). False, with `message`, otherwise.
inline bool parse_max_retry_after(const std::string& text, std::optional<std::chrono::seconds>& out,
                                  std::string& message)
{
    int seconds = 0;
    if (!parse_int(text, seconds) || seconds < 0 || seconds > 86400 * 7) {
        message = "--max-retry-after: not a whole number of seconds from 0 to 604800: '" + text + "'";
        return false;
    }
    out = std::chrono::seconds(seconds);
    return true;
}

/// Splits `--name=value` into `arg` = "--name" and the returned value; nullopt otherwise.
inline std::optional<std::string> split_inline_value(std::string& arg)
{
    if (arg.size() <= 2 || arg.compare(0, 2, "--") != 0) return std::nullopt;
    auto eq = arg.find('=');
    if (eq == std::string::npos) return std::nullopt;
    std::string value = arg.substr(eq + 1);
    arg.resize(eq);
    return value;
}

/// True when the argument after an option that takes a value is another option ("--x"), not
/// its value: `--prompt --dry-run` must not send "--dry-run" as the prompt. A value that starts
/// with "--" goes inline (`--prompt=--x`); a negative number ("-0.5") is still a value.
inline bool is_option(const std::string& arg) { return arg.compare(0, 2, "--") == 0; }

/// The message for option `arg` given no value (`next`: the argument after it, if any).
inline std::string needs_a_value(const std::string& arg, const std::string* next)
{
    std::string m = arg + " needs a value";
    if (next) m += " (" + *next + " is an option; a value that starts with -- goes inline: " + arg + "=VALUE)";
    return m;
}

/// Sets a flag option `arg` (no value allowed): false, with `message`, when it had one.
inline bool set_flag(const std::string& arg, const std::optional<std::string>& inline_value, bool& target,
                     std::string& message)
{
    if (inline_value) {
        message = arg + " takes no value";
        return false;
    }
    target = true;
    return true;
}

} // namespace detail

/// Parses AKOOL_RESOLVE into `out`: entries `HOST:PORT:ADDRESS[,ADDRESS...]` separated by
/// spaces, as curl's --resolve (PORT `*`: every port; an IPv6 address in brackets). False,
/// with `message` naming the entry, when one is malformed.
inline bool parse_resolve(std::string_view text, std::vector<akool::host_addresses>& out, std::string& message)
{
    std::size_t pos = 0;
    while (pos < text.size()) {
        if (text[pos] == ' ') {
            ++pos;
            continue;
        }
        const std::size_t end = std::min(text.find(' ', pos), text.size());
        const std::string entry(text.substr(pos, end - pos));
        pos = end;
        const std::size_t c1 = entry.find(':');
        const std::size_t c2 = c1 == std::string::npos ? c1 : entry.find(':', c1 + 1);
        akool::host_addresses h;
        int port = 0;
        const std::string port_text = c2 == std::string::npos ? "" : entry.substr(c1 + 1, c2 - c1 - 1);
        if (c2 == std::string::npos || c1 == 0 || c2 + 1 == entry.size() ||
            (port_text != "*" && (!detail::parse_int(port_text, port) || port < 1 || port > 65535))) {
            message = "AKOOL_RESOLVE: '" + entry + "' is not HOST:PORT:ADDRESS[,ADDRESS...]";
            return false;
        }
        h.host = entry.substr(0, c1);
        h.port = static_cast<std::uint16_t>(port);
        std::string_view list = std::string_view(entry).substr(c2 + 1);
        while (!list.empty()) {
            std::string_view a = list.substr(0, list.find(','));
            list.remove_prefix(std::min(list.size(), a.size() + 1));
            if (a.size() > 2 && a.front() == '[' && a.back() == ']') a = a.substr(1, a.size() - 2);
            boost::system::error_code ec;
            boost::asio::ip::make_address(std::string(a), ec);
            if (ec) {
                message = "AKOOL_RESOLVE: '" + std::string(a) + "' in '" + entry + "' is not an IP address";
                return false;
            }
            h.addresses.emplace_back(a);
        }
        out.push_back(std::move(h));
    }
    return true;
}

/// Parses AKOOL_DOWNLOAD_ADDRESSES into `out`: `public` (public addresses only, wherever the
/// API is) or `any`; empty leaves `out` as it is (like the API). False, with `message`,
/// for anything else.
inline bool parse_download_addresses(std::string_view text, akool::download_addresses& out, std::string& message)
{
    if (text.empty()) return true;
    if (text == "public") {
        out = akool::download_addresses::public_only;
    } else if (text == "any") {
        out = akool::download_addresses::any;
    } else {
        message =
            "AKOOL_DOWNLOAD_ADDRESSES: " + akool::detail::quote_printable(text, 64) + " is neither public nor any";
        return false;
    }
    return true;
}

/// Parses `argv`. On `error`, `message` says what is wrong.
inline parse_result parse(int argc, char** argv, options& o, std::string& message)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && args[0] == "help") return parse_result::help;
    for (const auto& a : args)
        if (a == "--help" || a == "-h") return parse_result::help;
    if (args.empty()) {
        message = "missing command: generate, status, wait, webhook or batch";
        return parse_result::error;
    }
    if (args[0] == "generate")
        o.cmd = command::generate;
    else if (args[0] == "status")
        o.cmd = command::status;
    else if (args[0] == "wait")
        o.cmd = command::wait;
    else {
        message = "unknown command '" + args[0] + "': use generate, status, wait, webhook or batch";
        return parse_result::error;
    }
    const bool gen = o.cmd == command::generate;
    bool prompt_given = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
        std::string arg = args[i];
        std::optional<std::string> inline_value = detail::split_inline_value(arg);
        if (arg.empty() || arg[0] != '-' || arg == "-") {
            if (gen) {
                message = "unexpected argument '" + arg + "' (the prompt goes after --prompt)";
                return parse_result::error;
            }
            o.ids.push_back(arg);
            continue;
        }
        auto flag = [&](bool& target) { return detail::set_flag(arg, inline_value, target, message); };
        auto value = [&](std::string& target) {
            if (inline_value) {
                target = *inline_value;
                return true;
            }
            if (i + 1 >= args.size() || detail::is_option(args[i + 1])) {
                message = detail::needs_a_value(arg, i + 1 < args.size() ? &args[i + 1] : nullptr);
                return false;
            }
            target = args[++i];
            return true;
        };
        auto opt_value = [&](std::optional<std::string>& target) {
            std::string v;
            if (!value(v)) return false;
            target = std::move(v);
            return true;
        };
        bool ok = true;
        if (arg == "--json")
            ok = flag(o.json);
        else if (arg == "--verbose")
            ok = flag(o.verbose);
        else if (arg == "--timeout") {
            std::string v;
            ok = value(v);
            if (ok && (!detail::parse_double(v, o.timeout_seconds) || !std::isfinite(o.timeout_seconds) ||
                       o.timeout_seconds <= 0 || o.timeout_seconds > 86400 * 7)) {
                message = "--timeout: not a number of seconds above 0: '" + v + "'";
                return parse_result::error;
            }
            o.timeout = std::chrono::milliseconds(static_cast<long long>(std::ceil(o.timeout_seconds * 1000)));
        } else if (arg == "--max-retry-after") {
            std::string v;
            ok = value(v) && detail::parse_max_retry_after(v, o.max_retry_after, message);
        } else if (arg == "--out" && o.cmd != command::status) {
            ok = value(o.out_dir);
            o.out_dir_given = true;
            if (ok && o.out_dir.empty()) {
                message = "--out: empty directory name";
                return parse_result::error;
            }
        } else if (gen && arg == "--prompt") {
            ok = value(o.prompt);
            prompt_given = true;
        } else if (gen && arg == "--negative")
            ok = opt_value(o.negative);
        else if (gen && arg == "--scale")
            ok = opt_value(o.scale);
        else if (gen && arg == "--resolution")
            ok = opt_value(o.resolution);
        else if (gen && arg == "--count")
            ok = opt_value(o.count);
        else if (gen && arg == "--model")
            ok = opt_value(o.model);
        else if (gen && arg == "--similar")
            ok = opt_value(o.similar);
        else if (gen && arg == "--webhook")
            ok = opt_value(o.webhook);
        else if (gen && arg == "--source") {
            std::string v;
            ok = value(v);
            if (ok) o.sources.push_back(std::move(v));
        } else if (gen && arg == "--no-wait")
            ok = flag(o.no_wait);
        else if (gen && arg == "--dry-run")
            ok = flag(o.dry_run);
        else {
            message = "unknown option " + arg + " for " + args[0];
            return parse_result::error;
        }
        if (!ok) return parse_result::error;
    }
    if (gen && !prompt_given) {
        message = "--prompt is required";
        return parse_result::error;
    }
    if (!gen && o.ids.empty()) {
        message = args[0] + " needs at least one task id";
        return parse_result::error;
    }
    return parse_result::ok;
}

/// Builds the request from the parsed options. Only the conversions from text happen here
/// (a scale that is not one of the documented spellings, a count that is not an integer); the
/// value rules are the library validator's. Returns false with `message` set on a bad value.
inline bool build_request(const options& o, akool::image_request& req, std::string& message)
{
    req = akool::image_request{};
    req.prompt = o.prompt;
    req.negative_prompt = o.negative;
    req.model_name = o.model;
    req.webhook_url = o.webhook;
    req.source_images = o.sources;
    if (o.scale) {
        req.scale = akool::parse_scale(*o.scale);
        if (!req.scale) {
            message = "invalid request: scale: '" + *o.scale +
                      "' is not one of 1:1, 3:2, 4:3, 16:9, 2:3, 3:4, 9:16, Original";
            return false;
        }
    }
    if (o.resolution) {
        req.resolution = akool::parse_resolution(*o.resolution);
        if (!req.resolution) {
            message = "invalid request: resolution: '" + *o.resolution + "' is not 1080p or 4k";
            return false;
        }
    }
    if (o.count) {
        int n = 0;
        if (!detail::parse_int(*o.count, n)) {
            message = "invalid request: batch_quantity: '" + *o.count + "' is not an integer";
            return false;
        }
        req.batch_quantity = n;
    }
    if (o.similar) {
        double x = 0;
        if (!detail::parse_double(*o.similar, x)) {
            message = "invalid request: similar: '" + *o.similar + "' is not a number";
            return false;
        }
        req.similar = x;
    }
    return true;
}

/// Every blocking finding, as "field: message; field: message".
inline std::string join_errors(const std::vector<akool::validation_issue>& issues)
{
    std::string out;
    for (const auto& i : issues) {
        if (i.severity != akool::severity::error) continue;
        if (!out.empty()) out += "; ";
        out += i.field + ": " + i.message;
    }
    return out;
}

/// True for a local file system failure (writing the image), as opposed to a network one.
inline bool is_file_error(const akool::error_code& ec) noexcept
{
    namespace errc = boost::system::errc;
    if (ec.category() != boost::system::generic_category() && ec.category() != boost::system::system_category())
        return false;
    return ec == errc::permission_denied || ec == errc::read_only_file_system || ec == errc::no_space_on_device ||
           ec == errc::no_such_file_or_directory || ec == errc::is_a_directory || ec == errc::not_a_directory ||
           ec == errc::file_exists || ec == errc::file_too_large || ec == errc::too_many_files_open ||
           ec == errc::io_error || ec == errc::filename_too_long;
}

/// The exit code for an operation's failure.
inline int exit_code_for(const akool::error_code& ec, const akool::diagnostics& diag) noexcept
{
    using akool::error;
    if (!ec) return exit_ok;
    if (ec == error::validation_failed) return exit_invalid;
    const bool answered = ec == error::http_status || ec == error::unexpected_api_code || akool::is_api_error(ec);
    if (answered && diag.http_status != 0 && diag.http_status != 200) {
        // The HTTP status decides, whatever envelope the body carried.
        int s = diag.http_status;
        return (s == 408 || s == 429 || s >= 500) ? exit_network : exit_refused;
    }
    if (ec == error::generation_failed || answered) return exit_refused;
    if (ec == error::timeout || ec == error::request_not_sent || ec == error::outcome_unknown ||
        ec == error::proxy_refused)
        return exit_network;
    if (ec.category() == akool::get_error_category()) return exit_other;
    if (is_file_error(ec)) return exit_other;
    if (ec == boost::asio::error::operation_aborted) return exit_other;
    std::string_view cat = ec.category().name();
    if (cat == "system" || cat == "generic" || cat == "asio.netdb" || cat == "asio.addrinfo" || cat == "asio.misc" ||
        cat.substr(0, 8) == "asio.ssl" || cat.substr(0, 5) == "beast")
        return exit_network;
    return exit_other;
}

/// The error's message and the diagnostics' summary, in one line.
inline std::string describe(const akool::error_code& ec, const akool::diagnostics& diag)
{
    if (ec == akool::error::validation_failed) return "invalid request: " + join_errors(diag.issues);
    std::string out = ec.message();
    std::string more = diag.summary();
    if (!more.empty()) out += " (" + more + ")";
    if (akool::is_api_error(ec) && akool::needs_top_up(ec.value()))
        out += "; top up the account's credit on akool.com, then run again";
    if (ec == akool::error::address_not_allowed)
        out += "; if the image host is one you trust, AKOOL_DOWNLOAD_ADDRESSES=any allows it";
    return out;
}

/// The `--verbose` line of one exchange attempt (without the "akool-image: " prefix):
/// `exchange GET host /path status=200 code=0 attempt=1 ms=12.3 sent=0 received=345 retry=no`,
/// then `retry=500ms` when another attempt follows, and `error=...` on failure. The record
/// holds no credential and no query string.
inline std::string exchange_line(const akool::exchange_record& r)
{
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.1f", static_cast<double>(r.duration.count()) / 1000.0);
    std::string s = "exchange " + std::string(r.method) + " " + std::string(r.host) + " " + std::string(r.path) +
                    " status=" + std::to_string(r.http_status) + " code=" + std::to_string(r.api_code) +
                    " attempt=" + std::to_string(r.attempt) + " ms=" + ms + " sent=" + std::to_string(r.bytes_sent) +
                    " received=" + std::to_string(r.bytes_received) +
                    " retry=" + (r.will_retry ? std::to_string(r.retry_delay.count()) + "ms" : std::string("no"));
    if (r.ec) s += " error=" + r.ec.message();
    return s;
}

/// When a download's progress is worth showing: its first event, every 10 % (total known)
/// or every MiB (total unknown), and its end. One per download.
class download_meter {
public:
    /// True when the event (`received` bytes of `total`, 0 when unknown) is to be shown.
    bool should_show(std::uint64_t received, std::uint64_t total) noexcept
    {
        const std::uint64_t step = total ? percent(received, total) / 10 : received >> 20;
        const bool show = !shown_ || step != last_step_ || (total && received >= total);
        shown_ = true;
        last_step_ = step;
        return show;
    }
    /// `received` as a percentage of `total` (0 to 100).
    static std::uint64_t percent(std::uint64_t received, std::uint64_t total) noexcept
    {
        return total ? std::min<std::uint64_t>(100, received * 100 / total) : 0;
    }

private:
    bool shown_ = false;
    std::uint64_t last_step_ = 0;
};

/// The progress of a download as text: "45% [#########...........] 12345 of 27000 bytes" (the
/// bar with `bar` true), "12345 bytes" when the total is unknown.
inline std::string download_text(std::uint64_t received, std::uint64_t total, bool bar)
{
    if (!total) return std::to_string(received) + " bytes";
    const std::uint64_t pct = download_meter::percent(received, total);
    std::string s = std::to_string(pct) + "%";
    if (bar) {
        const std::size_t filled = static_cast<std::size_t>(pct / 5);
        s += " [" + std::string(filled, '#') + std::string(20 - filled, '.') + "]";
    }
    return s + " " + std::to_string(received) + " of " + std::to_string(total) + " bytes";
}

/// `{"event":"download","task_id":...,"index":...,"received":...,"total":...}` (total null
/// when unknown).
inline boost::json::object download_object(const std::string& id, std::size_t index, std::uint64_t received,
                                           std::uint64_t total)
{
    boost::json::object o;
    o["event"] = "download";
    o["task_id"] = id;
    o["index"] = index;
    o["received"] = received;
    if (total)
        o["total"] = total;
    else
        o["total"] = nullptr;
    return o;
}

/// `o` as one line of JSON for a terminal or a log: Boost.JSON's text, with what it leaves
/// raw inside strings escaped as \uNNNN too: DEL, the C1 controls (some terminals obey them),
/// line separators and bidi controls (akool::detail::escaped_code_point, the library's rule).
/// The value read back is the same.
inline std::string json_line(const boost::json::object& o)
{
    const std::string text = boost::json::serialize(o);
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        std::size_t n = akool::detail::utf8_sequence_length(text, i);
        if (n == 0) n = 1;  // Boost.JSON writes valid UTF-8; kept as it is otherwise
        unsigned cp = text[i] == '\x7f' ? 0x7fu : (n > 1 ? akool::detail::escaped_code_point(text, i, n) : 0u);
        if (cp != 0)
            akool::detail::append_u_escape(out, cp);
        else
            out.append(text, i, n);
        i += n;
    }
    return out;
}

/// The credentials in the environment: never printed.
inline std::vector<std::string> secrets_from_env()
{
    std::vector<std::string> out;
    for (const char* name : {"AKOOL_API_KEY", "AKOOL_TOKEN", "AKOOL_CLIENT_SECRET"}) {
        const char* v = std::getenv(name);
        if (v && *v) out.emplace_back(v);
    }
    // A proxy URL's user:password (messages never carry it; this makes sure).
    for (const char* name : {"https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"}) {
        const char* v = std::getenv(name);
        if (!v) continue;
        std::string_view url(v);
        if (auto scheme = url.find("://"); scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
        auto at = url.rfind('@');
        if (at != std::string_view::npos && at > 0) out.emplace_back(url.substr(0, at));
    }
    return out;
}

/// Secrets shorter than this are not scrubbed: they cannot be told from ordinary text, and
/// replacing them everywhere garbles every message ("1101" with a key "1") and breaks the JSON
/// lines. No credential the service issues is that short, and no message quotes one anyway:
/// the scrub is the second line of defence.
inline constexpr std::size_t min_scrubbed_secret = 8;

/// `text` with every occurrence of a secret (of at least min_scrubbed_secret bytes) replaced
/// by "***".
inline std::string scrub(std::string text, const std::vector<std::string>& secrets)
{
    for (const auto& s : secrets) {
        if (s.size() < min_scrubbed_secret) continue;
        for (std::size_t at = text.find(s); at != std::string::npos; at = text.find(s, at + 3))
            text.replace(at, s.size(), "***");
    }
    return text;
}

/// The name an image is downloaded under before it is named by its content (rename_by_content):
/// `.STEM.download`, hidden and of no image type, so that no file of the user's in the output
/// directory is replaced or moved on the way (helper-44's audit: the image went first to
/// STEM + the URL's extension, replacing a user's fox.jpg, then moved to fox.png).
inline std::string downloading_name(std::string_view stem) { return "." + std::string(stem) + ".download"; }

/// The stem of a name downloading_name gave, else "".
inline std::string stem_of_downloading_name(std::string_view name)
{
    constexpr std::string_view suffix = ".download";
    if (name.size() <= suffix.size() + 1 || name.front() != '.' || name.substr(name.size() - suffix.size()) != suffix)
        return {};
    return std::string(name.substr(1, name.size() - suffix.size() - 1));
}

/// `{"event":"task","task_id":...,"index":...}`
inline boost::json::object task_object(const std::string& id, std::size_t index)
{
    boost::json::object o;
    o["event"] = "task";
    o["task_id"] = id;
    o["index"] = index;
    return o;
}

/// `{"event":"error","task_id":...,"exit_code":...,"reason":...}`
inline boost::json::object error_object(const std::string& id, int code, const std::string& reason)
{
    boost::json::object o;
    o["event"] = "error";
    o["task_id"] = id;
    o["exit_code"] = code;
    o["reason"] = reason;
    return o;
}

/// `{"event":"saved"|"result","task_id":...,"status":...,"url":...[,"path":...]}`
inline boost::json::object result_object(const std::string& id, const akool::image_result& r, const std::string& path)
{
    boost::json::object o;
    o["event"] = path.empty() ? "result" : "saved";
    o["task_id"] = id;
    o["status"] = std::string(akool::to_string(r.status));
    if (!r.image_url.empty()) o["url"] = r.image_url;
    if (!path.empty()) o["path"] = path;
    return o;
}

} // namespace akool_cli

#endif
