// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// akool-image: generate images with Akool's image API from the command line.
//
//   akool-image generate --prompt TEXT [options]   create, wait, download
//   akool-image status ID... [--json]              show the state of tasks
//   akool-image wait ID... [--out DIR] [--json]    wait for tasks, optionally save the images
//   akool-image webhook decode [--max-age S]       verify and decrypt a callback read on stdin
//   akool-image batch MANIFEST --out DIR [...]     a manifest of requests, resumable (batch_command.hpp)
//
// Configuration comes from the environment: AKOOL_API_KEY or AKOOL_TOKEN (or AKOOL_CLIENT_ID
// and AKOOL_CLIENT_SECRET: a token got and renewed by the client), AKOOL_BASE_URL,
// AKOOL_CA_FILE. Exit codes: 0 done, 2 invalid input (nothing sent), 3 refused by the service or
// generation failed, 4 network, TLS or timeout, 1 anything else, 128 + the signal for SIGINT or
// SIGTERM (no partial file left). See `usage` below.

#include "cli.hpp"
#include "webhook_command.hpp"

#include <akool/akool.hpp>
#include <akool/workflow.hpp>
#include <akool/detail/address_policy.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace cli = akool_cli;
using akool::error_code;
using steady = std::chrono::steady_clock;

// ---- output --------------------------------------------------------------------------------

/// Everything the tool prints goes through here, so that no credential can reach the output
/// (all but the --dry-run body, printed as it would be sent).
class printer {
public:
    printer(bool json_mode, std::vector<std::string> secrets)
        : json_(json_mode), secrets_(std::move(secrets)), tty_(::isatty(STDOUT_FILENO) == 1)
    {
    }

    bool json() const noexcept { return json_; }
    bool tty() const noexcept { return tty_; }

    /// A permanent line on stdout (clears the live status line first).
    void line(const std::string& text)
    {
        clear_status();
        out(text + "\n");
    }

    /// One JSON object as one line on stdout.
    void object(const json::object& o) { line(cli::json_line(o)); }

    /// The request body of --dry-run, exactly as it would be sent: not scrubbed, since it holds
    /// no credential (they travel in headers) and a scrubbed copy would differ from the real one.
    void body(const std::string& text)
    {
        clear_status();
        write(text + "\n");
    }

    /// A help text, as it is.
    void help(const char* text) { write(text); }

    /// The one-line reason on stderr.
    void reason(const std::string& text)
    {
        clear_status();
        std::string s = cli::scrub("akool-image: " + text, secrets_);
        for (char& c : s)
            if (c == '\n' || c == '\r') c = ' ';
        s += "\n";
        std::fputs(s.c_str(), stderr);
        std::fflush(stderr);
    }

    /// A `--verbose` line on stderr (scrubbed of credentials like every other line).
    void trace(const std::string& text)
    {
        clear_status();
        std::string s = cli::scrub("akool-image: " + text + "\n", secrets_);
        std::fputs(s.c_str(), stderr);
        std::fflush(stderr);
    }

    /// A warning on stderr (validation warnings); never used for the failure reason.
    void warning(const std::string& text)
    {
        clear_status();
        std::string s = cli::scrub("akool-image: warning: " + text + "\n", secrets_);
        std::fputs(s.c_str(), stderr);
        std::fflush(stderr);
    }

    /// Replaces the live status line (terminal only; elsewhere prints a line per change).
    void status(const std::string& text)
    {
        if (!tty_) return line(text);
        out("\r\033[K" + text);
        status_shown_ = true;
    }

    void clear_status()
    {
        if (!status_shown_) return;
        out("\r\033[K");
        status_shown_ = false;
    }

    /// The exit status of a command that ends with `code`: when a line could not be written
    /// to stdout, says so on stderr and never exits 0 (the lines are lost; the command's work
    /// went on without them).
    int exit_status(int code)
    {
        if (lost_errno_ == 0) return code;
        reason(std::string("cannot write to stdout (") + std::strerror(lost_errno_) + "): some lines of output are lost" +
               (code == cli::exit_ok ? "; the work itself was done" : ""));
        return code == cli::exit_ok ? cli::exit_other : code;
    }

private:
    void out(const std::string& text) { write(cli::scrub(text, secrets_)); }

