// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_IMAGE_BATCH_COMMAND_HPP
#define AKOOL_IMAGE_BATCH_COMMAND_HPP

/// @file batch_command.hpp
/// `akool-image batch`: runs a manifest with one client and one io_context, `--concurrency`
/// lines at once, every step recorded in the journal (akool::batch_journal) and flushed to
/// disk (fdatasync) before the next: before a create is sent, after its reply, after each
/// saved image. Part of main.cpp: included after its helpers (printer, environment,
/// read_environment, prepare_out_dir), which it uses.

#include "batch.hpp"

#include <akool/batch_journal.hpp>
#include <akool/beast_client.hpp>
#include <akool/detail/atomic_file.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace { // main.cpp's helpers live in its unnamed namespace: so does this
namespace akool_batch {

namespace asio = boost::asio;
namespace json = boost::json;
namespace cli = akool_cli;
using akool::error_code;
using steady = std::chrono::steady_clock;

/// The journal's file: locked against a second run, appended to and flushed entry by entry.
class journal_file {
public:
    journal_file() = default;
    journal_file(const journal_file&) = delete;
    journal_file& operator=(const journal_file&) = delete;
    ~journal_file()
    {
        if (fd_ >= 0) ::close(fd_);
    }

    /// Opens (creating) and locks `path`, reading its content into `text`.
    bool open(const std::string& path, std::string& text, std::string& why)
    {
        path_ = path;
        // Only a regular file (or none yet): a FIFO would block the read below for ever, a
        // device such as /dev/zero fill memory without end, and opening some devices acts (a
        // terminal, a watchdog), so they are refused before they are opened; the fstat after
        // the open covers a path replaced in between.
        struct stat st;
        if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) return not_a_regular_file(path, why);
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd_ < 0) return fail("cannot open the journal " + path, why);
        if (::fstat(fd_, &st) != 0) return fail("cannot read the journal " + path, why);
        if (!S_ISREG(st.st_mode)) return not_a_regular_file(path, why);
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK) return fail("cannot lock the journal " + path, why);  // ENOLCK: NFS, ...
            why = "the journal " + path + " is in use by another akool-image batch";
            return false;
        }
        char buf[65536];
        for (;;) {
            ssize_t n = ::read(fd_, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return fail("cannot read the journal " + path, why);
            if (n == 0) break;
            text.append(buf, static_cast<std::size_t>(n));
        }
        return true;
    }

    /// After a failed `open`: the path names something other than a regular file (a FIFO, a
    /// device, a directory), a usage error rather than a failure of the file system.
    bool not_a_file() const noexcept { return not_a_file_; }

    /// Drops everything after `size` bytes (a torn last entry).
    bool truncate(std::size_t size, std::string& why)
    {
        if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return fail("cannot truncate the journal " + path_, why);
        return true;
    }

    /// Appends `data` at the end and flushes it to disk.
    bool append(std::string_view data, std::string& why)
    {
        if (::lseek(fd_, 0, SEEK_END) < 0) return fail("cannot write the journal " + path_, why);
        while (!data.empty()) {
            ssize_t n = ::write(fd_, data.data(), data.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return fail("cannot write the journal " + path_, why);
            data.remove_prefix(static_cast<std::size_t>(n));
        }
        if (::fdatasync(fd_) != 0) return fail("cannot flush the journal " + path_, why);
        // The first entry: the journal's name on disk too (best effort: some file systems
        // refuse it), else a power loss could lose a journal whose creates were sent.
        if (!dir_synced_) akool::detail::sync_parent_directory(path_);
        dir_synced_ = true;
        return true;
    }

private:
    bool not_a_regular_file(const std::string& path, std::string& why)
    {
        why = "the journal " + path + " is not a regular file";
        not_a_file_ = true;
        return false;
    }
    bool fail(const std::string& what, std::string& why)
    {
        why = what + ": " + std::strerror(errno);
        return false;
    }

    int fd_ = -1;
    std::string path_;
    bool dir_synced_ = false;
    bool not_a_file_ = false;
};

