// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_IMPL_BATCH_JOURNAL_IPP
#define AKOOL_IMPL_BATCH_JOURNAL_IPP

#include <akool/batch_journal.hpp>
#include <akool/detail/repeated_id.hpp>
#include <akool/detail/warnings.hpp>

#include <boost/json.hpp>

#include <cstdio>
#include <cstdint>
#include <string>
#include <utility>

namespace akool {
namespace detail {

AKOOL_DETAIL_CATEGORY_WARNINGS_PUSH
class journal_category_impl final : public boost::system::error_category {
public:
    constexpr journal_category_impl() noexcept : boost::system::error_category(0x3b1e5f0a7c92d481ULL) {}

    const char* name() const noexcept override { return "akool.batch_journal"; }

    std::string message(int v) const override
    {
        switch (static_cast<journal_error>(v)) {
        case journal_error::bad_header: return "the file is not a batch journal (bad first line)";
        case journal_error::other_manifest: return "the journal belongs to another manifest";
        case journal_error::corrupt_entry: return "a journal entry before the last one is corrupt";
        case journal_error::line_out_of_range: return "a journal entry names a line the manifest does not have";
        case journal_error::out_of_order: return "a journal entry contradicts the entries before it";
        }
        return "unknown batch journal error " + std::to_string(v);
    }
};
AKOOL_DETAIL_CATEGORY_WARNINGS_POP

inline constexpr int journal_version = 1;

} // namespace detail

AKOOL_DECL const boost::system::error_category& get_journal_error_category() noexcept
{
    static const detail::journal_category_impl instance;
    return instance;
}

AKOOL_DECL std::string manifest_digest(std::string_view manifest)
{
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : manifest) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

struct batch_journal::entry {
    std::string event;  // sending, created, create_failed, saved, task_failed
    std::size_t line = 0;
    std::vector<std::string> task_ids;
    std::string task_id;
    std::string path;
    std::string reason;
    bool processed_maybe = false;
};

AKOOL_DECL batch_journal::batch_journal(std::string digest, std::size_t line_count)
    : digest_(std::move(digest)), lines_(line_count)
{
}

AKOOL_DECL std::string batch_journal::header() const
{
    boost::json::object o;
    o["akool_batch_journal"] = detail::journal_version;
    o["manifest"] = digest_;
    o["lines"] = lines_.size();
    return boost::json::serialize(o) + "\n";
}

namespace detail {

// How journal lines are read: the bytes `record` wrote, which serialize strings as they are,
// so an entry's path (an output directory's name is any bytes but '/' and NUL) may hold bytes
// of no UTF-8 character (helper-15's audit: a saved path under "out-caf\xe9" made every later
// run refuse the journal as corrupt).
inline boost::json::parse_options journal_parse_options() noexcept
{
    boost::json::parse_options o;
    o.allow_invalid_utf8 = true;
    return o;
}

// Decodes one entry line; false when it is not a well-formed entry.
inline bool decode_journal_entry(std::string_view text, std::string& event, std::size_t& line,
                                 std::vector<std::string>& ids, std::string& task_id, std::string& path,
                                 std::string& reason, bool& processed_maybe)
{
    boost::system::error_code jec;
    boost::json::value v = boost::json::parse(text, jec, {}, journal_parse_options());
    if (jec || !v.is_object()) return false;
    const auto& o = v.get_object();
    auto str = [&](const char* key, std::string& out, bool required) {
        auto it = o.find(key);
        if (it == o.end()) return !required;
        if (!it->value().is_string()) return false;
        out.assign(it->value().get_string().data(), it->value().get_string().size());
        return true;
    };
    auto ln = o.find("line");
    if (ln == o.end() || !(ln->value().is_int64() || ln->value().is_uint64())) return false;
    if (ln->value().is_int64() && ln->value().get_int64() < 1) return false;
    {
        boost::system::error_code nec;  // Boost.JSON's checked conversion: no cast, no truncation
        line = ln->value().to_number<std::size_t>(nec);
        if (nec) return false;
    }
    if (!str("event", event, true)) return false;
    if (event == "sending") return true;
    if (event == "created") {
        auto it = o.find("task_ids");
        if (it == o.end() || !it->value().is_array()) return false;
        for (const auto& id : it->value().get_array()) {
            if (!id.is_string()) return false;
            ids.emplace_back(id.get_string().data(), id.get_string().size());
        }
        return true;
    }
    if (event == "create_failed") {
        auto it = o.find("processed_maybe");
        if (it == o.end() || !it->value().is_bool()) return false;
        processed_maybe = it->value().get_bool();
        return str("reason", reason, false);
    }
    if (event == "saved") return str("task_id", task_id, true) && str("path", path, true);
    if (event == "task_failed") return str("task_id", task_id, true) && str("reason", reason, false);
    return false;
}

} // namespace detail

AKOOL_DECL batch_journal batch_journal::replay(std::string_view text, std::string digest, std::size_t line_count,
                                               journal_replay_report& report, error_code& ec, std::string& message)
{
    ec.clear();
    message.clear();
    report = journal_replay_report{};
    batch_journal j(std::move(digest), line_count);
    std::size_t pos = 0;
    std::size_t number = 0;  // journal line number, 1-based
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        const bool terminated = nl != std::string_view::npos;
        std::size_t end = terminated ? nl : text.size();
        std::string_view raw = text.substr(pos, end - pos);
        std::size_t next_pos = terminated ? nl + 1 : text.size();
        const bool last = next_pos >= text.size();
        ++number;
        auto fail = [&](journal_error e, const std::string& why) {
            ec = make_error_code(e);
            message = "journal line " + std::to_string(number) + ": " + why;
            return j;
        };
        auto torn = [&](const std::string& why) {
            report.warnings.push_back("journal line " + std::to_string(number) + " ignored (" + why +
                                      "): a write cut short by a crash");
        };
        if (number == 1) {
            boost::system::error_code jec;
            boost::json::value v = boost::json::parse(raw, jec, {}, detail::journal_parse_options());
            const boost::json::object* o = !jec && v.is_object() ? &v.get_object() : nullptr;
            const boost::json::value* ver = o ? o->if_contains("akool_batch_journal") : nullptr;
            if (!o || !ver || !(ver->is_int64() && ver->get_int64() == detail::journal_version)) {
                if (last && !terminated) {  // the header itself was cut: as good as no journal
                    torn("an incomplete header");
                    return j;
                }
                return fail(journal_error::bad_header, "not a batch journal header (version 1)");
            }
            const boost::json::value* m = o->if_contains("manifest");
            const boost::json::value* n = o->if_contains("lines");
            std::string their = m && m->is_string() ? std::string(m->get_string()) : std::string();
            bool count_ok = n && ((n->is_int64() && n->get_int64() >= 0 &&
                                   static_cast<std::uint64_t>(n->get_int64()) == line_count) ||
                                  (n->is_uint64() && n->get_uint64() == line_count));
            if (their != j.digest_ || !count_ok)
                return fail(journal_error::other_manifest,
                            "written for another manifest (digest " +
                                (their.empty() ? std::string("missing") : detail::quote_printable(their, 64)) +
                                ", this one is " + j.digest_ + ")");
            report.valid_bytes = next_pos;
            pos = next_pos;
            continue;
        }
        if (raw.empty() && terminated) {  // a blank line carries nothing
            report.valid_bytes = next_pos;
            pos = next_pos;
            continue;
        }
        entry e;
        if (!detail::decode_journal_entry(raw, e.event, e.line, e.task_ids, e.task_id, e.path, e.reason,
                                          e.processed_maybe)) {
            if (last) {
                torn(terminated ? "it does not decode" : "it does not decode and has no newline");
                return j;
            }
            return fail(journal_error::corrupt_entry, "not a journal entry");
        }
        if (e.line < 1 || e.line > line_count)
            return fail(journal_error::line_out_of_range,
                        "names manifest line " + std::to_string(e.line) + " of " + std::to_string(line_count));
        std::string why;
        if (!j.apply(e, why)) return fail(journal_error::out_of_order, why);
        ++report.entries;
        report.valid_bytes = next_pos;
        pos = next_pos;
    }
    // A complete entry without its newline: kept; the next append starts a new line.
    report.missing_newline = !text.empty() && report.valid_bytes == text.size() && text.back() != '\n';
    return j;
}