    // A failed write (a full disk, a closed pipe) is remembered, not retried: the command goes
    // on with its work and exit_status reports the lost lines.
    void write(const std::string& text)
    {
        errno = 0;
        if ((std::fputs(text.c_str(), stdout) < 0 || std::fflush(stdout) != 0) && lost_errno_ == 0)
            lost_errno_ = errno != 0 ? errno : EIO;
    }

    int lost_errno_ = 0;
    bool json_;
    std::vector<std::string> secrets_;
    bool tty_;
    bool status_shown_ = false;
};

std::string seconds_text(std::chrono::milliseconds d)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(d.count()) / 1000.0);
    return buf;
}

/// A task id as a line shows it: the service's bytes, escaped and cut (akool::printable); a
/// valid id (1 to 64 of A-Z a-z 0-9 _ -) is shown as it is.
std::string shown_id(std::string_view id) { return akool::printable(id, 64); }

/// The live view of a set of tasks being waited on.
class progress_view {
public:
    progress_view(printer& p, std::size_t count) : p_(p), ids_(count), states_(count), known_(count, false) {}

    void set_id(std::size_t index, const std::string& id)
    {
        if (index >= ids_.size()) return;
        ids_[index] = id;
    }

    /// A status change: the first one of a task announces its id.
    void on_event(const akool::progress_event& ev)
    {
        if (ev.index >= ids_.size()) return;
        if (known_[ev.index] && states_[ev.index] == ev.status) return;  // not a change
        bool first = !known_[ev.index];
        known_[ev.index] = true;
        ids_[ev.index] = ev.task_id;
        states_[ev.index] = ev.status;
        std::string status(akool::to_string(ev.status));
        if (p_.json()) {
            if (first && announce_) p_.object(cli::task_object(ev.task_id, ev.index));
            json::object o;
            o["event"] = "status";
            o["task_id"] = ev.task_id;
            o["index"] = ev.index;
            o["status"] = status;
            o["elapsed_ms"] = ev.elapsed.count();
            p_.object(o);
            return;
        }
        if (first && announce_)
            p_.line("task " + shown_id(ev.task_id) + " (" + std::to_string(ev.index + 1) + " of " +
                    std::to_string(ids_.size()) + ")");
        if (p_.tty())
            render(ev.elapsed);
        else
            p_.line("[" + seconds_text(ev.elapsed) + "] " + shown_id(ev.task_id) + " " + status);
    }

    /// Re-renders the live line (terminal only) with the time elapsed since `start`.
    void tick(steady::time_point start)
    {
        if (p_.json() || !p_.tty()) return;
        render(std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start));
    }

    void announce_ids(bool on) noexcept { announce_ = on; }

    /// A download's progress: a bar on the live line (terminal), else a plain line, or a
    /// "download" event with --json; throttled by cli::download_meter.
    void on_download(std::size_t index, const akool::download_progress& ev, std::chrono::milliseconds elapsed)
    {
        if (index >= ids_.size()) return;
        if (meters_.size() < ids_.size()) meters_.resize(ids_.size());
        const std::uint64_t total = ev.total.value_or(0);
        if (!meters_[index].should_show(ev.received, total)) return;
        if (p_.json()) return p_.object(cli::download_object(ids_[index], index, ev.received, total));
        if (!p_.tty())
            return p_.line("[" + seconds_text(elapsed) + "] " + shown_id(ids_[index]) + " downloading " +
                           cli::download_text(ev.received, total, false));
        // The live line keeps it (the ticks re-render it): a bar for one image, else a percentage.
        if (downloads_.size() < ids_.size()) downloads_.resize(ids_.size());
        downloads_[index] = "downloading " + (ids_.size() == 1 || !total
                                                  ? cli::download_text(ev.received, total, ids_.size() == 1)
                                                  : std::to_string(cli::download_meter::percent(ev.received, total)) + "%");
        render(elapsed);
    }

    /// The index of the task whose image goes to `path` (generate: output_dir/task_id), or
    /// the count of tasks when none.
    std::size_t index_of_file(std::string_view path) const
    {
        const std::string name = std::filesystem::path(std::string(path)).filename().string();
        for (std::size_t i = 0; i < ids_.size(); ++i)
            if (!ids_[i].empty() && ids_[i] == name) return i;
        return ids_.size();
    }

