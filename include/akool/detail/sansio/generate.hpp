// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_SANSIO_GENERATE_HPP
#define AKOOL_DETAIL_SANSIO_GENERATE_HPP

// The generate algorithm, without I/O: check the output directory, create, then wait for
// every task of the batch (one wait algorithm each) and download each finished image; the
// first failure in request order decides the outcome. It says which action to start next;
// several may be out at once (the async driver runs them concurrently, the blocking driver
// one after the other on the calling thread). No Asio include here.

#include <akool/diagnostics.hpp>
#include <akool/error.hpp>
#include <akool/model.hpp>
#include <akool/workflow.hpp>
#include <akool/detail/atomic_file.hpp>
#include <akool/detail/sansio/download.hpp>
#include <akool/detail/sansio/exchange.hpp>
#include <akool/detail/sansio/wait.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace akool {
namespace detail {
namespace sansio {

// What a generate's driver starts next.
struct generate_action {
    enum kind_t {
        create,    // the create; then on_created
        poll,      // a get-result exchange of task `task` (timeout `timeout`, diagnostics task_diag); then on_polled
        download,  // download task `task`'s image (download_url, download_target); then on_downloaded
        idle,      // nothing to start before `wake_at` (max(): until an action out ends, or a poll
                   // due at the clock's end); then next
        done,      // finished: error() and value() hold the outcome
    };
    kind_t kind = done;
    std::size_t task = 0;
    std::chrono::milliseconds timeout{0};
    std::chrono::steady_clock::time_point wake_at{};
};

// One generate. `diag` must outlive the algorithm; so must the options it was made with.
class generate_algo {
public:
    using clock = std::chrono::steady_clock;

    generate_algo(const generate_options& opts, diagnostics& diag, jitter_source jitter)
        : opts_(&opts), diag_(&diag), jitter_(jitter)
    {
    }
    generate_algo(const generate_algo&) = delete;
    generate_algo& operator=(const generate_algo&) = delete;

    // The first step: the create, or done when the images' directory takes no files (then
    // nothing is sent, so no credit is spent).
    generate_action start()
    {
        if (opts_->download && !opts_->output_dir.empty()) {
            std::string detail;
            if (!prepare_output_dir(opts_->output_dir, opts_->download_limits.sync_to_disk, ec_, detail)) {
                diag_->client_message = std::move(detail) + " (nothing was sent)";
                return generate_action{};
            }
        }
        generate_action a;
        a.kind = generate_action::create;
        return a;
    }

    // The create ended: `ec`, or the tasks of the batch.
    void on_created(clock::time_point now, error_code ec, std::vector<image_task> tasks)
    {
        if (ec) {
            ec_ = ec;
            return;
        }
        const std::size_t n = tasks.size();
        out_.resize(n);
        tasks_.reset(new task_state[n]);
        for (std::size_t i = 0; i < n; ++i) {
            out_[i].task = std::move(tasks[i]);
            if (opts_->wait.on_progress)
                opts_->wait.on_progress({out_[i].task.id, i, out_[i].task.status, milliseconds(0)});
        }
        const bool to_files = opts_->download && !opts_->output_dir.empty();
        // Ids that differ only in letter case name one file on a case-insensitive file system
        // (macOS's and Windows's defaults): the later task of such a pair is not written.
        // (Equal ids are refused with the create reply.)
        std::map<std::string, std::size_t> file_stems;  // file_stem_key(id) -> its task
        for (std::size_t i = 0; i < n; ++i) {
            task_state& t = tasks_[i];
            const image_task& task = out_[i].task;
            if (to_files && !is_valid_task_id(task.id)) {
                // Service data never becomes a path: a task whose id cannot name a file is not
                // polled (its id may not even fit in a URL), downloaded or written.
                t.diag.task_id = task.id;
                t.diag.client_message = "the service's task id " + quote_task_id(task.id) + " is not " +
                                        std::string(task_id_rule) +
                                        ": it was not used as a file name, nothing was written (the task exists on "
                                        "the service)";
                end(i, make_error_code(error::invalid_task_id));
                continue;
            }
            if (to_files) {
                auto named = file_stems.emplace(file_stem_key(task.id), i);
                if (!named.second) {
                    t.diag.task_id = task.id;
                    t.diag.client_message = "the service's task id " + quote_task_id(task.id) + " differs from " +
                                            quote_task_id(out_[named.first->second].task.id) +
                                            " only in letter case: on a case-insensitive file system both would "
                                            "name one file, so it was not written (the task exists on the service)";
                    end(i, make_error_code(error::invalid_task_id));
                    continue;
                }
            }
            t.wait.emplace(task.id, i, opts_->wait, task.status, jitter_, t.diag, now);
            t.at = stage::due;
            t.due = now;
        }
    }

