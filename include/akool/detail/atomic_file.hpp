// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_ATOMIC_FILE_HPP
#define AKOOL_DETAIL_ATOMIC_FILE_HPP

// Writes a file so that readers see either nothing or the whole content: a temporary file
// in the target's directory, written piece by piece as the content arrives (streamed
// downloads), optionally flushed to disk (fsync), then renamed over the target. On any
// failure, and when dropped before `commit`, the temporary file is removed and the target
// is untouched.

#include <akool/error.hpp>

#include <boost/system/errc.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <unistd.h>
#elif defined(_WIN32)
#include <boost/core/no_exceptions_support.hpp>
#include <boost/winapi/file_management.hpp>
#include <boost/winapi/get_last_error.hpp>
#include <io.h>
#endif

namespace akool {
namespace detail {

// Flushes the directory that holds `path` to disk (POSIX: fsync of the directory), so that a
// name just created or renamed there survives a power loss with the content its file was
// synced with. Best effort: some file systems refuse fsync on a directory; false then.
inline bool sync_parent_directory(const std::string& path) noexcept
{
#if defined(__unix__) || defined(__APPLE__)
    const std::size_t slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? std::string(".") : slash == 0 ? std::string("/") : path.substr(0, slash);
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
#else
    (void)path;
    return true;
#endif
}

#if defined(_WIN32)
// Renames `from` over `to` and, Windows having no fsync of a directory, writes the rename
// through to the disk before it returns (MoveFileExW with MOVEFILE_WRITE_THROUGH): the
// counterpart of a POSIX rename followed by sync_parent_directory.
// A failure is Windows' error number in the system category (ERROR_PATH_NOT_FOUND compares
// equal to errc::no_such_file_or_directory, ERROR_ACCESS_DENIED to permission_denied).
inline void rename_written_through(const std::string& from, const std::string& to, error_code& ec) noexcept
{
    constexpr boost::winapi::DWORD_ replace_existing = 0x1, write_through = 0x8;  // MOVEFILE_*
    BOOST_TRY
    {
        const std::filesystem::path f(from), t(to);
        if (boost::winapi::MoveFileExW(f.c_str(), t.c_str(), replace_existing | write_through))
            ec.clear();
        else
            ec = error_code(static_cast<int>(boost::winapi::GetLastError()), boost::system::system_category());
    }
    BOOST_CATCH(...)  // a name the path's conversion refuses (as rename would)
    {
        ec = make_error_code(boost::system::errc::invalid_argument);
    }
    BOOST_CATCH_END
}
#endif

// Refuses a path holding a NUL byte, which no file name can: the system would stop reading it
// there, and write (and rename over) the file its first part names (helper-44's audit:
// "w2/wanted.png\0.bak" wrote w2/wanted.png, with no temporary file). `what` names the path.
inline bool refuses_nul_in_path(const std::string& path, const char* what, error_code& ec, std::string& detail)
{
    const std::size_t at = path.find('\0');
    if (at == std::string::npos) return false;
    ec = make_error_code(boost::system::errc::invalid_argument);
    detail = std::string(what) + " holds a NUL byte (at offset " + std::to_string(at) + "), which no file name may";
    return true;
}

// Flushes a written file's content to the disk: fsync; on macOS F_FULLFSYNC (its fsync
// leaves the data in the drive's cache), fsync where the file system refuses it; on Windows
// _commit (FlushFileBuffers). Before, Windows and macOS kept the content only as far as the
// system's cache or the drive's (helper-44).
inline bool flush_file_to_disk(std::FILE* f) noexcept
{
#if defined(__APPLE__)
    const int fd = ::fileno(f);
    return ::fcntl(fd, F_FULLFSYNC) == 0 || ::fsync(fd) == 0;
#elif defined(__unix__)
    return ::fsync(::fileno(f)) == 0;
#elif defined(_WIN32)
    return ::_commit(::_fileno(f)) == 0;
#else
    (void)f;
    return true;
#endif
}

class atomic_file_writer {
public:
    atomic_file_writer() = default;
    atomic_file_writer(const atomic_file_writer&) = delete;
    atomic_file_writer& operator=(const atomic_file_writer&) = delete;
    ~atomic_file_writer() { abort(); }