private:
    void render(std::chrono::milliseconds elapsed)
    {
        std::string text = "[" + seconds_text(elapsed) + "] ";
        auto state_of = [&](std::size_t i) {
            if (i < downloads_.size() && !downloads_[i].empty()) return downloads_[i];
            return known_[i] ? std::string(akool::to_string(states_[i])) : std::string("starting");
        };
        if (ids_.size() == 1) {
            text += state_of(0);
        } else {
            bool sep = false;
            for (std::size_t i = 0; i < ids_.size(); ++i) {
                if (sep) text += ", ";
                sep = true;
                text += "#" + std::to_string(i + 1) + " " + state_of(i);
            }
        }
        p_.status(text);
    }

    printer& p_;
    std::vector<std::string> ids_;
    std::vector<akool::image_status> states_;
    std::vector<bool> known_;
    std::vector<cli::download_meter> meters_;
    std::vector<std::string> downloads_;  // the live line's download progress, per task
    bool announce_ = true;
};

// ---- failures ------------------------------------------------------------------------------

struct failure {
    int code = 0;
    std::string reason;
};

failure failure_of(const char* what, const error_code& ec, const akool::diagnostics& diag, bool deadline_hit,
                   double timeout_s)
{
    failure f;
    if (deadline_hit) {
        f.code = cli::exit_network;
        char buf[64];
        std::snprintf(buf, sizeof buf, "timed out after %g s", timeout_s);
        f.reason = std::string(what) + ": " + buf;
        if (!diag.task_id.empty()) f.reason += " (task " + shown_id(diag.task_id) + ")";
        return f;
    }
    f.code = cli::exit_code_for(ec, diag);
    f.reason = std::string(what) + ": " + cli::describe(ec, diag);
    return f;
}

// ---- environment ---------------------------------------------------------------------------

struct environment {
    akool::client_options client;
    akool::beast_transport_options transport;
    akool::download_options downloads;  // each download's: where it may go
};

/// Where downloads may go. The library judges the API by its URL's words (an address, a local
/// name); here the user may also have said where the API is (AKOOL_RESOLVE): an API given a
/// loopback or private address that way is a test setup, whose image URLs are there too.
/// AKOOL_DOWNLOAD_ADDRESSES, when set, decides instead (read_environment).
akool::download_addresses download_addresses_for(const environment& env)
{
    akool::detail::url_view api;
    if (!akool::detail::split_http_url(env.client.base_url, api)) return akool::download_addresses::like_the_api;
    for (const auto& entry : env.transport.resolve) {
        if (!akool::detail::resolve_entry_matches(entry.host, entry.port, api.host, api.port)) continue;
        for (const auto& address : entry.addresses)
            if (akool::detail::names_a_private_host(address)) return akool::download_addresses::any;
    }
    return akool::download_addresses::like_the_api;
}

/// The proxy variables as curl reads them: HTTPS_PROXY for https:// URLs, http_proxy for
/// http:// ones (each direct when unset or empty), NO_PROXY for the hosts reached directly; the
/// lower-case form of each wins over the upper-case one. HTTP_PROXY in upper case is not read,
/// as curl does not read it: a CGI program's environment gets it from a request's `Proxy:`
/// header ("httpoxy"). False (and `f`) for a proxy URL that is not
/// http://[user:password@]host[:port].
bool read_proxy_environment(akool::beast_transport_options& t, failure& f)
{
    struct variable {
        const char* name;
        std::string value;
    };
    auto get = [](const char* lower, const char* upper) {
        for (const char* n : {lower, upper})
            if (const char* v = n ? std::getenv(n) : nullptr; v && *v) return variable{n, v};
        return variable{lower, ""};
    };
    const variable https = get("https_proxy", "HTTPS_PROXY");
    const variable http = get("http_proxy", nullptr);
    for (const variable* v : {&https, &http}) {
        akool::detail::proxy_parts parts;
        std::string why;
        if (!v->value.empty() && !akool::detail::parse_proxy_url(v->value, parts, why)) {
            f = {cli::exit_invalid, std::string(v->name) + ": " + why};
            return false;
        }
    }
    t.proxy = https.value;
    t.http_proxy = http.value;
    t.no_proxy = get("no_proxy", "NO_PROXY").value;
    return true;
}