/// One batch run.
class runner {
public:
    runner(const cli::batch_options& o, printer& p, asio::io_context& ioc, akool::client& client,
           const cli::manifest& m, akool::batch_journal& journal, journal_file& file,
           const akool::download_options& downloads)
        : o_(o), p_(p), ioc_(ioc), client_(client), m_(m), j_(journal), file_(file), downloads_(downloads),
          ticker_(ioc), signals_(ioc),
          runs_(m.lines.size()), stems_(m.stems), start_(steady::now())
    {
    }

    /// Runs every line to its end; returns the exit code.
    int run()
    {
        // The stems of the tasks the journal knows: saved ones first, as they hold their file.
        for (bool saved : {true, false})
            for (std::size_t i = 0; i < m_.lines.size() && !fatal_; ++i) {
                const auto& tasks = j_.at(line(i).number).tasks;
                for (std::size_t k = 0; k < tasks.size() && !fatal_; ++k)
                    if (tasks[k].saved == saved && !tasks[k].failed) claim_stem(i, k, tasks[k].id);
            }
        if (fatal_) return finish();
        remove_stale_parts();
        for (std::size_t i = 0; i < m_.lines.size(); ++i) {
            const std::size_t n = m_.lines[i].number;
            switch (j_.next(n, o_.resend_unknown)) {
            case akool::line_action::create:
            case akool::line_action::wait: queue_.push_back(i); break;
            case akool::line_action::report_unknown:
                event(i, "unknown", "outcome unknown (may have been charged): " + j_.at(n).reason);
                break;
            case akool::line_action::none: break;
            }
        }
        to_run_ = queue_.size();
        watch_signals();
        start_next();
        if (p_.tty() && !p_.json()) tick();
        if (active_ > 0) ioc_.run();
        p_.clear_status();
        if (interrupted_) {
            // The operations under way are dropped with the io_context, their temporary files
            // removed; the journal holds every create sent, so a rerun resumes.
            p_.reason(std::string("interrupted by ") + (interrupted_ == SIGINT ? "SIGINT" : "SIGTERM") +
                      ": run the same command again to resume");
            return 128 + interrupted_;
        }
        return finish();
    }

private:
    struct line_run {
        std::size_t outstanding = 0;  // waits and downloads of the line still running
        std::string error;            // this run's failure, not journaled (the tasks can be waited on again)
        int code = 0;
        bool active = false;          // in progress: counted as running, whatever the journal says
    };

    const cli::manifest_line& line(std::size_t i) const { return m_.lines[i]; }

    // Removes the temporary files of this job's images that a killed run left (kill -9, a
    // power cut: a download never finished), before anything starts; the journal's lock
    // keeps a second run of the job out. Only names of stems this run claims.
    void remove_stale_parts()
    {
        std::error_code ec;
        std::filesystem::directory_iterator it(o_.out_dir, ec), end;
        for (; !ec && it != end; it.increment(ec)) {
            const std::string stem = cli::stem_of_part_file(it->path().filename().string());
            std::error_code rec;
            if (!stem.empty() && stems_.holds(stem) && std::filesystem::remove(it->path(), rec))
                p_.warning("removed " + it->path().string() + ", the unfinished download of a killed run");
        }
    }

    void start_next()
    {
        while (!fatal_ && active_ < static_cast<std::size_t>(o_.concurrency) && !queue_.empty()) {
            std::size_t i = queue_.front();
            queue_.pop_front();
            ++active_;
            runs_[i].active = true;
            if (j_.next(line(i).number, o_.resend_unknown) == akool::line_action::wait)
                wait_tasks(i);
            else
                create(i);
        }
        if (active_ == 0) {
            ticker_.cancel();
            error_code ignored;
            signals_.cancel(ignored);  // the wait is work: run() returns once it is gone
            signals_.clear(ignored);   // nothing left to stop: the default actions again
        }
    }

