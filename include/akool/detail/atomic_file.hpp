// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_ATOMIC_FILE_HPP
#define AKOOL_DETAIL_ATOMIC_FILE_HPP

// Writes a file so that readers see either nothing or the whole content: a temporary file
// in the same directory, flushed to disk, then renamed over the target. On any failure the
// temporary file is removed and the target is untouched.

#include <akool/error.hpp>

#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <system_error>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace akool {
namespace detail {

inline void write_file_atomically(const std::string& path, std::string_view data, error_code& ec,
                                  std::string& detail)
{
    namespace fs = std::filesystem;
    ec.clear();
    std::random_device rd;
    std::string tmp = path + ".part-" + std::to_string(rd());
    auto fail_errno = [&](const char* what) {
        ec = error_code(errno, boost::system::generic_category());
        detail = std::string(what) + " " + tmp + ": " + ec.message();
        std::remove(tmp.c_str());
    };
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) {
        ec = error_code(errno, boost::system::generic_category());
        detail = "cannot create " + tmp + ": " + ec.message();
        return;
    }
    bool ok = data.empty() || std::fwrite(data.data(), 1, data.size(), f) == data.size();
    ok = ok && std::fflush(f) == 0;
#if defined(__unix__) || defined(__APPLE__)
    ok = ok && ::fsync(::fileno(f)) == 0;
#endif
    if (!ok) {
        int e = errno;
        std::fclose(f);
        errno = e;
        return fail_errno("cannot write");
    }
    if (std::fclose(f) != 0) return fail_errno("cannot close");
    std::error_code sec;
    fs::rename(tmp, path, sec);
    if (sec) {
        ec = error_code(sec.value(), boost::system::generic_category());
        detail = "cannot rename " + tmp + " to " + path + ": " + sec.message();
        std::remove(tmp.c_str());
    }
}

} // namespace detail
} // namespace akool

#endif