/// Reads the configuration; returns false (and sets `f`) when it is unusable.
bool read_environment(environment& env, bool need_credentials, failure& f)
{
    auto get = [](const char* name) {
        const char* v = std::getenv(name);
        return std::string(v ? v : "");
    };
    std::string base = get("AKOOL_BASE_URL");
    if (!base.empty()) env.client.base_url = base;
    env.client.api_key = get("AKOOL_API_KEY");
    env.client.token = get("AKOOL_TOKEN");
    // With the account's client id and secret the client gets (and renews) a token itself.
    std::string id = get("AKOOL_CLIENT_ID"), secret = get("AKOOL_CLIENT_SECRET");
    if (!id.empty() && !secret.empty()) env.client.credentials = akool::client_credentials{id, secret};
    {
        // The client's own check and words (why the URL is refused; never a secret it holds,
        // a client secret set without its id included: helper-50's review).
        akool::client_options shown = env.client;
        if (!secret.empty()) shown.credentials = akool::client_credentials{id, secret};
        akool::error_code ec;
        akool::diagnostics diag;
        if (!akool::detail::check_base_url(shown, ec, diag, "AKOOL_BASE_URL")) {
            f = {cli::exit_invalid, diag.client_message};
            return false;
        }
    }
    if (need_credentials && env.client.api_key.empty() && env.client.token.empty() && !env.client.credentials) {
        f = {cli::exit_invalid,
             "no credentials: set AKOOL_API_KEY (or AKOOL_TOKEN, or AKOOL_CLIENT_ID and AKOOL_CLIENT_SECRET)"};
        return false;
    }
    if (!read_proxy_environment(env.transport, f)) return false;
    {
        std::string bad;
        if (!cli::parse_resolve(get("AKOOL_RESOLVE"), env.transport.resolve, bad)) {
            f = {cli::exit_invalid, bad};
            return false;
        }
        env.downloads.addresses = download_addresses_for(env);
        if (!cli::parse_download_addresses(get("AKOOL_DOWNLOAD_ADDRESSES"), env.downloads.addresses, bad)) {
            f = {cli::exit_invalid, bad};
            return false;
        }
    }
    env.transport.ca_file = get("AKOOL_CA_FILE");
    if (!env.transport.ca_file.empty()) {
        std::FILE* file = std::fopen(env.transport.ca_file.c_str(), "rb");
        if (!file) {
            f = {cli::exit_invalid, "AKOOL_CA_FILE " + env.transport.ca_file + " cannot be read"};
            return false;
        }
        std::fclose(file);
    }
    return true;
}

/// `--max-retry-after`, when given, in the client's retry policy.
void apply_retry_options(akool::client& client, const std::optional<std::chrono::seconds>& max_retry_after)
{
    if (!max_retry_after) return;
    akool::retry_policy r = client.get_retry_policy();
    r.max_retry_after = *max_retry_after;
    client.set_retry_policy(r);
}

/// `--verbose`: each exchange attempt as one line on stderr.
void log_exchanges(environment& env, printer& p, bool verbose)
{
    if (!verbose) return;
    env.client.on_exchange = [&p](const akool::exchange_record& r) { p.trace(cli::exchange_line(r)); };
}

void limit_timeouts(akool::beast_transport_options& t, std::chrono::milliseconds limit)
{
    t.resolve_timeout = std::min(t.resolve_timeout, limit);
    t.connect_timeout = std::min(t.connect_timeout, limit);
    t.handshake_timeout = std::min(t.handshake_timeout, limit);
    t.request_timeout = std::min(t.request_timeout, limit);
}

// The output directory, created when absent (each new directory flushed into its parent, so
// that a batch's journal in it is not lost with it in a power cut) and checked to take new
// files, as generate checks it.
bool prepare_out_dir(const std::string& dir, failure& f)
{
    error_code ec;
    std::string why;
    if (!akool::detail::prepare_output_dir(dir, true, ec, why)) {
        f = {cli::exit_other, why};
        return false;
    }
    return true;
}

// ---- commands ------------------------------------------------------------------------------

/// Names a downloaded image as `generate` names its files: moves `downloaded` (a
/// downloading_name) to `STEM` + the extension its first bytes imply (akool::image_extension;
/// ".png" when they imply none), replacing a file of that name as generate does (the only
/// name that is replaced: the download itself went to a name of its own), and
/// flushes the directory so that a journal that then records the name does not outlive it.
/// Returns the final path, or "" with `why`.
std::string rename_by_content(const std::string& downloaded, const std::string& stem_path, std::string& why)
{
    char head[12];
    std::size_t n = 0;
    if (std::FILE* f = std::fopen(downloaded.c_str(), "rb")) {
        n = std::fread(head, 1, sizeof head, f);
        std::fclose(f);
    }
    const std::string_view ext = akool::image_extension(std::string_view(head, n));
    const std::string to = stem_path + std::string(ext.empty() ? ".png" : ext);
    std::error_code ec;
    std::filesystem::rename(downloaded, to, ec);
    if (ec) {
        why = "cannot rename " + downloaded + " to " + to + ": " + ec.message();
        return {};
    }
    akool::detail::sync_parent_directory(to);
    return to;
}


