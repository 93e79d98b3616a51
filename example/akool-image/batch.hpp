// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_IMAGE_BATCH_HPP
#define AKOOL_IMAGE_BATCH_HPP

/// @file batch.hpp
/// The pure parts of `akool-image batch MANIFEST --out DIR [--concurrency N] [--journal FILE]
/// [--resend-unknown] [--json]`: its arguments, reading the manifest (JSON Lines, one create
/// body per line plus an optional `name`), and the output file names. No I/O here; the run
/// itself is batch_command.hpp, the journal akool/batch_journal.hpp.

#include "cli.hpp"

#include <akool/batch_journal.hpp>
#include <akool/json.hpp>
#include <akool/validate.hpp>
#include <akool/detail/atomic_file.hpp>

#include <boost/json.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace akool_cli {

inline const char* const batch_usage =
    "usage: akool-image batch MANIFEST --out DIR [--concurrency N] [--journal FILE]\n"
    "                         [--max-retry-after S] [--resend-unknown] [--json]\n"
    "  MANIFEST is JSON Lines: one create body per line (prompt, source_images, scale,\n"
    "  resolution, batch_quantity, similar, negative_prompt, model_name, webhookurl) and an\n"
    "  optional \"name\", the stem of the output files (1 to 64 of A-Z a-z 0-9 _ -, not a\n"
    "  Windows device name such as NUL; a batch of several images adds -1, -2, ...; without a\n"
    "  name, the task id; letter case aside, each file name goes to one image). Blank lines are\n"
    "  skipped.\n"
    "  Every line is validated before anything is sent.\n"
    "  --out DIR             where the images go (required)\n"
    "  --concurrency N       lines in progress at once, 1 to 256 (default 4)\n"
    "  --journal FILE        the resume journal (default DIR/.akool-batch.jsonl)\n"
    "  --max-retry-after S   the longest Retry-After (429, 503) waited for before a retry\n"
    "                        (default 60); a line whose reply asks for longer fails at once\n"
    "  --resend-unknown      send again the lines whose create was sent without a recorded\n"
    "                        reply (they may have been charged already)\n"
    "  --json                one JSON event per line on stdout, a summary object last\n"
    "  Running the same manifest with the same journal resumes: saved lines are skipped, lines\n"
    "  with task ids are waited on without a new create.\n"
    "exit codes: 0 every line saved; 3 some lines failed or have an unknown outcome (each named\n"
    "on stderr); 2 invalid manifest, options or journal; 4 the network failed before any\n"
    "progress; 1 anything else (the journal cannot be written, or is in use by another batch;\n"
    "or every line was saved but stdout could not be written); 130 or 143 stopped by SIGINT or\n"
    "SIGTERM (run the same command again to resume).\n";

/// The parsed `batch` command line.
struct batch_options {
    std::string manifest;
    std::string out_dir;
    std::string journal;  ///< empty: out_dir/.akool-batch.jsonl
    int concurrency = 4;
    std::optional<std::chrono::seconds> max_retry_after;  ///< unset: the library's default
    bool resend_unknown = false;
    bool json = false;
};

/// Parses `argv` (`argv[1]` is "batch"). On `error`, `message` says what is wrong.
inline parse_result parse_batch(int argc, char** argv, batch_options& o, std::string& message)
{
    std::vector<std::string> args(argv + 2, argv + argc);
    for (const auto& a : args)
        if (a == "--help" || a == "-h") return parse_result::help;
    bool out_given = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        std::optional<std::string> inline_value = detail::split_inline_value(arg);
        auto value = [&](std::string& target) {
            if (inline_value) {
                target = *inline_value;
            } else if (i + 1 < args.size() && !detail::is_option(args[i + 1])) {
                target = args[++i];
            } else {
                message = detail::needs_a_value(arg, i + 1 < args.size() ? &args[i + 1] : nullptr);
                return false;
            }
            if (target.empty()) {
                message = arg + ": empty value";
                return false;
            }
            return true;
        };
        auto flag = [&](bool& target) { return detail::set_flag(arg, inline_value, target, message); };
        bool ok = true;
        if (arg.empty() || arg[0] != '-' || arg == "-") {
            if (!o.manifest.empty()) {
                message = "unexpected argument '" + arg + "': batch takes one manifest";
                return parse_result::error;
            }
            o.manifest = arg;
        } else if (arg == "--out") {
            ok = value(o.out_dir);
            out_given = true;
        } else if (arg == "--journal") {
            ok = value(o.journal);
        } else if (arg == "--concurrency") {
            std::string v;
            ok = value(v);
            if (ok && (!detail::parse_int(v, o.concurrency) || o.concurrency < 1 || o.concurrency > 256)) {
                message = "--concurrency: not an integer from 1 to 256: '" + v + "'";
                return parse_result::error;
            }
        } else if (arg == "--max-retry-after") {
            std::string v;
            ok = value(v) && detail::parse_max_retry_after(v, o.max_retry_after, message);
        } else if (arg == "--resend-unknown") {
            ok = flag(o.resend_unknown);
        } else if (arg == "--json") {
            ok = flag(o.json);
        } else {
            message = "unknown option " + arg + " for batch";
            return parse_result::error;
        }
        if (!ok) return parse_result::error;
    }
    if (o.manifest.empty()) {
        message = "batch needs a MANIFEST file";
        return parse_result::error;
    }
    if (!out_given) {
        message = "batch needs --out DIR";
        return parse_result::error;
    }
    return parse_result::ok;
}