    // SIGINT or SIGTERM stops the run where it is (the io_context, at once: no create is
    // started after it); a second one ends the process at once.
    void watch_signals()
    {
        error_code ec;
        signals_.add(SIGINT, ec);
        signals_.add(SIGTERM, ec);
        signals_.async_wait([this](error_code wec, int sig) {
            if (wec) return;
            interrupted_ = sig;
            error_code ignored;
            signals_.clear(ignored);
            fatal_ = true;
            ioc_.stop();
        });
    }

    // Appends `entry` to the journal; on failure stops the batch with the reason, and
    // `lost` (what the journal failed to keep, for the user to keep instead).
    bool record(const std::string& entry, const std::string& lost = {})
    {
        std::string why;
        if (entry.empty())
            why = "internal error: a journal entry out of order";
        else if (file_.append(entry, why))
            return true;
        why += lost;
        if (!fatal_) p_.reason(why);
        fatal_ = true;
        ioc_.stop();
        return false;
    }

    void create(std::size_t i)
    {
        const std::size_t n = line(i).number;
        if (!record(j_.sending(n))) return;  // on disk before a byte is sent
        auto diag = std::make_shared<akool::diagnostics>();
        client_.async_create(line(i).request, *diag, [this, i, n, diag](error_code ec, std::vector<akool::image_task> tasks) {
            if (fatal_) return;
            if (!ec) {
                for (const auto& t : tasks)
                    if (!akool::is_safe_file_stem(t.id)) {
                        ec = akool::error::bad_response;
                        diag->client_message = "a task id is not " + std::string(akool::detail::task_id_rule);
                        break;
                    }
                if (tasks.empty()) {
                    ec = akool::error::bad_response;
                    diag->client_message = "the reply holds no task";
                }
            }
            if (ec) {
                const bool maybe = akool::create_may_have_been_processed(ec, *diag);
                const std::string reason = cli::describe(ec, *diag);
                if (!record(j_.create_failed(n, reason, maybe))) return;
                runs_[i].code = cli::exit_code_for(ec, *diag);
                if (maybe)
                    event(i, "unknown", "outcome unknown (may have been charged): " + reason);
                else
                    fail_line(i, "create: " + reason, runs_[i].code);
                return line_done(i);
            }
            std::vector<std::string> ids;
            std::string listed;
            for (const auto& t : tasks) {
                ids.push_back(t.id);
                listed += (listed.empty() ? "" : ", ") + t.id;
            }
            // The tasks are charged: if the journal cannot say so, the reason does (a rerun
            // finds the line unknown; `akool-image wait ID --out DIR` fetches them).
            if (!record(j_.created(n, ids), "; line " + std::to_string(n) + " was created (charged), its tasks: " +
                                                listed + " (akool-image wait ID... --out DIR saves them)"))
                return;
            progress_ = true;
            if (p_.json()) {
                json::object o = line_object(i, "created");
                json::array a;
                for (const auto& id : ids) a.emplace_back(id);
                o["task_ids"] = std::move(a);
                p_.object(o);
            }
            for (std::size_t k = 0; k < ids.size(); ++k)
                if (!claim_stem(i, k, ids[k]) && fatal_) return;
            wait_tasks(i);
        });
    }

    // The number of images line `i` asked for. A named line's files are named for that many
    // (read_manifest reserved those stems), whatever number of tasks the reply holds.
    std::size_t images_asked(std::size_t i) const
    {
        return static_cast<std::size_t>(std::max(1, akool::image_count(line(i).request)));
    }

    // Gives task `k` of line `i` its output stem: a named line's k-th reserved stem, else the
    // task id. When there is none (a named line's reply holds more tasks than it asked for) or
    // another image holds it (the same id, or one that differs only in letter case), a task not
    // yet saved is recorded as failed and never written, and false is returned. A manifest's
    // names are claimed as it is read.
    bool claim_stem(std::size_t i, std::size_t k, const std::string& id)
    {
        std::string reason;
        if (!line(i).name.empty()) {
            if (k < images_asked(i)) return true;
            reason = "task " + id + ": the reply holds more tasks than the " + std::to_string(images_asked(i)) +
                     " image(s) asked for, and '" + line(i).name +
                     "' names no file for it, so its image was not written (the task exists on the service)";
        } else {
            const cli::stem_claims::holder* other = stems_.claim(id, line(i).number, k);
            if (!other) return true;
            reason = "task " + id + ": its id gives " + cli::stem_claims::describe(id, *other) +
                     ", so its image was not written (the task exists on the service)";
        }
        if (j_.at(line(i).number).tasks[k].saved) return false;  // written by an earlier run: nothing to undo
        if (!record(j_.task_failed(line(i).number, id, reason))) return false;
        fail_line(i, reason, cli::exit_other);
        return false;
    }