/// Runs `ioc` until the work is done; a deadline, SIGINT or SIGTERM cancels every registered
/// operation (terminal cancellation: a download's temporary file is removed, a create under
/// way ends in outcome_unknown). A second signal ends the process at once.
class deadline_runner {
public:
    deadline_runner(asio::io_context& ioc, std::chrono::milliseconds limit, std::function<void()> tick)
        : ioc_(ioc), timer_(ioc), ticker_(ioc), signals_(ioc), limit_(limit), tick_(std::move(tick))
    {
    }

    /// A cancellation slot for one operation.
    asio::cancellation_slot slot()
    {
        cancel_.push_back(std::make_unique<asio::cancellation_signal>());
        return cancel_.back()->slot();
    }

    bool expired() const noexcept { return expired_; }
    /// The signal that interrupted the run (SIGINT, SIGTERM), 0 if none.
    int interrupted() const noexcept { return interrupted_; }

    /// Called by an operation's final handler; stops the timers when none is left.
    void done()
    {
        if (--pending_ > 0) return;
        timer_.cancel();
        ticker_.cancel();
        error_code ignored;
        signals_.cancel(ignored);  // the wait is work: run() returns once it is gone
        signals_.clear(ignored);   // the default actions again
    }

    void run(int operations)
    {
        pending_ = operations;
        timer_.expires_after(limit_);
        timer_.async_wait([this](error_code ec) {
            if (ec) return;
            expired_ = true;
            for (auto& s : cancel_) s->emit(asio::cancellation_type::terminal);
            ticker_.cancel();
        });
        error_code sec;  // registered for the run only: outside it, the default actions
        signals_.add(SIGINT, sec);
        signals_.add(SIGTERM, sec);
        signals_.async_wait([this](error_code ec, int sig) {
            if (ec || pending_ <= 0) return;
            interrupted_ = sig;
            error_code ignored;
            signals_.clear(ignored);  // a second signal: the default action, at once
            for (auto& s : cancel_) s->emit(asio::cancellation_type::terminal);
            timer_.cancel();
            ticker_.cancel();
        });
        if (tick_) schedule_tick();
        ioc_.run();
    }

private:
    void schedule_tick()
    {
        ticker_.expires_after(std::chrono::milliseconds(250));
        ticker_.async_wait([this](error_code ec) {
            if (ec || pending_ <= 0 || expired_) return;
            tick_();
            schedule_tick();
        });
    }

    asio::io_context& ioc_;
    asio::steady_timer timer_;
    asio::steady_timer ticker_;
    asio::signal_set signals_;
    std::chrono::milliseconds limit_;
    std::function<void()> tick_;
    std::vector<std::unique_ptr<asio::cancellation_signal>> cancel_;
    int pending_ = 0;
    bool expired_ = false;
    int interrupted_ = 0;
};

int finish(printer& p, const failure& f)
{
    if (f.code != 0) p.reason(f.reason);
    return p.exit_status(f.code);
}

/// Same, after `runner` ran: an interrupted run exits 128 + the signal, as a shell reports
/// a command that a signal ended, saying what the cancelled operation left (its failure).
int finish(printer& p, const failure& f, const deadline_runner& runner)
{
    const int sig = runner.interrupted();
    if (sig == 0) return finish(p, f);
    std::string reason = std::string("interrupted by ") + (sig == SIGINT ? "SIGINT" : "SIGTERM");
    if (f.code != 0) reason += "; " + f.reason;
    return finish(p, {128 + sig, reason});
}