/// One request of the manifest.
struct manifest_line {
    std::size_t number = 0;  ///< 1-based line number in the file
    akool::image_request request;
    std::string name;        ///< the output stem, empty: the task id
    std::vector<akool::validation_issue> warnings;
};

/// The output stems of one output directory and the image that holds each: a manifest line's
/// names, and the task ids of the lines without one as they become known. Stems with one
/// `akool::file_stem_key` are one claim: on a case-insensitive file system they name one file.
class stem_claims {
public:
    /// Who holds a stem: task `index` (0-based) of manifest line `line`.
    struct holder {
        std::string stem;
        std::size_t line = 0;
        std::size_t index = 0;
    };

    /// Gives `stem` to task `index` of line `line`. Returns null when it is now theirs (or
    /// already was), else the other image that holds it.
    const holder* claim(std::string_view stem, std::size_t line, std::size_t index)
    {
        auto [it, fresh] = held_.try_emplace(akool::file_stem_key(stem), holder{std::string(stem), line, index});
        if (fresh || (it->second.line == line && it->second.index == index)) return nullptr;
        return &it->second;
    }

    /// True when `stem`, exactly, is claimed.
    bool holds(std::string_view stem) const
    {
        auto it = held_.find(akool::file_stem_key(stem));
        return it != held_.end() && it->second.stem == stem;
    }

    /// "the file STEM of line N", and how `stem` differs from it when only in letter case.
    static std::string describe(std::string_view stem, const holder& h)
    {
        std::string s = "the file " + h.stem + " of line " + std::to_string(h.line);
        if (h.stem != stem) s += " (the same name but for letter case: one file on a case-insensitive file system)";
        return s;
    }

private:
    std::map<std::string, holder> held_;
};

/// The stem of what an unfinished download leaves: its temporary file,
/// `.STEM.download.part-XXXXXXXX` (the form detail::atomic_file_writer gives), or the whole
/// download not yet named by its content, `.STEM.download` (downloading_name); else "".
inline std::string stem_of_part_file(std::string_view name)
{
    const std::string_view target = akool::detail::atomic_file_writer::target_of_temp_name(name);
    return stem_of_downloading_name(target.empty() ? name : target);
}

/// A manifest read and validated: `lines` holds every non-blank line; `errors` one text per
/// bad line ("line N: field: message; field: message"), `line_count` the file's lines;
/// `stems` the output stems its names claim.
struct manifest {
    std::vector<manifest_line> lines;
    std::vector<std::string> errors;
    std::size_t line_count = 0;
    stem_claims stems;
};

/// The output stem of task `index` (0-based) of `count` tasks of a line: the manifest `name`
/// (with -1, -2, ... when the line makes several images), else the task id.
inline std::string output_stem(const std::string& name, const std::string& task_id, std::size_t index,
                               std::size_t count)
{
    if (name.empty()) return task_id;
    return count > 1 ? name + "-" + std::to_string(index + 1) : name;
}

/// Reads a manifest: each non-blank line through the library's decoder (`decode_image_request`)
/// and validator, `name` checked with `akool::is_safe_file_stem`, names that would give the
/// same file refused. Nothing is sent; every finding is collected.
inline manifest read_manifest(std::string_view text)
{
    manifest m;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++m.line_count;
        if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
        if (raw.find_first_not_of(" \t") == std::string_view::npos) continue;
        manifest_line line;
        line.number = m.line_count;
        const std::string where = "line " + std::to_string(line.number) + ": ";
        akool::error_code ec;
        akool::diagnostics diag;
        line.request = akool::decode_image_request(raw, ec, diag);
        if (ec && ec != akool::error::validation_failed) {  // not a JSON object at all
            m.errors.push_back(where + diag.client_message);
            continue;
        }
        std::vector<akool::validation_issue> issues = diag.issues;
        if (!ec) issues = akool::validate(line.request);
        // `name` is the manifest's own field: the decoder ignores it.
        boost::system::error_code jec;
        boost::json::value v = boost::json::parse(raw, jec);
        if (const boost::json::value* n = !jec && v.is_object() ? v.get_object().if_contains("name") : nullptr) {
            if (!n->is_string())
                issues.push_back({"name", akool::issue_code::invalid_value, akool::severity::error, "must be a string"});
            else if (!akool::is_safe_file_stem(std::string_view(n->get_string().data(), n->get_string().size())))
                issues.push_back({"name", akool::issue_code::invalid_value, akool::severity::error,
                                  "must be " + std::string(akool::detail::task_id_rule)});
            else
                line.name = std::string(n->get_string());
        }
        if (!line.name.empty()) {
            const std::size_t count = static_cast<std::size_t>(std::max(1, akool::image_count(line.request)));
            for (std::size_t k = 0; k < count && k < 4; ++k) {
                const std::string stem = output_stem(line.name, "", k, count);
                if (const stem_claims::holder* other = m.stems.claim(stem, line.number, k)) {
                    issues.push_back({"name", akool::issue_code::invalid_value, akool::severity::error,
                                      "'" + line.name + "' gives " + stem_claims::describe(stem, *other)});
                    break;
                }
            }
        }
        if (akool::has_errors(issues)) {
            m.errors.push_back(where + join_errors(issues));
            continue;
        }
        for (auto& i : issues)
            if (i.severity == akool::severity::warning) line.warnings.push_back(std::move(i));
        m.lines.push_back(std::move(line));
    }
    return m;
}

} // namespace akool_cli

#endif
