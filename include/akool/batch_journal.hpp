// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_BATCH_JOURNAL_HPP
#define AKOOL_BATCH_JOURNAL_HPP

/// @file batch_journal.hpp
/// The journal of a batch of create requests, and the resume decisions taken from it. Sans-io:
/// the journal produces and reads text lines; writing them to disk (append, then fdatasync)
/// is the caller's job. No Asio, no file access, no clock.
///
/// A batch is a list of requests (the lines of a manifest, numbered from 1). For each line the
/// caller records, in this order and each on disk before going on:
///  - `sending(line)` before the create is sent;
///  - `created(line, ids)` after the reply, with the task ids; or `create_failed(line, reason,
///    processed_maybe)` when the create failed;
///  - `saved(line, id, path)` after each image is saved; `task_failed(line, id, reason)` when a
///    task ended with status 4.
/// Each call updates the state and returns the JSON line (with its newline) to append.
///
/// Reading a journal back (`replay`) rebuilds that state; `next(line)` then says what to do
/// with each line: nothing (done or failed), wait for the recorded tasks (never a new
/// create), create, or report that the outcome of a create is unknown (sent, no reply: it may
/// have been charged) unless resending is asked for. The first line of a journal identifies the
/// manifest (`manifest_digest`); a journal of another manifest is refused. A last line that
/// does not decode (a write torn by a crash) is dropped with a warning.
///
/// Format, one JSON object per line:
///   {"akool_batch_journal":1,"manifest":"<16 hex>","lines":N}
///   {"line":L,"event":"sending"}
///   {"line":L,"event":"created","task_ids":["...",...]}
///   {"line":L,"event":"create_failed","reason":"...","processed_maybe":true|false}
///   {"line":L,"event":"saved","task_id":"...","path":"..."}
///   {"line":L,"event":"task_failed","task_id":"...","reason":"..."}

#include <akool/config.hpp>
#include <akool/diagnostics.hpp>
#include <akool/error.hpp>
#include <akool/model.hpp>
#include <akool/workflow.hpp>

#include <boost/system/errc.hpp>
#include <boost/system/error_category.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace akool {

/// Why a journal cannot be used.
enum class journal_error : int {
    bad_header = 1,     ///< the first line is not a batch journal header
    other_manifest,     ///< the journal was written for another manifest (digest or line count)
    corrupt_entry,      ///< a line before the last one does not decode
    line_out_of_range,  ///< an entry names a manifest line the manifest does not have
    out_of_order,       ///< an entry the journal's history does not allow (saved before created, ...)
};

/// The "akool.batch_journal" error category.
AKOOL_DECL const boost::system::error_category& get_journal_error_category() noexcept;

/// A journal_error as an error_code of the "akool.batch_journal" category.
inline error_code make_error_code(journal_error e) noexcept
{
    return error_code(static_cast<int>(e), get_journal_error_category());
}

/// True when `name` can become a file name stem as it is: the shape of a task id
/// (`is_valid_task_id`: 1 to 64 characters of `[A-Za-z0-9_-]`, not a Windows device name).
/// The batch tool checks task ids and manifest `name`s with it.
constexpr bool is_safe_file_stem(std::string_view name) noexcept { return is_valid_task_id(name); }

/// A digest identifying a manifest's bytes (FNV-1a 64, 16 hex digits). It tells one manifest
/// from another; it is not a defence against a crafted collision.
AKOOL_DECL std::string manifest_digest(std::string_view manifest);

/// What the journal knows of one manifest line.
enum class line_state {
    pending,   ///< nothing sent yet (or the create failed where nothing can have been processed)
    unknown,   ///< a create was sent and no reply recorded: it may have been processed and charged
    created,   ///< the tasks exist; some images are not saved yet
    done,      ///< every task's image is saved
    failed,    ///< every task ended and at least one failed (status 4)
};

/// The name of a state ("pending", "unknown", ...).
constexpr std::string_view to_string(line_state s) noexcept
{
    switch (s) {
    case line_state::pending: return "pending";
    case line_state::unknown: return "unknown";
    case line_state::created: return "created";
    case line_state::done: return "done";
    case line_state::failed: return "failed";
    }
    return "invalid";
}

/// The resume decision for one line.
enum class line_action {
    none,            ///< done or failed: nothing to do
    create,          ///< send the create
    wait,            ///< wait for `pending_tasks` and save them; no new create
    report_unknown,  ///< report "outcome unknown (may have been charged)"; send nothing
};