int run_generate(const cli::options& o)
{
    printer p(o.json, cli::secrets_from_env());
    akool::image_request req;
    std::string bad;
    if (!cli::build_request(o, req, bad)) return finish(p, {cli::exit_invalid, bad});

    // The validator decides before anything leaves the machine.
    auto issues = akool::validate(req);
    if (akool::has_errors(issues)) return finish(p, {cli::exit_invalid, "invalid request: " + cli::join_errors(issues)});
    for (const auto& i : issues)
        if (i.severity == akool::severity::warning) p.warning(i.field + ": " + i.message);

    if (o.dry_run) {
        p.body(akool::encode_image_request(req));
        return p.exit_status(cli::exit_ok);
    }

    environment env;
    failure f;
    if (!read_environment(env, true, f)) return finish(p, f);
    if (!o.no_wait && !prepare_out_dir(o.out_dir, f)) return finish(p, f);
    limit_timeouts(env.transport, o.timeout);
    log_exchanges(env, p, o.verbose);

    asio::io_context ioc;
    akool::client client(ioc, env.client, env.transport);
    apply_retry_options(client, o.max_retry_after);
    const int count = akool::image_count(req);
    progress_view view(p, static_cast<std::size_t>(count));
    const auto start = steady::now();
    deadline_runner runner(ioc, o.timeout, [&] { view.tick(start); });
    akool::diagnostics diag;

    if (o.no_wait) {
        client.async_create(req, diag,
                            asio::bind_cancellation_slot(runner.slot(), [&](error_code ec, std::vector<akool::image_task> tasks) {
                                runner.done();
                                if (ec) {
                                    f = failure_of("create", ec, diag, runner.expired(), o.timeout_seconds);
                                    return;
                                }
                                for (std::size_t i = 0; i < tasks.size(); ++i) {
                                    if (p.json()) {
                                        auto obj = cli::task_object(tasks[i].id, i);
                                        obj["status"] = std::string(akool::to_string(tasks[i].status));
                                        p.object(obj);
                                    } else {
                                        p.line("task " + shown_id(tasks[i].id) + " (" + std::to_string(i + 1) + " of " +
                                               std::to_string(tasks.size()) + ") " +
                                               std::string(akool::to_string(tasks[i].status)));
                                    }
                                }
                            }));
        runner.run(1);
        return finish(p, f, runner);
    }

    akool::generate_options gopts;
    gopts.output_dir = o.out_dir;
    gopts.download = true;
    gopts.wait.deadline = o.timeout;
    gopts.wait.on_progress = [&view](const akool::progress_event& ev) { view.on_event(ev); };
    gopts.download_limits = env.downloads;
    gopts.download_limits.on_progress = [&view, start](const akool::download_progress& ev) {
        view.on_download(view.index_of_file(ev.path), ev,
                         std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start));
    };
    if (!p.json()) p.status("[0.0s] creating " + std::to_string(count) + (count == 1 ? " image" : " images"));

    client.async_generate(
        req, gopts, diag,
        asio::bind_cancellation_slot(runner.slot(), [&](error_code ec, std::vector<akool::generated_image> images) {
            runner.done();
            p.clear_status();
            // Every saved image is reported, failure or not: a batch's paid images expire in 7 days.
            for (std::size_t i = 0; i < images.size(); ++i) {
                const auto& img = images[i];
                if (img.file_path.empty()) continue;
                if (p.json()) {
                    json::object obj;
                    obj["event"] = "saved";
                    obj["task_id"] = img.task.id;
                    obj["index"] = i;
                    obj["status"] = std::string(akool::to_string(img.result.status));
                    obj["url"] = img.result.image_url;
                    obj["path"] = img.file_path;
                    p.object(obj);
                } else {
                    p.line("saved " + img.file_path);
                }
            }
            if (!ec) return;
            f = failure_of("generate", ec, diag, runner.expired(), o.timeout_seconds);
            // Every failed task with its reason; the first one (f) ends the run as its reason.
            bool per_task = false;
            for (std::size_t i = 0; i < images.size(); ++i) {
                const auto& img = images[i];
                if (!img.ec) continue;
                per_task = true;
                failure e = failure_of("generate", img.ec, img.diag, runner.expired(), o.timeout_seconds);
                if (p.json()) {
                    auto obj = cli::error_object(img.task.id, e.code, e.reason);
                    obj["index"] = i;
                    if (!img.result.image_url.empty()) obj["url"] = img.result.image_url;
                    p.object(obj);
                }
                if (img.ec != ec || img.diag.task_id != diag.task_id) p.reason(e.reason);
            }
            if (p.json() && !per_task) p.object(cli::error_object("", f.code, f.reason));
        }));
    runner.run(1);
    return finish(p, f, runner);
}

