// A Windows run of detail::atomic_file_writer's commit with `sync` (MoveFileExW with
// MOVEFILE_WRITE_THROUGH, rename_written_through): a file replaced twice holds the second
// content, no temporary file is left, and a rename into a missing directory or over a
// directory is refused with Windows' error (system category) and words. Not part of CI
// (which compiles the Windows paths only, test/mingw); run by hand under Wine (Debian
// packages g++-mingw-w64-x86-64-posix and wine64), from the repo root:
//
//   x86_64-w64-mingw32-g++-posix -std=c++17 -O1 -static -Iinclude -Ibuild/mingw/include/deps
//       -Ibuild/mingw/include/config test/mingw/atomic_rename.cpp -o /tmp/atomic_rename.exe
//   (one line)
//   mkdir -p /tmp/w && cd /tmp/w && WINEDEBUG=-all /usr/lib/wine/wine64 /tmp/atomic_rename.exe
//
// (build/mingw: `cmake -S test/mingw -B build/mingw -G Ninja`, which links Boost's and
// OpenSSL's headers there.) It prints one line per check and exits 1 when one fails.
#include <akool/detail/atomic_file.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

int main()
{
    int failures = 0;
    auto check = [&failures](bool ok, const std::string& what) {
        std::printf("%s: %s\n", ok ? "ok" : "FAILED", what.c_str());
        failures += ok ? 0 : 1;
    };
    for (const std::string data : {"first", "second, longer content"}) {  // the second replaces the first
        akool::detail::atomic_file_writer w;
        akool::error_code ec;
        std::string detail;
        const bool ok = w.open("out.png", ec, detail) && w.write(data, ec, detail) &&
                        w.commit("out.png", true, ec, detail);
        std::ifstream in("out.png", std::ios::binary);
        const std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        check(ok && got == data, "commit with sync leaves \"" + data + "\" (read back: \"" + got + "\") " + detail);
    }
    // Refusals keep Windows' error in the system category, which compares equal to the
    // portable condition (helper-51's review: they became unrelated errno values).
    auto refused = [&check](const std::string& target, boost::system::errc::errc_t expected, const char* what) {
        akool::detail::atomic_file_writer w;
        akool::error_code ec;
        std::string detail;
        const bool ok = w.open("other.png", ec, detail) && w.write("x", ec, detail) &&
                        w.commit(target, true, ec, detail);
        check(!ok && ec == expected, std::string(what) + ": " + ec.message() + " / " + detail);
    };
    refused("no-such-dir/out.png", boost::system::errc::no_such_file_or_directory, "a rename into a missing directory");
    std::filesystem::create_directory("a-directory");
    refused("a-directory", boost::system::errc::permission_denied, "a rename over a directory");
    std::filesystem::remove("a-directory");
    std::size_t entries = 0;
    for (const auto& e : std::filesystem::directory_iterator(".")) {
        (void)e;
        ++entries;
    }
    check(entries == 1, "only out.png is left (" + std::to_string(entries) + " entries)");
    return failures == 0 ? 0 : 1;
}
