// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_IMAGE_WEBHOOK_COMMAND_HPP
#define AKOOL_IMAGE_WEBHOOK_COMMAND_HPP

/// @file webhook_command.hpp
/// `akool-image webhook decode [--max-age SECONDS]`: reads one callback body on stdin,
/// verifies it with `akool::verify_webhook` (credentials from AKOOL_CLIENT_ID and
/// AKOOL_CLIENT_SECRET) and prints the decrypted payload as one JSON object
/// (`{"_id","status","type","url"}`, `type` and `url` only when present).
///
/// Exit codes: 0 decoded; 2 bad arguments or missing (or wrongly sized) credentials; 3 the
/// body was refused: bad signature, stale, not base64, undecryptable, bad JSON, missing field,
/// too large or unreadable. The reason is one line on stderr; neither the body nor a credential
/// is ever printed there. `--max-age 0` turns the age check off (replaying old captures).

#include "cli.hpp"

#include <akool/webhook.hpp>

#include <boost/json.hpp>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <string>
#include <vector>

namespace akool_cli {

inline const char* const webhook_usage =
    "usage: akool-image webhook decode [--max-age SECONDS]\n"
    "  Reads one webhook callback body on stdin, checks its signature and age, decrypts it\n"
    "  and prints the payload as one JSON object.\n"
    "  --max-age SECONDS     accepted age of the callback (default 300); 0 turns the check off\n"
    "environment: AKOOL_CLIENT_ID (16 characters: the AES IV) and AKOOL_CLIENT_SECRET (16, 24\n"
    "  or 32 characters: AES-128, 192 or 256)\n"
    "exit codes: 0 decoded; 2 bad arguments or credentials (the signature is checked first,\n"
    "with a client id of any length); 3 bad signature, stale timestamp, undecryptable or\n"
    "malformed body.\n";

/// Largest body read from stdin.
inline constexpr std::size_t webhook_body_limit = 1024 * 1024;

/// The payload as the JSON object the service encrypted (`type` and `url` left out when empty).
inline boost::json::object webhook_payload_object(const akool::webhook_payload& p)
{
    boost::json::object o;
    o["_id"] = p.id;
    o["status"] = static_cast<int>(p.status);
    if (!p.type.empty()) o["type"] = p.type;
    if (!p.url.empty()) o["url"] = p.url;
    return o;
}

/// Runs `akool-image webhook ...` (`argv[1]` is "webhook"). Reads `in` (a C stream, whose
/// read errors are told apart from its end), prints the payload on `out` and the one-line
/// reason (prefixed "akool-image: ") on `err`. Returns the exit code.
inline int run_webhook(int argc, char** argv, std::FILE* in, std::ostream& out, std::ostream& err)
{
    const std::vector<std::string> secrets = secrets_from_env();  // AKOOL_CLIENT_SECRET among them
    auto fail = [&](int code, const std::string& reason) {
        std::string s = scrub("akool-image: " + reason, secrets);
        for (char& c : s)
            if (c == '\n' || c == '\r') c = ' ';
        err << s << "\n" << std::flush;
        return code;
    };

    std::vector<std::string> args(argv + 1, argv + argc);  // args[0] == "webhook"
    for (const auto& a : args)
        if (a == "--help" || a == "-h") {
            out << webhook_usage << std::flush;
            return out ? exit_ok : fail(exit_other, "webhook: cannot write the help to stdout");
        }
    if (args.size() < 2) return fail(exit_invalid, "webhook: missing subcommand: decode (see akool-image webhook --help)");
    if (args[1] != "decode")
        return fail(exit_invalid, "webhook: unknown subcommand '" + args[1] + "': use decode");

    akool::webhook_options vopts;  // default window: 5 minutes
    for (std::size_t i = 2; i < args.size(); ++i) {
        std::string arg = args[i];
        std::string value;
        bool has_value = false;
        auto eq = arg.find('=');
        if (arg.compare(0, 2, "--") == 0 && eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
            has_value = true;
        }
        if (arg != "--max-age") return fail(exit_invalid, "unknown option " + arg + " for webhook decode");
        if (!has_value) {
            if (i + 1 >= args.size() || detail::is_option(args[i + 1]))
                return fail(exit_invalid, detail::needs_a_value(arg, i + 1 < args.size() ? &args[i + 1] : nullptr));
            value = args[++i];
        }
        double s = 0;
        if (!detail::parse_double(value, s) || !std::isfinite(s) || s < 0 || s > 1e9)
            return fail(exit_invalid, "--max-age: not a number of seconds, 0 or above: '" + value + "'");
        vopts.max_age = std::chrono::milliseconds(static_cast<long long>(std::ceil(s * 1000)));
    }

    const char* id = std::getenv("AKOOL_CLIENT_ID");
    const char* secret = std::getenv("AKOOL_CLIENT_SECRET");
    if (!id || !*id || !secret || !*secret)
        return fail(exit_invalid, "no credentials: set AKOOL_CLIENT_ID and AKOOL_CLIENT_SECRET");
    akool::client_credentials creds{id, secret};

    // Read with fread and ferror: an iostream over stdin reports a read error (stdin a
    // directory, an I/O error) as the end of the input, an empty body then called bad JSON.
    std::string body;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, in)) > 0;) {
        body.append(buf, n);
        if (body.size() > webhook_body_limit) return fail(exit_refused, "webhook decode: the body is larger than 1 MiB");
    }
    if (std::ferror(in)) {
        const int e = errno;
        return fail(exit_refused, "webhook decode: cannot read stdin: " + std::string(std::strerror(e)));
    }

    akool::error_code ec;
    akool::diagnostics diag;
    akool::webhook_payload p = akool::verify_webhook(body, creds, vopts, ec, diag);
    if (ec == akool::error::webhook_bad_credentials)  // the signature matched: the sizes are wrong
        return fail(exit_invalid, "webhook decode: the signature matches, but these credentials cannot decrypt: " +
                                      akool::webhook_credentials_problem(creds));
    if (ec) return fail(exit_refused, "webhook decode: " + describe(ec, diag));
    out << json_line(webhook_payload_object(p)) << "\n" << std::flush;
    if (!out) return fail(exit_other, "webhook decode: cannot write the result to stdout");
    return exit_ok;
}

} // namespace akool_cli

#endif