int run_status(const cli::options& o)
{
    printer p(o.json, cli::secrets_from_env());
    environment env;
    failure f;
    if (!read_environment(env, true, f)) return finish(p, f);
    limit_timeouts(env.transport, o.timeout);
    log_exchanges(env, p, o.verbose);

    asio::io_context ioc;
    akool::client client(ioc, env.client, env.transport);
    apply_retry_options(client, o.max_retry_after);
    // Every task's state at once, within one --timeout for the whole command (retries and
    // their waits included); printed in the order given.
    struct outcome {
        akool::diagnostics diag;
        error_code ec;
        akool::image_result r;
    };
    std::vector<outcome> outcomes(o.ids.size());
    deadline_runner runner(ioc, o.timeout, {});
    for (std::size_t i = 0; i < o.ids.size(); ++i)
        client.async_get_result(o.ids[i], outcomes[i].diag,
                                asio::bind_cancellation_slot(runner.slot(), [&, i](error_code ec, akool::image_result r) {
                                    outcomes[i].ec = ec;
                                    outcomes[i].r = std::move(r);
                                    runner.done();
                                }));
    if (!o.ids.empty()) runner.run(static_cast<int>(o.ids.size()));
    failure first;
    for (std::size_t i = 0; i < o.ids.size(); ++i) {
        const std::string& id = o.ids[i];
        akool::diagnostics& diag = outcomes[i].diag;
        const error_code ec = outcomes[i].ec;
        const akool::image_result& r = outcomes[i].r;
        if (ec) {
            failure e = failure_of(("status " + id).c_str(), ec, diag, runner.expired(), o.timeout_seconds);
            if (p.json()) p.object(cli::error_object(id, e.code, e.reason));
            if (first.code == 0) first = e;
            else p.reason(e.reason);
            continue;
        }
        if (p.json()) {
            json::object obj;
            obj["event"] = "status";
            obj["task_id"] = r.id.empty() ? id : r.id;
            obj["status"] = std::string(akool::to_string(r.status));
            obj["status_code"] = static_cast<int>(r.status);
            if (!r.image_url.empty()) obj["url"] = r.image_url;
            p.object(obj);
        } else {
            std::string text = id + " " + std::string(akool::to_string(r.status));
            if (!r.image_url.empty()) text += " " + r.image_url;
            p.line(text);
        }
    }
    return finish(p, first, runner);
}

