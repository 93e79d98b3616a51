// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_SANSIO_WAIT_HPP
#define AKOOL_DETAIL_SANSIO_WAIT_HPP

// The wait algorithm, without I/O: poll a task (one get-result exchange) on its schedule
// until it completes, fails or runs past its deadline, reporting each status change. It
// never polls or sleeps itself; it says what to do next and the drivers (wait_op and
// generate_op in client_ops.hpp, the client's blocking wait and generate) carry that out.
// No Asio include here.

#include <akool/diagnostics.hpp>
#include <akool/error.hpp>
#include <akool/model.hpp>
#include <akool/workflow.hpp>
#include <akool/detail/sansio/exchange.hpp>
#include <akool/detail/time_after.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>

namespace akool {
namespace detail {
namespace sansio {

// What a wait's driver does next.
struct wait_action {
    enum kind_t {
        poll,   // one get-result exchange of the task, its timeout `timeout` (0: none); then on_polled
        sleep,  // wait until `wake_at`; then on_slept
        done,   // finished: error() and value() hold the outcome
    };
    kind_t kind = done;
    std::chrono::milliseconds timeout{0};
    std::chrono::steady_clock::time_point wake_at{};
};

// Polling one task. `diag` must outlive the algorithm.
class wait_algo {
public:
    using clock = std::chrono::steady_clock;

    // `known` is the status the caller already reported (a create's), not reported again.
    wait_algo(std::string id, std::size_t index, const wait_options& opts, std::optional<image_status> known,
              jitter_source jitter, diagnostics& diag, clock::time_point start)
        : id_(std::move(id)), index_(index), opts_(&opts), jitter_(jitter), diag_(&diag), start_(start),
          last_(known)
    {
    }

    // The first step: a poll at once (or the deadline, when there is none left).
    wait_action start(clock::time_point now) { return next_poll(now); }

    // A poll ended with `ec` and, when clear, `r`.
    wait_action on_polled(clock::time_point now, error_code ec, image_result r)
    {
        if (ec) {
            // At the deadline, or before it when no retry of the poll fits before it (the
            // exchange's words say so): the timeout names the task's last status.
            if (ec == error::timeout && past_deadline(now))
                deadline_message();
            else if (ec == error::timeout)
                diag_->client_message += last_status();
            return finish(ec);
        }
        result_ = std::move(r);
        if (!last_ || *last_ != result_.status) {
            last_ = result_.status;
            if (opts_->on_progress) opts_->on_progress({id_, index_, result_.status, elapsed(now)});
        }
        if (result_.status == image_status::completed) return finish({});
        if (result_.status == image_status::failed) {
            diag_->client_message = "generation of task " + quote_task_id(id_) + " failed (status 4)";
            return finish(make_error_code(error::generation_failed));
        }
        milliseconds d = opts_->schedule.delay(attempt_++, jitter_());
        if (auto left = remaining(now); left && *left < d) d = std::max(*left, milliseconds(0));
        wait_action a;
        a.kind = wait_action::sleep;
        a.wake_at = time_after(now, d);
        return a;
    }

    // The sleep ended; `ec` set (the driver's cancellation error): the wait ends with it.
    wait_action on_slept(clock::time_point now, error_code ec = {})
    {
        if (ec) return finish(ec);
        return next_poll(now);
    }

    // Ends the wait now with `ec` (a cancellation seen by the driver).
    wait_action stop(error_code ec) { return finish(ec); }

    // The outcome, once `done`: the final result, also with error::generation_failed; empty on
    // any other failure (the diagnostics then name the task).
    const error_code& error() const noexcept { return ec_; }
    image_result& value() noexcept { return result_; }
    const std::string& id() const noexcept { return id_; }
    bool finished() const noexcept { return finished_; }

private:
    milliseconds elapsed(clock::time_point now) const
    {
        return std::chrono::duration_cast<milliseconds>(now - start_);
    }
    // Time left before the deadline; nullopt when there is none (zero). A negative deadline
    // has passed already.
    std::optional<milliseconds> remaining(clock::time_point now) const
    {
        if (opts_->deadline.count() == 0) return std::nullopt;
        return opts_->deadline - elapsed(now);
    }
    bool past_deadline(clock::time_point now) const
    {
        auto left = remaining(now);
        return left && left->count() <= 0;
    }
    // The timeout's words, with the last status the service gave (the result is emptied).
    void deadline_message()
    {
        diag_->client_message = "task " + quote_task_id(id_) + " did not finish within the deadline" + last_status();
    }
    std::string last_status() const
    {
        if (!last_) return {};
        return " (its last status: " + std::to_string(static_cast<int>(*last_)) + ", " + std::string(to_string(*last_)) +
               ")";
    }

    wait_action next_poll(clock::time_point now)
    {
        if (past_deadline(now)) {
            deadline_message();
            return finish(make_error_code(error::timeout));
        }
        wait_action a;
        a.kind = wait_action::poll;
        a.timeout = remaining(now).value_or(milliseconds(0));
        return a;
    }
    wait_action finish(error_code ec)
    {
        ec_ = ec;
        finished_ = true;
        if (ec) {
            diag_->task_id = id_;
            if (ec != error::generation_failed) result_ = image_result{};
        }
        return wait_action{};
    }

    std::string id_;
    std::size_t index_;
    const wait_options* opts_;
    jitter_source jitter_;
    diagnostics* diag_;
    clock::time_point start_;
    std::optional<image_status> last_;
    image_result result_;
    error_code ec_;
    unsigned attempt_ = 0;
    bool finished_ = false;
};

} // namespace sansio
} // namespace detail
} // namespace akool

#endif