    void wait_tasks(std::size_t i)
    {
        const std::size_t n = line(i).number;
        const auto& tasks = j_.at(n).tasks;
        std::vector<std::string> pending = j_.pending_tasks(n);
        runs_[i].outstanding = pending.size();
        if (pending.empty()) return line_done(i);
        for (std::size_t k = 0; k < tasks.size(); ++k) {
            if (std::find(pending.begin(), pending.end(), tasks[k].id) == pending.end()) continue;
            const std::string id = tasks[k].id;
            // Named for the images asked for, not the tasks the reply holds (helper-15's audit: a
            // reply with fewer tasks named line 1's image "cat", another line's file).
            const std::string stem = cli::output_stem(line(i).name, id, k, images_asked(i));
            auto diag = std::make_shared<akool::diagnostics>();
            client_.async_wait(id, akool::wait_options{}, *diag,
                               [this, i, n, id, stem, diag](error_code ec, akool::image_result r) {
                                   if (fatal_) return;
                                   if (ec == akool::error::generation_failed) {
                                       const std::string reason = "task " + id + ": the generation failed (status 4)";
                                       if (!record(j_.task_failed(n, id, reason))) return;
                                       fail_line(i, reason, cli::exit_refused);
                                       return task_done(i);
                                   }
                                   if (ec) {
                                       fail_line(i, "wait " + id + ": " + cli::describe(ec, *diag),
                                                 cli::exit_code_for(ec, *diag));
                                       return task_done(i);
                                   }
                                   download(i, n, id, stem, r);
                               });
        }
    }

    void download(std::size_t i, std::size_t n, const std::string& id, const std::string& stem,
                  const akool::image_result& r)
    {
        std::string path = (std::filesystem::path(o_.out_dir) / cli::downloading_name(stem)).string();
        auto diag = std::make_shared<akool::diagnostics>();
        client_.async_download_to_file(
            r.image_url, path, downloads_, *diag,
            [this, i, n, id, stem, downloaded = path, diag](error_code ec, std::uint64_t) {
                if (fatal_) return;
                if (ec) {
                    int code = cli::is_file_error(ec) ? cli::exit_other : cli::exit_code_for(ec, *diag);
                    fail_line(i, "download " + id + ": " + cli::describe(ec, *diag), code);
                    return task_done(i);
                }
                std::string why;
                const std::string saved_path =
                    rename_by_content(downloaded, (std::filesystem::path(o_.out_dir) / stem).string(), why);
                if (saved_path.empty()) {
                    fail_line(i, "download " + id + ": " + why, cli::exit_other);
                    return task_done(i);
                }
                if (!record(j_.saved(n, id, saved_path))) return;
                progress_ = true;
                ++saved_;
                if (p_.json()) {
                    json::object o = line_object(i, "saved");
                    o["task_id"] = id;
                    o["path"] = saved_path;
                    p_.object(o);
                } else {
                    p_.line("line " + std::to_string(n) + ": saved " + saved_path);
                }
                task_done(i);
            });
    }

    void task_done(std::size_t i)
    {
        if (--runs_[i].outstanding == 0) line_done(i);
    }

    void line_done(std::size_t i)
    {
        runs_[i].active = false;
        --active_;
        ++finished_;
        start_next();
    }

    void fail_line(std::size_t i, const std::string& reason, int code)
    {
        if (runs_[i].error.empty()) {
            runs_[i].error = reason;
            runs_[i].code = code;
        }
        event(i, "failed", reason);
    }