/// One task of a line.
struct journal_task {
    std::string id;      ///< the task id the create returned
    bool saved = false;  ///< its image is saved (at `path`)
    bool failed = false; ///< the generation failed (at `reason`)
    std::string path;    ///< where its image was saved
    std::string reason;  ///< why it failed
};

/// The state of one manifest line.
struct journal_line {
    line_state state = line_state::pending;  ///< where the line stands
    std::vector<journal_task> tasks;         ///< the tasks its create returned, in order
    std::string reason;      ///< the last create failure, or why the outcome is unknown
    unsigned sends = 0;      ///< creates sent for this line, over every run
};

/// What `replay` noticed without refusing the journal.
struct journal_replay_report {
    std::vector<std::string> warnings;  ///< e.g. the torn last line that was dropped
    std::size_t valid_bytes = 0;        ///< length of the usable prefix: truncate to it before appending
    bool missing_newline = false;       ///< the prefix ends with a whole entry but no newline: add one first
    std::size_t entries = 0;            ///< entries applied (the header not counted)
};

/// The journal of one batch: the state of every line, and the entries that change it.
class batch_journal {
public:
    /// A fresh journal for a manifest of `line_count` lines with digest `digest`.
    AKOOL_DECL batch_journal(std::string digest, std::size_t line_count);

    /// Rebuilds the journal from its text. `ec` is set (journal_error) when the text is not a
    /// journal of this manifest or is corrupt before its last line; empty text gives a fresh
    /// journal (write `header()` first). A bad error message names the journal line.
    AKOOL_DECL static batch_journal replay(std::string_view text, std::string digest, std::size_t line_count,
                                           journal_replay_report& report, error_code& ec, std::string& message);
    /// Same, the message in `diag.client_message` (cleared first).
    AKOOL_DECL static batch_journal replay(std::string_view text, std::string digest, std::size_t line_count,
                                           journal_replay_report& report, error_code& ec, diagnostics& diag);
    /// Same; throws `error_with_diagnostics` (the message in its diagnostics) on failure.
    AKOOL_DECL static batch_journal replay(std::string_view text, std::string digest, std::size_t line_count,
                                           journal_replay_report& report);

    /// The first line of a journal file.
    AKOOL_DECL std::string header() const;

    // ---- recording: each updates the state and returns the line to append (with '\n') ------
    // An entry the line's history does not allow (a reply with no create sent, an image of a
    // task the line did not create, a line outside the manifest) changes nothing and returns
    // an empty string.

    /// Before a create of `line` is sent: the line becomes `unknown` until its reply is recorded.
    AKOOL_DECL std::string sending(std::size_t line);
    /// After the create's reply: the tasks it returned; the line becomes `created`.
    AKOOL_DECL std::string created(std::size_t line, const std::vector<std::string>& task_ids);
    /// `processed_maybe`: the service may have processed the create (no reply, a 5xx after
    /// sending): the line becomes `unknown`; otherwise it is `pending` again.
    AKOOL_DECL std::string create_failed(std::size_t line, std::string_view reason, bool processed_maybe);
    /// After the image of `task_id` is saved at `path`; the line is `done` when all are.
    AKOOL_DECL std::string saved(std::size_t line, std::string_view task_id, std::string_view path);
    /// When the generation of `task_id` failed (`reason`); the line is `failed` once every task ended.
    AKOOL_DECL std::string task_failed(std::size_t line, std::string_view task_id, std::string_view reason);

    // ---- decisions --------------------------------------------------------------------------

    /// What to do with `line` now; `resend_unknown` turns `report_unknown` into `create`.
    AKOOL_DECL line_action next(std::size_t line, bool resend_unknown) const;

    /// The task ids of `line` neither saved nor failed (what `wait` is for).
    AKOOL_DECL std::vector<std::string> pending_tasks(std::size_t line) const;

    /// The state of `line` (1-based). Precondition: 1 <= line <= line_count().
    const journal_line& at(std::size_t line) const { return lines_[line - 1]; }
    /// The number of manifest lines.
    std::size_t line_count() const noexcept { return lines_.size(); }
    /// The manifest digest the journal belongs to.
    const std::string& digest() const noexcept { return digest_; }

private:
    struct entry;
    bool apply(const entry& e, std::string& why);
    std::string record(const entry& e);

    std::string digest_;
    std::vector<journal_line> lines_;
};

} // namespace akool

namespace boost {
namespace system {
template <>
struct is_error_code_enum<::akool::journal_error> : std::true_type {};
} // namespace system
} // namespace boost

#ifdef AKOOL_HEADER_ONLY
#include <akool/impl/batch_journal.ipp>
#endif

#endif