AKOOL_DECL bool batch_journal::apply(const entry& e, std::string& why)
{
    if (e.line < 1 || e.line > lines_.size()) {
        why = "line " + std::to_string(e.line) + " is not in the manifest";
        return false;
    }
    journal_line& l = lines_[e.line - 1];
    const std::string where = "manifest line " + std::to_string(e.line) + ": ";
    auto find_task = [&](const std::string& id) -> journal_task* {
        for (auto& t : l.tasks)
            if (t.id == id) return &t;
        return nullptr;
    };
    auto settle = [&] {
        bool all = true, any_failed = false;
        for (const auto& t : l.tasks) {
            all = all && (t.saved || t.failed);
            any_failed = any_failed || t.failed;
        }
        if (all) l.state = any_failed ? line_state::failed : line_state::done;
    };
    if (e.event == "sending") {
        if (l.state != line_state::pending && l.state != line_state::unknown) {
            why = where + "a create after its tasks were recorded";
            return false;
        }
        l.state = line_state::unknown;
        l.reason = "the create was sent and no reply was recorded";
        ++l.sends;
        return true;
    }
    if (e.event == "created" || e.event == "create_failed") {
        if (l.state != line_state::unknown) {
            why = where + "a create reply without a create sent";
            return false;
        }
        if (e.event == "create_failed") {
            l.state = e.processed_maybe ? line_state::unknown : line_state::pending;
            l.reason = e.reason;
            return true;
        }
        if (e.task_ids.empty()) {
            why = where + "a create reply without task ids";
            return false;
        }
        std::size_t first = 0, second = 0;
        if (detail::find_repeated_id(
                e.task_ids.size(), [&](std::size_t i) -> const std::string& { return e.task_ids[i]; }, first, second)) {
            why = where + "a create reply with the task id " + detail::quote_task_id(e.task_ids[second]) + " twice";
            return false;
        }
        // Every id checked before the line changes: a refused entry changes nothing (helper-15's
        // audit: the tasks were replaced before an invalid id was found).
        std::vector<journal_task> tasks;
        for (const auto& id : e.task_ids) {
            if (!is_safe_file_stem(id)) {
                why = where + "a task id that is not " + std::string(detail::task_id_rule);
                return false;
            }
            journal_task t;
            t.id = id;
            tasks.push_back(std::move(t));
        }
        l.tasks = std::move(tasks);
        l.state = line_state::created;
        l.reason.clear();
        return true;
    }
    if (e.event == "saved" || e.event == "task_failed") {
        journal_task* t = l.state == line_state::created || l.state == line_state::done || l.state == line_state::failed
                              ? find_task(e.task_id)
                              : nullptr;
        if (!t) {
            why = where + "task " + (is_safe_file_stem(e.task_id) ? e.task_id : std::string("(invalid id)")) +
                  " was not created for this line";
            return false;
        }
        if (e.event == "saved") {
            t->saved = true;
            t->failed = false;
            t->path = e.path;
        } else {
            t->failed = !t->saved;
            t->reason = e.reason;
        }
        settle();
        return true;
    }
    why = where + "unknown event " + e.event;
    return false;
}