    json::object line_object(std::size_t i, const char* what) const
    {
        json::object o;
        o["event"] = what;
        o["line"] = line(i).number;
        if (!line(i).name.empty()) o["name"] = line(i).name;
        return o;
    }

    void event(std::size_t i, const char* what, const std::string& reason)
    {
        if (p_.json()) {
            json::object o = line_object(i, what);
            o["reason"] = reason;
            p_.object(o);
        } else {
            p_.line("line " + std::to_string(line(i).number) + ": " + reason);
        }
    }

    std::chrono::milliseconds elapsed() const
    {
        return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start_);
    }

    struct tally {
        std::size_t done = 0, failed = 0, unknown = 0;
    };

    tally count() const
    {
        tally t;
        for (std::size_t i = 0; i < m_.lines.size(); ++i) {
            if (runs_[i].active) continue;
            auto s = j_.at(line(i).number).state;
            if (s == akool::line_state::done) ++t.done;
            else if (s == akool::line_state::unknown) ++t.unknown;
            else if (s == akool::line_state::failed || !runs_[i].error.empty()) ++t.failed;
        }
        return t;
    }

    std::string status_text() const
    {
        tally t = count();
        std::string s = "[" + seconds_text(elapsed()) + "] done " + std::to_string(t.done) + ", running " +
                        std::to_string(active_) + ", failed " + std::to_string(t.failed) + ", unknown " +
                        std::to_string(t.unknown) + ", queued " + std::to_string(queue_.size()) + "; " +
                        std::to_string(saved_) + " images saved";
        if (finished_ > 0 && finished_ < to_run_) {
            auto left = elapsed() * static_cast<long>(to_run_ - finished_) / static_cast<long>(finished_);
            s += "; ETA " + seconds_text(left);
        }
        return s;
    }

    void tick()
    {
        p_.status(status_text());
        ticker_.expires_after(std::chrono::milliseconds(250));
        ticker_.async_wait([this](error_code ec) {
            if (!ec && active_ > 0 && !fatal_) tick();
        });
    }

    int finish()
    {
        if (fatal_) return cli::exit_other;
        tally t = count();
        bool all_network = true, any_error = false;
        for (std::size_t i = 0; i < m_.lines.size(); ++i) {
            const std::size_t n = line(i).number;
            const auto& st = j_.at(n);
            std::string reason;
            if (st.state == akool::line_state::done) continue;
            if (st.state == akool::line_state::unknown) {
                reason = "outcome unknown (may have been charged): " + st.reason;
            } else if (!runs_[i].error.empty()) {
                reason = runs_[i].error;
            } else if (st.state == akool::line_state::failed) {
                for (const auto& task : st.tasks)
                    if (task.failed) reason = task.reason;
            } else {
                reason = st.reason.empty() ? "not finished" : st.reason;
            }
            if (runs_[i].code != 0) {
                any_error = true;
                all_network = all_network && runs_[i].code == cli::exit_network;
            }
            p_.reason("line " + std::to_string(n) + ": " + reason);
        }
        int code = cli::exit_ok;
        if (t.done != m_.lines.size()) code = (!progress_ && any_error && all_network) ? cli::exit_network : cli::exit_refused;
        if (p_.json()) {
            json::object o;
            o["event"] = "summary";
            o["lines"] = m_.lines.size();
            o["done"] = t.done;
            o["failed"] = t.failed;
            o["unknown"] = t.unknown;
            o["images_saved"] = saved_;
            o["elapsed_ms"] = elapsed().count();
            o["exit_code"] = code;
            p_.object(o);
        } else {
            p_.line("batch: " + std::to_string(t.done) + " of " + std::to_string(m_.lines.size()) + " lines done, " +
                    std::to_string(t.failed) + " failed, " + std::to_string(t.unknown) + " unknown; " +
                    std::to_string(saved_) + " images saved in " + seconds_text(elapsed()));
        }
        return code;
    }

    const cli::batch_options& o_;
    printer& p_;
    asio::io_context& ioc_;
    akool::client& client_;
    const cli::manifest& m_;
    akool::batch_journal& j_;
    journal_file& file_;
    const akool::download_options& downloads_;  // each download's settings (where it may go)
    asio::steady_timer ticker_;
    asio::signal_set signals_;
    int interrupted_ = 0;
    std::vector<line_run> runs_;
    cli::stem_claims stems_;  // the output directory's file stems: the manifest's names, then task ids
    std::deque<std::size_t> queue_;
    std::size_t active_ = 0, finished_ = 0, to_run_ = 0, saved_ = 0;
    bool progress_ = false;
    bool fatal_ = false;
    steady::time_point start_;
};