    // The next action to start: of the polls that are due and the downloads that are ready,
    // the one that became so first (the blocking driver runs one action at a time: a download
    // does not wait behind polls that keep falling due, nor a due poll behind later
    // downloads); else idle until the next poll is due, or done when nothing is left. A poll
    // that fell due before the deadline is made however late the driver comes to it (after
    // another task's download), with the time that was left when it fell due.
    generate_action next(clock::time_point now)
    {
        generate_action a;
        if (ec_ && !tasks_) return a;  // the create (or the directory) failed
        constexpr std::size_t none = static_cast<std::size_t>(-1);
        for (;;) {
            bool out = false, waiting = false;  // not `wake != max()`: a poll may be due at max() (helper-47)
            clock::time_point wake = clock::time_point::max();
            std::size_t pick = none;
            clock::time_point pick_since = clock::time_point::max();
            for (std::size_t i = 0; i < out_.size(); ++i) {
                task_state& t = tasks_[i];
                switch (t.at) {
                case stage::due:
                    if (t.due > now) {
                        waiting = true;
                        wake = std::min(wake, t.due);
                    } else if (pick == none || t.due < pick_since) {
                        pick = i;
                        pick_since = t.due;
                    }
                    break;
                case stage::ready:
                    if (pick == none || t.ready_since < pick_since) {
                        pick = i;
                        pick_since = t.ready_since;
                    }
                    break;
                case stage::polling:
                case stage::downloading: out = true; break;
                case stage::finished: break;
                }
            }
            if (pick == none) {
                if (out || waiting) {
                    a.kind = generate_action::idle;
                    a.wake_at = wake;
                    return a;
                }
                finish();
                return a;
            }
            task_state& t = tasks_[pick];
            a.task = pick;
            if (t.at == stage::ready) {
                t.at = stage::downloading;
                t.diag.clear();  // the download's own: not the last poll's status or words
                a.kind = generate_action::download;
                return a;
            }
            wait_action w = t.started ? t.wait->on_slept(t.due) : t.wait->start(t.due);
            t.started = true;
            if (w.kind != wait_action::poll) {
                waited(pick, now);  // the deadline: the task ends; look again
                continue;
            }
            t.at = stage::polling;
            a.kind = generate_action::poll;
            a.timeout = w.timeout;
            return a;
        }
    }

    // A poll of task `i` ended.
    void on_polled(std::size_t i, clock::time_point now, error_code ec, image_result r)
    {
        task_state& t = tasks_[i];
        wait_action w = t.wait->on_polled(now, ec, std::move(r));
        if (w.kind == wait_action::sleep) {
            t.at = stage::due;
            t.due = w.wake_at;
            if (cancelled_) end(i, cancel_ec_);
            return;
        }
        waited(i, now);
    }

    // The download of task `i` ended.
    void on_downloaded(std::size_t i, error_code ec, download_outcome d)
    {
        out_[i].data = std::move(d.data);
        out_[i].file_path = std::move(d.path);
        end(i, ec);
    }

    // No action starts from now on: every task not out ends with `ec` (the driver cancels those
    // out, whose ends it still reports).
    void cancel(error_code ec)
    {
        cancelled_ = true;
        cancel_ec_ = ec;
        for (std::size_t i = 0; i < out_.size(); ++i) {
            task_state& t = tasks_[i];
            if (t.at == stage::due || t.at == stage::ready) {
                t.diag.task_id = out_[i].task.id;
                end(i, ec);
            }
        }
    }

    // For a poll or a download of task `i`: its id, its diagnostics, its image's URL and where
    // the image goes (memory, or <output_dir>/<id><extension of its first bytes>).
    const std::string& task_id(std::size_t i) const noexcept { return out_[i].task.id; }
    diagnostics& task_diag(std::size_t i) noexcept { return tasks_[i].diag; }
    const std::string& download_url(std::size_t i) const noexcept { return out_[i].result.image_url; }
    download_target target(std::size_t i) const
    {
        download_target target;
        if (!opts_->output_dir.empty()) {
            target.path = (std::filesystem::path(opts_->output_dir) / out_[i].task.id).string();
            target.add_extension = true;
        }
        return target;
    }
    const download_options& download_limits() const noexcept { return opts_->download_limits; }

    // The outcome, once `done`.
    const error_code& error() const noexcept { return ec_; }
    std::vector<generated_image>& value() noexcept { return out_; }

private:
    enum class stage { due, polling, ready, downloading, finished };
    struct task_state {
        std::optional<wait_algo> wait;
        stage at = stage::finished;
        clock::time_point due{};          // when its next poll is due (stage::due)
        clock::time_point ready_since{};  // when its image became ready to download (stage::ready)
        bool started = false;
        diagnostics diag;
        error_code ec;
    };

    // Task `i`'s wait ended (at `now`).
    void waited(std::size_t i, clock::time_point now)
    {
        task_state& t = tasks_[i];
        out_[i].result = std::move(t.wait->value());
        const error_code ec = t.wait->error();
        if (ec || !opts_->download) return end(i, ec);
        if (cancelled_) return end(i, cancel_ec_);
        t.at = stage::ready;
        t.ready_since = now;
    }
    void end(std::size_t i, error_code ec)
    {
        tasks_[i].at = stage::finished;
        tasks_[i].ec = ec;
    }
    // The first failure in request order decides the outcome; every image that did finish is
    // still returned, and every failed one carries its own failure.
    void finish()
    {
        for (std::size_t i = 0; i < out_.size(); ++i) {
            task_state& t = tasks_[i];
            if (!t.ec) continue;
            if (cancelled_ && t.ec == cancel_ec_) {  // ended by the cancellation, not by a failure of its own
                std::string step = std::move(t.diag.client_message);  // a poll or download in flight
                t.diag.client_message = "the generate was cancelled: the task was made (and charged), its image not "
                                        "fetched";
                if (!step.empty()) t.diag.client_message += " (" + step + ")";
            }
            out_[i].ec = t.ec;
            out_[i].diag = t.diag;
            if (out_[i].diag.task_id.empty()) out_[i].diag.task_id = out_[i].task.id;
            if (ec_) continue;
            ec_ = t.ec;
            auto issues = std::move(diag_->issues);
            *diag_ = std::move(t.diag);
            diag_->issues = std::move(issues);
            if (diag_->task_id.empty()) diag_->task_id = out_[i].task.id;
        }
    }

    const generate_options* opts_;
    diagnostics* diag_;
    jitter_source jitter_;
    std::vector<generated_image> out_;
    std::unique_ptr<task_state[]> tasks_;
    error_code ec_;
    error_code cancel_ec_;
    bool cancelled_ = false;
};

} // namespace sansio
} // namespace detail
} // namespace akool

#endif
