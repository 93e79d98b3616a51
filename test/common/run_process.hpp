// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// Runs a program of the build (akool-image, ...) as a child process for the integration tests:
// a chosen environment, stdin from a file, stdout and stderr captured, killed after a limit.
// POSIX only (posix_spawn, poll).
#ifndef AKOOL_TEST_RUN_PROCESS_HPP
#define AKOOL_TEST_RUN_PROCESS_HPP

#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace akool_test {

struct run_result {
    int exit_code = -1;
    std::string out;
    std::string err;
    bool timed_out = false;
};

/// Runs `path` with `args`, the inherited environment minus every AKOOL_* and proxy variable plus `env`,
/// stdin read from `stdin_file`; captures stdout, stderr and the exit code (128 + signal when
/// killed). Killed with SIGKILL after `limit` (then `timed_out` is set).
inline run_result run_process(const std::string& path, const std::vector<std::string>& args,
                              const std::map<std::string, std::string>& env,
                              const std::string& stdin_file, std::chrono::milliseconds limit)
{
    run_result r;
    std::vector<std::string> env_strings;
    // Proxy variables are dropped too: a test's proxy is the one it sets.
    auto is_proxy_variable = [](const char* e) {
        for (const char* p : {"http_proxy=", "https_proxy=", "no_proxy=", "all_proxy="})
            if (::strncasecmp(e, p, std::strlen(p)) == 0) return true;
        return false;
    };
    for (char** e = environ; *e; ++e)
        if (std::strncmp(*e, "AKOOL_", 6) != 0 && !is_proxy_variable(*e)) env_strings.emplace_back(*e);
    for (const auto& kv : env) env_strings.push_back(kv.first + "=" + kv.second);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);

    std::vector<std::string> argv_strings{path};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);

    int out_pipe[2], err_pipe[2];
    BOOST_TEST_REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
    BOOST_TEST_REQUIRE(::pipe2(err_pipe, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    posix_spawn_file_actions_addopen(&actions, 0, stdin_file.c_str(), O_RDONLY, 0);
    pid_t pid = 0;
    int rc = ::posix_spawn(&pid, path.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (rc != 0) {
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
    }
    BOOST_TEST_REQUIRE(rc == 0, "cannot start " << path << ": " << std::strerror(rc));

    auto deadline = std::chrono::steady_clock::now() + limit;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&r.out, &r.err};
    int open_fds = 2;
    while (open_fds > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            r.timed_out = true;
            ::kill(pid, SIGKILL);
            break;
        }
        int n = ::poll(fds, 2, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[4096];
            ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
            if (got > 0) {
                sinks[i]->append(buf, static_cast<std::size_t>(got));
            } else {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (auto& f : fds)
        if (f.fd >= 0) ::close(f.fd);
    int status = 0;
    ::waitpid(pid, &status, 0);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

/// The non-empty lines of `text`.
inline std::vector<std::string> lines_of(const std::string& text)
{
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) out.push_back(l);
    return out;
}

} // namespace akool_test

#endif