    // Creates the temporary file `base` + ".part-<8 hex digits, random>" (in base's
    // directory; base's name cut so that the whole name fits in 255 bytes, temp_name), as a
    // new file: a name that exists, a symbolic link included, is never opened, followed or
    // removed; another random name is tried (8 in all).
    bool open(const std::string& base, error_code& ec, std::string& detail)
    {
        std::random_device rd;
        return open(base, ec, detail, [&rd] { return rd(); });
    }

    // Same, the random numbers from `random()` (tests).
    template <class Random>
    bool open(const std::string& base, error_code& ec, std::string& detail, Random&& random)
    {
        abort();
        size_ = 0;
        for (int attempt = 1;; ++attempt) {
            tmp_ = temp_name(base, static_cast<std::uint32_t>(random()));
            f_ = create_new(tmp_.c_str());
            if (f_ || errno != EEXIST || attempt == 8) break;
        }
        if (!f_) {
            ec = error_code(errno, boost::system::generic_category());
            detail = "cannot create " + tmp_ + ": " + ec.message();
            tmp_.clear();  // not ours: left as it is
            return false;
        }
        // Unbuffered: the pieces come in tens of KiB (a download's reads), and through the C
        // library's buffer each one cost two write(2) calls (the buffer's remainder, then the
        // rest) instead of one.
        std::setvbuf(f_, nullptr, _IONBF, 0);
        return true;
    }
    bool is_open() const noexcept { return f_ != nullptr; }

    // Appends `data`: one write(2), or more when the system takes part of it.
    bool write(std::string_view data, error_code& ec, std::string& detail)
    {
        if (data.empty()) return true;
        if (std::fwrite(data.data(), 1, data.size(), f_) != data.size()) return fail_errno("cannot write", ec, detail);
        size_ += data.size();
        return true;
    }

    // Flushes, writes to disk when `sync` (flush_file_to_disk), closes and renames the
    // temporary file to `path`; with `sync`, the directory too (sync_parent_directory, POSIX;
    // on Windows the rename is written through, rename_written_through), so that the new name
    // is on disk as well as the content: a journal that says "saved" after commit does not
    // outlive it.
    bool commit(const std::string& path, bool sync, error_code& ec, std::string& detail)
    {
        const bool ok = std::fflush(f_) == 0 && (!sync || flush_file_to_disk(f_));
        if (!ok) return fail_errno("cannot write", ec, detail);
        std::FILE* f = f_;
        f_ = nullptr;
        if (std::fclose(f) != 0) return fail_errno("cannot close", ec, detail);
        error_code rename_ec;
#if defined(_WIN32)
        if (sync)
            rename_written_through(tmp_, path, rename_ec);
        else
#endif
        {
            std::error_code sec;  // errno values
            std::filesystem::rename(tmp_, path, sec);
            if (sec) rename_ec = error_code(sec.value(), boost::system::generic_category());
        }
        if (rename_ec) {
            ec = rename_ec;
            detail = "cannot rename " + tmp_ + " to " + path + ": " + rename_ec.message();
            std::remove(tmp_.c_str());
            tmp_.clear();
            return false;
        }
        tmp_.clear();
        if (sync) sync_parent_directory(path);
        return true;
    }

    // Closes and removes the temporary file, if any.
    void abort() noexcept
    {
        if (f_) std::fclose(f_);
        f_ = nullptr;
        if (!tmp_.empty()) std::remove(tmp_.c_str());
        tmp_.clear();
    }

    std::uint64_t size() const noexcept { return size_; }
    const std::string& temp_path() const noexcept { return tmp_; }