/// `akool-image batch ...` (`argv[1]` is "batch"). Returns the exit code.
inline int run_batch(int argc, char** argv)
{
    cli::batch_options o;
    std::string message;
    cli::parse_result pr = cli::parse_batch(argc, argv, o, message);
    printer p(o.json, cli::secrets_from_env());
    if (pr == cli::parse_result::help) {
        p.help(cli::batch_usage);
        return p.exit_status(cli::exit_ok);
    }
    if (pr == cli::parse_result::error) return finish(p, {cli::exit_invalid, message + " (see akool-image batch --help)"});

    // The whole manifest is read and validated before anything is sent.
    std::string text;
    {
        std::FILE* f = std::fopen(o.manifest.c_str(), "rb");
        if (!f) return finish(p, {cli::exit_invalid, "cannot read the manifest " + o.manifest + ": " + std::strerror(errno)});
        char buf[65536];
        for (std::size_t got; (got = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, got);
        std::fclose(f);
    }
    cli::manifest m = cli::read_manifest(text);
    if (!m.errors.empty()) {
        for (std::size_t k = 0; k + 1 < m.errors.size(); ++k) p.reason("invalid manifest: " + m.errors[k]);
        return finish(p, {cli::exit_invalid, "invalid manifest: " + m.errors.back()});
    }
    if (m.lines.empty()) return finish(p, {cli::exit_invalid, "the manifest " + o.manifest + " has no request"});
    for (const auto& l : m.lines)
        for (const auto& w : l.warnings) p.warning("line " + std::to_string(l.number) + ": " + w.field + ": " + w.message);

    environment env;
    failure f;
    if (!read_environment(env, true, f)) return finish(p, f);
    if (!prepare_out_dir(o.out_dir, f)) return finish(p, f);

    // The journal: refused when it belongs to another manifest; a torn last entry dropped.
    if (o.journal.empty()) o.journal = (std::filesystem::path(o.out_dir) / ".akool-batch.jsonl").string();
    journal_file file;
    std::string journal_text, why;
    if (!file.open(o.journal, journal_text, why))
        return finish(p, {file.not_a_file() ? cli::exit_invalid : cli::exit_other, why});
    akool::journal_replay_report report;
    error_code jec;
    akool::batch_journal journal = akool::batch_journal::replay(journal_text, akool::manifest_digest(text),
                                                                m.line_count, report, jec, message);
    if (jec) return finish(p, {cli::exit_invalid, "journal " + o.journal + ": " + message + ": " + jec.message()});
    for (const auto& w : report.warnings) p.warning("journal " + o.journal + ": " + w);
    if (report.valid_bytes < journal_text.size() && !file.truncate(report.valid_bytes, why))
        return finish(p, {cli::exit_other, why});
    if (report.missing_newline && !file.append("\n", why)) return finish(p, {cli::exit_other, why});
    if (report.valid_bytes == 0 && !file.append(journal.header(), why)) return finish(p, {cli::exit_other, why});

    asio::io_context ioc;
    akool::client client(ioc, env.client, env.transport);
    akool::rate_limits limits = client.get_limits();
    limits.max_in_flight = static_cast<unsigned>(std::max(o.concurrency, 1));
    client.set_limits(limits);
    apply_retry_options(client, o.max_retry_after);
    runner r(o, p, ioc, client, m, journal, file, env.downloads);
    return p.exit_status(r.run());
}

} // namespace akool_batch
} // namespace

#endif