AKOOL_DECL std::string batch_journal::record(const entry& e)
{
    std::string why;
    if (!apply(e, why)) return {};
    boost::json::object o;
    o["line"] = e.line;
    o["event"] = e.event;
    if (e.event == "created") {
        boost::json::array ids;
        for (const auto& id : e.task_ids) ids.emplace_back(id);
        o["task_ids"] = std::move(ids);
    } else if (e.event == "create_failed") {
        o["reason"] = e.reason;
        o["processed_maybe"] = e.processed_maybe;
    } else if (e.event == "saved") {
        o["task_id"] = e.task_id;
        o["path"] = e.path;
    } else if (e.event == "task_failed") {
        o["task_id"] = e.task_id;
        o["reason"] = e.reason;
    }
    return boost::json::serialize(o) + "\n";
}

AKOOL_DECL std::string batch_journal::sending(std::size_t line)
{
    entry e;
    e.event = "sending";
    e.line = line;
    return record(e);
}

AKOOL_DECL std::string batch_journal::created(std::size_t line, const std::vector<std::string>& task_ids)
{
    entry e;
    e.event = "created";
    e.line = line;
    e.task_ids = task_ids;
    return record(e);
}

AKOOL_DECL std::string batch_journal::create_failed(std::size_t line, std::string_view reason, bool processed_maybe)
{
    entry e;
    e.event = "create_failed";
    e.line = line;
    e.reason = std::string(reason);
    e.processed_maybe = processed_maybe;
    return record(e);
}

AKOOL_DECL std::string batch_journal::saved(std::size_t line, std::string_view task_id, std::string_view path)
{
    entry e;
    e.event = "saved";
    e.line = line;
    e.task_id = std::string(task_id);
    e.path = std::string(path);
    return record(e);
}

AKOOL_DECL std::string batch_journal::task_failed(std::size_t line, std::string_view task_id, std::string_view reason)
{
    entry e;
    e.event = "task_failed";
    e.line = line;
    e.task_id = std::string(task_id);
    e.reason = std::string(reason);
    return record(e);
}

AKOOL_DECL line_action batch_journal::next(std::size_t line, bool resend_unknown) const
{
    if (line < 1 || line > lines_.size()) return line_action::none;
    switch (lines_[line - 1].state) {
    case line_state::pending: return line_action::create;
    case line_state::unknown: return resend_unknown ? line_action::create : line_action::report_unknown;
    case line_state::created: return line_action::wait;
    case line_state::done:
    case line_state::failed: return line_action::none;
    }
    return line_action::none;
}

AKOOL_DECL std::vector<std::string> batch_journal::pending_tasks(std::size_t line) const
{
    std::vector<std::string> out;
    if (line < 1 || line > lines_.size()) return out;
    for (const auto& t : lines_[line - 1].tasks)
        if (!t.saved && !t.failed) out.push_back(t.id);
    return out;
}

AKOOL_DECL batch_journal batch_journal::replay(std::string_view text, std::string digest, std::size_t line_count,
                                               journal_replay_report& report, error_code& ec, diagnostics& diag)
{
    diag.clear();
    return replay(text, std::move(digest), line_count, report, ec, diag.client_message);
}

AKOOL_DECL batch_journal batch_journal::replay(std::string_view text, std::string digest, std::size_t line_count,
                                               journal_replay_report& report)
{
    return detail::call_or_throw(
        [&](error_code& ec, diagnostics& d) { return replay(text, std::move(digest), line_count, report, ec, d); });
}

} // namespace akool

#endif