    // `base` + ".part-" + `r` as 8 hex digits, base's file name cut (whole UTF-8 characters)
    // so that the temporary one has at most 255 bytes, the most a file name has on common
    // file systems: a target name of 242 to 255 bytes, which the system accepts, got
    // ENAMETOOLONG for its temporary file, or only for some random numbers (helper-15's audit).
    static std::string temp_name(const std::string& base, std::uint32_t r)
    {
        constexpr std::size_t name_max = 255, suffix = temp_suffix.size() + 8;
#ifdef _WIN32
        const std::size_t slash = base.find_last_of("/\\");
#else
        const std::size_t slash = base.rfind('/');
#endif
        const std::size_t name_at = slash == std::string::npos ? 0 : slash + 1;
        std::size_t keep = base.size();
        if (keep - name_at > name_max - suffix) {
            keep = name_at + (name_max - suffix);
            while (keep > name_at && (static_cast<unsigned char>(base[keep]) & 0xC0) == 0x80) --keep;
        }
        static constexpr char hex[] = "0123456789abcdef";
        std::string out(base, 0, keep);
        out += temp_suffix;
        for (int shift = 28; shift >= 0; shift -= 4) out += hex[(r >> shift) & 15u];
        return out;
    }

    // The target's file name of a temporary file's name (temp_name's form: NAME.part- and 8
    // lower-case hex digits), else empty: to find the ones a killed process left.
    static std::string_view target_of_temp_name(std::string_view name) noexcept
    {
        if (name.size() < temp_suffix.size() + 8) return {};
        for (char c : name.substr(name.size() - 8))
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return {};
        name.remove_suffix(8);
        if (name.substr(name.size() - temp_suffix.size()) != temp_suffix) return {};
        name.remove_suffix(temp_suffix.size());
        return name;
    }

private:
    static constexpr std::string_view temp_suffix = ".part-";

    // Opens `path` for writing only if this call creates it (O_EXCL: never through a link).
    static std::FILE* create_new(const char* path) noexcept
    {
#if defined(__unix__) || defined(__APPLE__)
        const int fd = ::open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0) return nullptr;
        std::FILE* f = ::fdopen(fd, "wb");
        if (!f) {
            const int saved = errno;
            ::close(fd);
            std::remove(path);
            errno = saved;
        }
        return f;
#else
        return std::fopen(path, "wbx");  // C11 "x": exclusive creation
#endif
    }

    bool fail_errno(const char* what, error_code& ec, std::string& detail)
    {
        ec = error_code(errno, boost::system::generic_category());
        detail = std::string(what) + " " + tmp_ + ": " + ec.message();
        abort();
        return false;
    }

    std::FILE* f_ = nullptr;
    std::string tmp_;
    std::uint64_t size_ = 0;
};

// Makes sure new files can be written in `dir`, creating it (and its parents) when absent,
// by creating and removing a temporary file there. With `sync`, each directory it created is
// flushed into its parent (sync_parent_directory), so that after a power loss the files later
// synced in it are not lost with their directory's name (helper-44). A generate checks its
// output directory this way before its create spends credits.
inline bool prepare_output_dir(const std::string& dir, bool sync, error_code& ec, std::string& detail)
{
    if (refuses_nul_in_path(dir, "the output directory's path", ec, detail)) return false;
    std::error_code sec;
    // The directories to be made: `dir` and those of its parents that do not exist yet.
    std::vector<std::filesystem::path> absent;
    std::filesystem::path p = std::filesystem::path(dir).lexically_normal();
    if (!p.has_filename()) p = p.parent_path();  // "out/"
    for (; !p.empty() && !std::filesystem::exists(p, sec); p = p.parent_path()) {
        if (!absent.empty() && absent.back() == p) break;  // a root or "." that does not change
        absent.push_back(p);
    }
    std::filesystem::create_directories(dir, sec);
    if (sec) {
        ec = error_code(sec.value(), boost::system::generic_category());
        detail = "cannot create the output directory " + dir + ": " + sec.message();
        return false;
    }
    if (sync)
        for (const auto& made : absent) sync_parent_directory(made.string());
    atomic_file_writer probe;  // its temporary file goes with it
    if (!probe.open((std::filesystem::path(dir) / ".akool-write-check").string(), ec, detail)) {
        detail = "the output directory " + dir + " does not accept new files: " + detail;
        return false;
    }
    return true;
}

} // namespace detail
} // namespace akool

#endif
