// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_TEST_TEMP_DIR_HPP
#define AKOOL_TEST_TEMP_DIR_HPP

/// @file temp_dir.hpp
/// Temporary directories for tests: `make_temp_dir` makes one, `temp_dir` also removes it.

#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>

namespace akool_test {

/// A fresh, unique directory under the system temp dir (not removed: see temp_dir).
inline std::string make_temp_dir(const std::string& prefix = "akool-test-")
{
    namespace fs = std::filesystem;
    std::random_device rd;
    for (int attempt = 0; attempt < 100; ++attempt) {
        fs::path p = fs::temp_directory_path() / (prefix + std::to_string(rd()) + std::to_string(attempt));
        std::error_code ec;
        if (fs::create_directory(p, ec)) return p.string();
    }
    throw std::runtime_error("make_temp_dir: cannot create a directory");
}

/// A directory from `make_temp_dir`, removed with everything in it when this object ends.
class temp_dir {
public:
    explicit temp_dir(const std::string& prefix = "akool-test-") : path_(make_temp_dir(prefix)) {}
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

} // namespace akool_test

#endif