int run_wait(const cli::options& o)
{
    printer p(o.json, cli::secrets_from_env());
    environment env;
    failure f;
    if (o.out_dir_given) {
        // Each id names its own file: ids equal but for letter case name one file on a
        // case-insensitive file system (macOS's, Windows's), where one image would replace the other.
        std::map<std::string, const std::string*> stems;  // file_stem_key -> the id
        for (const auto& id : o.ids) {
            const std::string quoted = akool::detail::quote_task_id(id);
            if (!akool::is_valid_task_id(id))
                return finish(p, {cli::exit_invalid, "wait: the task id " + quoted + " is not " +
                                                         std::string(akool::detail::task_id_rule) +
                                                         "; it cannot name a file in --out"});
            auto [it, fresh] = stems.emplace(akool::file_stem_key(id), &id);
            if (!fresh)
                return finish(p, {cli::exit_invalid,
                                  "wait: the task id " + quoted +
                                      (*it->second == id ? " is given twice"
                                                         : " and " + akool::detail::quote_task_id(*it->second) +
                                                               " differ only in letter case") +
                                      "; with --out they would name one file"});
        }
    }
    if (!read_environment(env, true, f)) return finish(p, f);
    if (!o.out_dir.empty() && o.out_dir_given && !prepare_out_dir(o.out_dir, f)) return finish(p, f);
    limit_timeouts(env.transport, o.timeout);
    log_exchanges(env, p, o.verbose);

    asio::io_context ioc;
    akool::client client(ioc, env.client, env.transport);
    apply_retry_options(client, o.max_retry_after);
    progress_view view(p, o.ids.size());
    view.announce_ids(false);
    for (std::size_t i = 0; i < o.ids.size(); ++i) view.set_id(i, o.ids[i]);
    const auto start = steady::now();
    deadline_runner runner(ioc, o.timeout, [&] { view.tick(start); });

    struct slot_state {
        akool::diagnostics diag;
        failure fail;
        std::string path;
    };
    std::vector<slot_state> states(o.ids.size());

    for (std::size_t i = 0; i < o.ids.size(); ++i) {
        const std::string id = o.ids[i];
        akool::wait_options wopts;
        wopts.deadline = o.timeout;
        wopts.on_progress = [&view, i](akool::progress_event ev) {
            ev.index = i;
            view.on_event(ev);
        };
        client.async_wait(
            id, wopts, states[i].diag,
            asio::bind_cancellation_slot(runner.slot(), [&, i, id](error_code ec, akool::image_result r) {
                auto& st = states[i];
                if (ec) {
                    st.fail = failure_of(("wait " + id).c_str(), ec, st.diag, runner.expired(), o.timeout_seconds);
                    return runner.done();
                }
                if (r.status == akool::image_status::failed) {
                    st.fail = {cli::exit_refused, "wait " + id + ": the generation failed (status 4)"};
                    if (p.json()) p.object(cli::result_object(id, r, ""));
                    return runner.done();
                }
                if (!o.out_dir_given) {
                    if (p.json())
                        p.object(cli::result_object(id, r, ""));
                    else
                        p.line(id + " " + std::string(akool::to_string(r.status)) + " " + r.image_url);
                    return runner.done();
                }
                st.path = (std::filesystem::path(o.out_dir) / cli::downloading_name(id)).string();
                akool::download_options dopts = env.downloads;
                dopts.on_progress = [&view, i, start](const akool::download_progress& ev) {
                    view.on_download(i, ev, std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start));
                };
                client.async_download_to_file(
                    r.image_url, st.path, std::move(dopts), st.diag,
                    asio::bind_cancellation_slot(runner.slot(), [&, i, id, r](error_code dec, std::uint64_t bytes) {
                        auto& s2 = states[i];
                        if (dec) {
                            s2.fail = failure_of(("download " + id).c_str(), dec, s2.diag, runner.expired(),
                                                 o.timeout_seconds);
                            if (cli::is_file_error(dec)) s2.fail.code = cli::exit_other;
                            return runner.done();
                        }
                        std::string why;
                        s2.path = rename_by_content(s2.path, (std::filesystem::path(o.out_dir) / id).string(), why);
                        if (s2.path.empty()) {
                            s2.fail = {cli::exit_other, "download " + id + ": " + why};
                            return runner.done();
                        }
                        if (p.json()) {
                            auto obj = cli::result_object(id, r, s2.path);
                            obj["bytes"] = bytes;
                            p.object(obj);
                        } else {
                            p.line("saved " + s2.path);
                        }
                        runner.done();
                    }));
            }));
    }
    runner.run(static_cast<int>(o.ids.size()));
    p.clear_status();
    failure first;
    for (std::size_t i = 0; i < states.size(); ++i) {
        const failure& e = states[i].fail;
        if (e.code == 0) continue;
        if (p.json()) p.object(cli::error_object(o.ids[i], e.code, e.reason));
        if (first.code == 0)
            first = e;
        else
            p.reason(e.reason);
    }
    return finish(p, first, runner);
}

} // namespace

#include "batch_command.hpp"

int main(int argc, char** argv)
{
    // A closed stdout (`| head -1`) fails a write instead of killing the process with SIGPIPE
    // (helper-43): the commands go on to save their images and journal, and exit 1 (or their
    // failure's code) saying that lines of output were lost (printer::exit_status).
    std::signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && std::string(argv[1]) == "batch") {
        try {
            return akool_batch::run_batch(argc, argv);
        } catch (const std::exception& e) {
            printer p(false, cli::secrets_from_env());
            p.reason(std::string("unexpected failure: ") + e.what());
            return cli::exit_other;
        }
    }
    if (argc >= 2 && std::string(argv[1]) == "webhook") {
        try {
            return cli::run_webhook(argc, argv, stdin, std::cout, std::cerr);
        } catch (const std::exception& e) {
            printer p(false, cli::secrets_from_env());
            p.reason(std::string("unexpected failure: ") + e.what());
            return cli::exit_other;
        }
    }
    cli::options o;
    std::string error;
    cli::parse_result r = cli::parse(argc, argv, o, error);
    if (r == cli::parse_result::help) {
        printer p(false, {});
        p.help(cli::usage);
        return p.exit_status(cli::exit_ok);
    }
    if (r == cli::parse_result::error) {
        printer p(false, cli::secrets_from_env());
        p.reason(error + " (see akool-image --help)");
        return cli::exit_invalid;
    }
    try {
        switch (o.cmd) {
        case cli::command::generate: return run_generate(o);
        case cli::command::status: return run_status(o);
        case cli::command::wait: return run_wait(o);
        }
    } catch (const std::exception& e) {
        printer p(false, cli::secrets_from_env());
        p.reason(std::string("unexpected failure: ") + e.what());
        return cli::exit_other;
    }
    return cli::exit_other;
}
