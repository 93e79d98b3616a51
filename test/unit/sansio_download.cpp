// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// The download algorithm (detail/sansio/download.hpp) stepped by hand: the redirect decision
// (each followed status with an absolute and a relative Location, loops, the sixth hop,
// https to http, no Location), URL reference resolution, and the body sink (image check on
// the first bytes, the size limit mid-stream, a temporary file that is renamed only on
// success and removed on any failure). No Asio, no socket.
#define BOOST_TEST_MODULE sansio_download
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <akool/detail/sansio/download.hpp>
#include <akool/detail/utf8.hpp>

#include "temp_dir.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <string>

#if defined(__unix__) || defined(__APPLE__)
#include <csignal>
#include <sys/resource.h>
#endif

namespace akool {
// Lets BOOST_TEST print `ec == akool::error::x` (calling_styles.hpp has it, with Asio).
inline std::ostream& boost_test_print_type(std::ostream& os, error e) { return os << make_error_code(e).message(); }
} // namespace akool

namespace bdata = boost::unit_test::data;
namespace sansio = akool::detail::sansio;
namespace fs = std::filesystem;
using akool::error_code;
using sansio::redirect_action;

namespace {

const std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDRfake-png-body", 29);
const error_code http_status = make_error_code(akool::error::http_status);

// Feeds `body` to a request's sink in chunks of `chunk` bytes; the sink's error, if any.
error_code feed(const akool::http_request& r, const std::string& body, std::size_t chunk)
{
    error_code ec;
    for (std::size_t at = 0; at < body.size() && !ec; at += chunk)
        r.body_sink(std::string_view(body).substr(at, chunk), ec);
    return ec;
}

akool::http_response reply(int status, std::string location = {})
{
    akool::http_response r;
    r.status = status;
    if (!location.empty()) r.headers.push_back({"Location", std::move(location)});
    return r;
}

} // namespace

BOOST_AUTO_TEST_CASE(references_resolve_against_the_current_url)
{
    std::string out;
    const std::string base = "https://cdn.example.test/a/b/img.png?sig=1";
    BOOST_TEST(akool::detail::resolve_url_reference(base, "https://other.test/x.png", out));
    BOOST_TEST(out == "https://other.test/x.png");
    BOOST_TEST(akool::detail::resolve_url_reference(base, "//other.test:8443/x", out));
    BOOST_TEST(out == "https://other.test:8443/x");
    BOOST_TEST(akool::detail::resolve_url_reference(base, "/root.png?x=1", out));
    BOOST_TEST(out == "https://cdn.example.test/root.png?x=1");
    BOOST_TEST(akool::detail::resolve_url_reference(base, "next.png", out));
    BOOST_TEST(out == "https://cdn.example.test/a/b/next.png");
    BOOST_TEST(akool::detail::resolve_url_reference(base, "../c/./d.png", out));
    BOOST_TEST(out == "https://cdn.example.test/a/c/d.png");
    BOOST_TEST(akool::detail::resolve_url_reference(base, "?sig=2", out));
    BOOST_TEST(out == "https://cdn.example.test/a/b/img.png?sig=2");
    // Only a fragment: the base itself, its query kept (RFC 3986 5.2.2), so a redirect there is a loop.
    BOOST_TEST(akool::detail::resolve_url_reference(base, "#x", out));
    BOOST_TEST(out == base);
    BOOST_TEST(akool::detail::resolve_url_reference(base, "#", out));
    BOOST_TEST(out == base);
    BOOST_TEST(akool::detail::resolve_url_reference("http://[::1]:8080/i/1", "2", out));
    BOOST_TEST(out == "http://[::1]:8080/i/2");
    BOOST_TEST(!akool::detail::resolve_url_reference(base, "ftp://other.test/x", out));
    BOOST_TEST(!akool::detail::resolve_url_reference(base, "/bad path", out));
    BOOST_TEST(!akool::detail::resolve_url_reference(base, "", out));
}

const int followed[] = {301, 302, 303, 307, 308};
const bool relative[] = {false, true};

BOOST_DATA_TEST_CASE(each_redirect_status_is_followed, bdata::make(followed) * bdata::make(relative), status, rel)
{
    sansio::redirect_algo r("https://cdn.example.test/img/1.png");
    auto a = r.resume(http_status, status, rel ? "../moved/1.png" : "https://store.example.test/moved/1.png");
    BOOST_TEST(int(a) == int(redirect_action::follow));
    BOOST_TEST(r.url() == (rel ? "https://cdn.example.test/moved/1.png" : "https://store.example.test/moved/1.png"));
    BOOST_TEST(r.hops() == 1u);
    // The next hop's 200 ends the download with its own outcome.
    BOOST_TEST(int(r.resume({}, 200, "")) == int(redirect_action::done));
}

const int not_followed[] = {200, 300, 304, 305, 404, 500};

BOOST_DATA_TEST_CASE(other_statuses_are_the_exchanges_own_outcome, bdata::make(not_followed), status)
{
    sansio::redirect_algo r("https://cdn.example.test/1.png");
    BOOST_TEST(int(r.resume(status == 200 ? error_code{} : http_status, status, "/elsewhere")) ==
               int(redirect_action::done));
    BOOST_TEST(r.url() == "https://cdn.example.test/1.png");
    // A transport failure is never a redirect, whatever it reports.
    BOOST_TEST(int(r.resume(make_error_code(akool::error::timeout), 0, "")) == int(redirect_action::done));
}

// The status decides: a redirect whose body looks like an API reply ({"code":302}, which the
// exchange classifies as an API error) is followed like one with an HTML body.
const int api_codes_in_a_redirect_body[] = {302, 1003, 1101};

BOOST_DATA_TEST_CASE(a_redirect_with_an_api_code_in_its_body_is_followed, bdata::make(api_codes_in_a_redirect_body),
                     code)
{
    sansio::redirect_algo r("https://cdn.example.test/1.png");
    BOOST_TEST(int(r.resume(akool::make_api_error(code), 302, "https://cdn2.example.test/1.png")) ==
               int(redirect_action::follow));
    BOOST_TEST(r.url() == "https://cdn2.example.test/1.png");

    // The download forgets what the redirect's body said.
    akool::diagnostics diag;
    sansio::download_algo d("https://cdn.example.test/1.png", {}, {});
    error_code ec;
    d.request(ec, diag);
    d.see_reply({}, reply(302, "https://cdn2.example.test/1.png"));
    ec = akool::make_api_error(code);
    diag.api_code = code;
    diag.server_message = "Found";
    diag.http_status = 302;
    BOOST_TEST(d.resume(ec, diag));
    BOOST_TEST(!ec);
    BOOST_TEST(diag.api_code == 0);
    BOOST_TEST(diag.server_message.empty());
    BOOST_TEST(d.request(ec, diag).url == "https://cdn2.example.test/1.png");
}

// Each hop's request asks the transport for a public address when the download was told to
// (download_options::addresses, decided by the client): the redirect's too, where a hostile
// image host would send it to the user's network.
BOOST_DATA_TEST_CASE(every_hop_asks_for_a_public_address_when_told_to, bdata::make({false, true}), public_only)
{
    sansio::download_algo d("https://cdn.example.test/1.png", {}, {}, public_only);
    akool::diagnostics diag;
    error_code ec;
    BOOST_TEST(d.request(ec, diag).public_address_only == public_only);
    d.see_reply({}, reply(302, "https://169.254.169.254/latest/meta-data/"));
    ec = make_error_code(akool::error::http_status);
    diag.http_status = 302;
    BOOST_TEST_REQUIRE(d.resume(ec, diag));
    const akool::http_request next = d.request(ec, diag);
    BOOST_TEST(next.url == "https://169.254.169.254/latest/meta-data/");
    BOOST_TEST(next.public_address_only == public_only);
}

BOOST_AUTO_TEST_CASE(a_fragment_only_location_is_a_loop)
{
    sansio::redirect_algo r("https://h.test/img.png?X-Amz-Signature=abc");
    BOOST_TEST(int(r.resume(http_status, 302, "#x")) == int(redirect_action::fail));
    BOOST_TEST(r.error() == akool::error::too_many_redirects);
    BOOST_TEST(r.message().find("loop") != std::string::npos, r.message());
    BOOST_TEST(r.url() == "https://h.test/img.png?X-Amz-Signature=abc");
}

BOOST_AUTO_TEST_CASE(five_hops_are_followed_and_a_sixth_is_refused)
{
    sansio::redirect_algo r("http://h.test/0");
    for (int i = 1; i <= 5; ++i)
        BOOST_TEST(int(r.resume(http_status, 302, "/" + std::to_string(i))) == int(redirect_action::follow));
    BOOST_TEST(r.url() == "http://h.test/5");
    BOOST_TEST(int(r.resume(http_status, 302, "/6")) == int(redirect_action::fail));
    BOOST_TEST(r.error() == akool::error::too_many_redirects);
    BOOST_TEST(r.message().find("http://h.test/6") != std::string::npos, r.message());
    BOOST_TEST(r.message().find("redirect 6") != std::string::npos, r.message());
    BOOST_TEST(r.url() == "http://h.test/5");
}

BOOST_AUTO_TEST_CASE(a_refused_redirect_names_its_urls_without_their_query_strings)
{
    // A pre-signed URL's signature is a credential: messages name scheme, host and path only.
    sansio::redirect_algo r("https://cdn.example.test/img/1.png?X-Amz-Signature=first-secret&X-Amz-Expires=60");
    BOOST_TEST(int(r.resume(http_status, 302, "http://cdn.example.test/1.png?sig=second-secret")) ==
               int(redirect_action::fail));
    BOOST_TEST(r.error() == akool::error::insecure_redirect);
    BOOST_TEST(r.message() == "refused a redirect from https to plain http, to http://cdn.example.test/1.png?... "
                              "(HTTP 302 from https://cdn.example.test/img/1.png?..., redirect 1)");

    sansio::redirect_algo loop("http://h.test:8080/a?token=third-secret");
    BOOST_TEST(int(loop.resume(http_status, 301, "/a?token=third-secret#frag")) == int(redirect_action::fail));
    BOOST_TEST(loop.message() == "a redirect loop: http://h.test:8080/a?... was already fetched "
                                 "(HTTP 301 from http://h.test:8080/a?..., redirect 1)");
}

BOOST_AUTO_TEST_CASE(a_loop_is_refused)
{
    sansio::redirect_algo r("http://h.test/a");
    BOOST_TEST(int(r.resume(http_status, 301, "/b")) == int(redirect_action::follow));
    BOOST_TEST(int(r.resume(http_status, 301, "http://h.test/a")) == int(redirect_action::fail));
    BOOST_TEST(r.error() == akool::error::too_many_redirects);
    BOOST_TEST(r.message().find("loop") != std::string::npos, r.message());

    sansio::redirect_algo self("http://h.test/a");
    BOOST_TEST(int(self.resume(http_status, 307, "a")) == int(redirect_action::fail));
    BOOST_TEST(self.error() == akool::error::too_many_redirects);
}

BOOST_AUTO_TEST_CASE(https_to_http_is_refused_http_to_https_followed)
{
    sansio::redirect_algo r("https://h.test/a");
    BOOST_TEST(int(r.resume(http_status, 302, "http://h.test/a")) == int(redirect_action::fail));
    BOOST_TEST(r.error() == akool::error::insecure_redirect);
    BOOST_TEST(r.message().find("http://h.test/a") != std::string::npos, r.message());

    sansio::redirect_algo up("http://h.test/a");
    BOOST_TEST(int(up.resume(http_status, 302, "https://h.test/a")) == int(redirect_action::follow));
}

BOOST_AUTO_TEST_CASE(a_redirect_without_a_usable_location_is_refused)
{
    sansio::redirect_algo r("https://h.test/a");
    BOOST_TEST(int(r.resume(http_status, 302, "")) == int(redirect_action::fail));
    BOOST_TEST(r.error() == akool::error::bad_redirect);
    BOOST_TEST(r.message().find("without a Location") != std::string::npos, r.message());
    BOOST_TEST(int(r.resume(http_status, 302, "mailto:x@y")) == int(redirect_action::fail));
    BOOST_TEST(r.error() == akool::error::bad_redirect);
}

BOOST_AUTO_TEST_CASE(hops_carry_no_credentials_and_go_to_the_sink)
{
    akool::diagnostics diag;
    sansio::download_algo d("https://cdn.example.test/1.png", {}, {});
    error_code ec;
    auto req = d.request(ec, diag);
    BOOST_TEST(!ec);
    BOOST_TEST(req.headers.empty());
    BOOST_TEST(bool(req.body_sink));
    d.see_reply({}, reply(302, "https://other.example.test/2.png"));
    ec = http_status;
    BOOST_TEST(d.resume(ec, diag));
    req = d.request(ec, diag);
    BOOST_TEST(req.url == "https://other.example.test/2.png");
    BOOST_TEST(req.headers.empty());
    BOOST_TEST(!feed(req, png, 5));
    d.see_reply({}, reply(200));
    ec.clear();
    BOOST_TEST(!d.resume(ec, diag));
    d.finish(ec, diag);
    BOOST_TEST(!ec);
    BOOST_TEST(d.data() == png);
    BOOST_TEST(d.size() == png.size());
}

BOOST_AUTO_TEST_CASE(the_image_check_reads_the_first_bytes)
{
    akool::diagnostics diag;
    sansio::download_algo d("https://cdn.example.test/1.png", {}, {});
    error_code ec;
    auto req = d.request(ec, diag);
    // The first 12 bytes decide: the sink refuses at once, the rest is never asked for.
    error_code sink_ec;
    req.body_sink("<html>an err", sink_ec);
    BOOST_TEST(sink_ec == akool::error::not_an_image);
    d.see_reply(sink_ec, {});
    ec = sink_ec;
    BOOST_TEST(!d.resume(ec, diag));
    d.finish(ec, diag);
    BOOST_TEST(ec == akool::error::not_an_image);
    BOOST_TEST(diag.client_message.find("not a PNG") != std::string::npos, diag.client_message);
    BOOST_TEST(d.data().empty());

    // A body shorter than the magic bytes is checked when it ends.
    sansio::download_algo s("https://cdn.example.test/1.png", {}, {});
    req = s.request(ec, diag);
    BOOST_TEST(!feed(req, "GIF", 3));
    ec.clear();
    s.finish(ec, diag);
    BOOST_TEST(ec == akool::error::not_an_image);
}

// A download's failure names the URL it fetched (without its query string): the image
// host's 404 is not the service's.
BOOST_AUTO_TEST_CASE(a_failed_download_names_its_url)
{
    akool::diagnostics diag;
    sansio::download_algo d("https://cdn.example.test/1.png?X-Signature=secret", {}, {});
    error_code ec;
    auto req = d.request(ec, diag);
    d.see_reply({}, reply(404));
    ec = http_status;
    diag.client_message = "the server answered HTTP 404";
    BOOST_TEST(!d.resume(ec, diag));
    d.finish(ec, diag);
    BOOST_TEST(ec == akool::error::http_status);
    BOOST_TEST(diag.client_message == "downloading https://cdn.example.test/1.png?...: the server answered HTTP 404");
}

BOOST_AUTO_TEST_CASE(the_size_limit_stops_mid_stream_and_leaves_no_file)
{
    akool_test::temp_dir tmp;
    const std::string dir = tmp.path();
    auto path = (fs::path(dir) / "out.png").string();
    akool::download_options o;
    o.max_bytes = 20;
    akool::diagnostics diag;
    sansio::download_algo d("https://cdn.example.test/1.png", o, {path});
    error_code ec;
    auto req = d.request(ec, diag);
    ec = feed(req, png, 8);
    BOOST_TEST(ec == akool::error::response_too_large);
    BOOST_TEST(fs::is_empty(dir), "the temporary file is removed as soon as the limit is hit");
    d.see_reply(ec, {});
    BOOST_TEST(!d.resume(ec, diag));
    d.finish(ec, diag);
    BOOST_TEST(ec == akool::error::response_too_large);
    BOOST_TEST(diag.client_message.find("limit of 20 bytes") != std::string::npos, diag.client_message);
    BOOST_TEST(fs::is_empty(dir));
}

// The limit is inclusive: an image of exactly max_bytes bytes is taken, one byte more is
// refused (helper-27's mutation D5 refused the first), in memory and to a file.
BOOST_DATA_TEST_CASE(an_image_of_exactly_the_limit_is_taken_one_byte_more_refused,
                     bdata::make({false, true}) * bdata::make({false, true}), to_file, over)
{
    akool_test::temp_dir tmp;
    const std::string path = to_file ? (fs::path(tmp.path()) / "out.png").string() : std::string();
    akool::download_options o;
    o.max_bytes = png.size();
    std::string body = png;
    if (over) body += 'x';
    akool::diagnostics diag;
    sansio::download_algo d("https://cdn.example.test/1.png", o, {path});
    error_code ec;
    auto req = d.request(ec, diag);
    const error_code fed = feed(req, body, 7);
    d.see_reply(fed, reply(200));
    BOOST_TEST(!d.resume(ec, diag));
    d.finish(ec, diag);
    if (over) {
        BOOST_TEST(ec == akool::error::response_too_large, ec.message());
        BOOST_TEST(fs::is_empty(tmp.path()));
        return;
    }
    BOOST_TEST(!ec, ec.message() << ": " << diag.client_message);
    if (to_file)
        BOOST_TEST(fs::file_size(path) == png.size());
    else
        BOOST_TEST(d.data() == png);
}

// A download to memory holds its body, not twice it: with a Content-Length the string is
// sized once (no copy as it grows); without one it grows by doubling, but never past the
// limit. (std::string's own growth rounds up to twice the old capacity: a 25 MB image held
// 32 MB, and a body near the limit twice the limit.)
BOOST_DATA_TEST_CASE(a_download_to_memory_holds_its_body_not_twice_it, bdata::make({true, false}), announced)
{
    const std::size_t n = 25 * 1000 * 1000 + 123;  // a 4k PNG's size
    std::string body = png;
    body.resize(n, 'x');
    akool::download_options o;
    o.max_bytes = n + 1000;
    akool::diagnostics diag;
    sansio::download_algo d("https://cdn.example.test/1.png", o, {});
    error_code ec;
    auto req = d.request(ec, diag);
    BOOST_TEST(!!req.body_sink.length, "a download to memory asks for the reply's length");
    if (announced) req.body_sink.announce_length(n);
    BOOST_TEST(!feed(req, body, 64 * 1024));
    d.see_reply({}, reply(200));
    BOOST_TEST(!d.resume(ec, diag));
    d.finish(ec, diag);
    BOOST_TEST(!ec, ec.message() << ": " << diag.client_message);
    BOOST_TEST(d.data().size() == n);
    BOOST_TEST((d.data() == body));
    if (announced)
        BOOST_TEST(d.data().capacity() < n + 64);
    else
        BOOST_TEST(d.data().capacity() <= o.max_bytes);
}

BOOST_AUTO_TEST_CASE(a_file_is_streamed_then_renamed_only_on_success)
{
    akool_test::temp_dir tmp;
    const std::string dir = tmp.path();
    auto base = (fs::path(dir) / "task1").string();
    akool::download_options o;
    o.sync_to_disk = false;
    akool::diagnostics diag;
    sansio::download_algo d("https://cdn.example.test/1", o, {base, true});
    error_code ec;
    auto req = d.request(ec, diag);
    BOOST_TEST(!feed(req, png.substr(0, 20), 7));
    // While it streams: one temporary file, not the target.
    BOOST_TEST(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
    BOOST_TEST(!fs::exists(base + ".png"));
    // The attempt fails mid-body (a dropped connection): the body starts again.
    d.see_reply(make_error_code(akool::error::timeout), {});
    BOOST_TEST(fs::is_empty(dir));
    BOOST_TEST(!feed(req, png, 7));
    d.see_reply({}, reply(200));
    ec.clear();
    BOOST_TEST(!d.resume(ec, diag));
    d.finish(ec, diag);
    BOOST_TEST(!ec, diag.client_message);
    BOOST_TEST(d.path() == base + ".png");
    BOOST_TEST(fs::file_size(base + ".png") == png.size());
    BOOST_TEST(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);

    // A failure after the body (a refused redirect is one) leaves nothing either.
    auto other = (fs::path(dir) / "other.png").string();
    sansio::download_algo f("https://cdn.example.test/1", o, {other});
    req = f.request(ec, diag);
    BOOST_TEST(!feed(req, png, 29));
    ec = make_error_code(akool::error::timeout);
    f.finish(ec, diag);
    BOOST_TEST(!fs::exists(other));
    BOOST_TEST(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
}

#if defined(__unix__) || defined(__APPLE__)
// A write that fails (here: the process's file size limit, as a full disk would) ends the
// download at the chunk that failed, not when the file is committed, and leaves nothing.
BOOST_AUTO_TEST_CASE(a_failed_write_stops_the_stream_at_once_and_leaves_no_file)
{
    akool_test::temp_dir tmp;
    const std::string dir = tmp.path();
    auto path = (fs::path(dir) / "out.png").string();
    akool::download_options o;
    o.sync_to_disk = false;
    akool::diagnostics diag;
    sansio::download_algo d("https://cdn.example.test/1.png", o, {path});
    error_code ec;
    auto req = d.request(ec, diag);

    rlimit old{};
    BOOST_REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
    rlimit small = old;
    small.rlim_cur = 16;  // bytes: the third chunk of 8 goes past it
    auto old_handler = std::signal(SIGXFSZ, SIG_IGN);  // the write fails with EFBIG instead
    BOOST_REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    ec = feed(req, png, 8);
    ::setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, old_handler);

    BOOST_TEST((ec == std::errc::file_too_large), ec.message());
    BOOST_TEST(fs::is_empty(dir), "the temporary file is removed as soon as a write fails");
    d.see_reply(ec, {});
    BOOST_TEST(!d.resume(ec, diag));
    d.finish(ec, diag);
    BOOST_TEST((ec == std::errc::file_too_large), ec.message());
    BOOST_TEST(diag.client_message.find("cannot write") != std::string::npos, diag.client_message);
    BOOST_TEST(!fs::exists(path));
    BOOST_TEST(fs::is_empty(dir));
}
#endif

#if defined(__unix__) || defined(__APPLE__)
// A name planted where a temporary file goes (here a link to a file elsewhere) is never
// opened, followed or removed: the writer takes another name, and gives up after 8.
BOOST_AUTO_TEST_CASE(the_temporary_file_is_always_a_new_file)
{
    akool_test::temp_dir tmp;
    const std::string base = (fs::path(tmp.path()) / "img").string();
    const std::string victim = (fs::path(tmp.path()) / "victim").string();
    auto content = [](const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    };
    auto part = [&](unsigned i) {  // the temporary name for random number i
        char digits[9];
        std::snprintf(digits, sizeof digits, "%08x", i);
        return base + ".part-" + digits;
    };
    std::ofstream(victim) << "keep";
    fs::create_symlink(victim, part(7));
    unsigned next = 7;
    error_code ec;
    std::string detail;
    {
        akool::detail::atomic_file_writer w;
        BOOST_TEST(w.open(base, ec, detail, [&] { return next++; }), detail);
        BOOST_TEST(w.temp_path() == part(8));
        BOOST_TEST(w.write("new", ec, detail));
        BOOST_TEST(w.commit(base + ".png", false, ec, detail), detail);
    }
    BOOST_TEST(content(base + ".png") == "new");
    BOOST_TEST(content(victim) == "keep");
    BOOST_TEST(fs::is_symlink(part(7)));

    for (unsigned i = 20; i < 28; ++i) fs::create_symlink(victim, part(i));
    next = 20;
    {
        akool::detail::atomic_file_writer w;
        BOOST_TEST(!w.open(base, ec, detail, [&] { return next++; }));
        BOOST_TEST(ec == boost::system::errc::file_exists, ec.message());
        BOOST_TEST(detail.find("cannot create " + part(27)) != std::string::npos, detail);
        BOOST_TEST(w.temp_path().empty());
    }
    BOOST_TEST(next == 28u);
    for (unsigned i = 20; i < 28; ++i) BOOST_TEST(fs::is_symlink(part(i)), i);
    BOOST_TEST(content(victim) == "keep");
}

// A target name of up to 255 bytes, which the file system takes, gets a temporary file that
// fits too, for every random number: the name is cut (whole UTF-8 characters) before the
// suffix (helper-15's audit: ENAMETOOLONG for 242 to 255 bytes, at random for 240).
BOOST_DATA_TEST_CASE(a_long_target_name_gets_a_temporary_name_that_fits,
                     bdata::make({std::size_t(200), std::size_t(241), std::size_t(242), std::size_t(251)}) *
                         bdata::make({0u, 0xffffffffu}) * bdata::make({false, true}),
                     length, random, multibyte)
{
    akool_test::temp_dir tmp;
    std::string name;
    if (multibyte)  // "é" (2 bytes) across the cut
        while (name.size() + 2 <= length) name += "\xc3\xa9";
    name.resize(length, 'a');
    name += ".png";
    const std::string target = (fs::path(tmp.path()) / name).string();
    error_code ec;
    std::string detail;
    akool::detail::atomic_file_writer w;
    BOOST_TEST_REQUIRE(w.open(target, ec, detail, [&] { return random; }), detail);
    const std::string tmp_name = fs::path(w.temp_path()).filename().string();
    BOOST_TEST(tmp_name.size() <= 255u);
    BOOST_TEST(akool::detail::utf8_invalid_offset(tmp_name) == std::string::npos, tmp_name);
    BOOST_TEST(w.write("x", ec, detail));
    BOOST_TEST(w.commit(target, false, ec, detail), detail);
    BOOST_TEST(fs::exists(target));
}
#endif

// A body the server's close ended (no Content-Length, not chunked: http_response::
// ended_by_close) cannot be told whole from its framing: the image must end as its format
// does, or the download fails as not_an_image and leaves no file. A body the transport framed
// is taken as it came; so is any body when require_image is off.
namespace {

struct image_sample {
    const char* format;
    std::string whole;
    std::size_t cut;  // bytes taken off the end: the body cut short
};

std::string webp_sample()
{
    std::string body = "WEBPVP8 " + std::string(40, 'w');
    std::string riff = "RIFF";
    for (int i = 0; i < 4; ++i) riff += static_cast<char>((body.size() >> (8 * i)) & 0xff);
    return riff + body;
}

const image_sample image_samples[] = {
    {"png", png + std::string("\0\0\0\0IEND\xae\x42\x60\x82", 12), 6},
    {"png+padding", png + std::string("\0\0\0\0IEND\xae\x42\x60\x82", 12) + std::string(16, '\0'), 20},
    {"jpg", "\xff\xd8\xff\xe0" + std::string(40, 'j') + "\xff\xd9", 1},
    {"jpg+padding", "\xff\xd8\xff\xe0" + std::string(40, 'j') + "\xff\xd9" + std::string(8, '\0'), 10},
    {"jpg+trailer", "\xff\xd8\xff\xe0" + std::string(40, 'j') + "\xff\xd9" + std::string(3000, 't'), 3002},
    {"gif", "GIF89a" + std::string(40, 'g') + ";", 1},
    {"gif+newline", "GIF89a" + std::string(40, 'g') + ";\r\n", 3},
    {"webp", webp_sample(), 5},
};

std::ostream& operator<<(std::ostream& os, const image_sample& s) { return os << s.format; }

// Downloads `body` in chunks of `chunk` bytes into a file under `dir`; the outcome.
error_code download_body(const std::string& dir, const std::string& body, std::size_t chunk, bool ended_by_close,
                         bool require_image, akool::diagnostics& diag)
{
    akool::download_options o;
    o.sync_to_disk = false;
    o.require_image = require_image;
    sansio::download_algo d("https://cdn.example.test/1", o, {(fs::path(dir) / "img").string(), true});
    error_code ec;
    auto req = d.request(ec, diag);
    ec = feed(req, body, chunk);
    auto r = reply(200);
    r.ended_by_close = ended_by_close;
    d.see_reply(ec, r);
    BOOST_TEST(!d.resume(ec, diag));
    d.finish(ec, diag);
    return ec;
}

std::size_t files_in(const std::string& dir)
{
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

} // namespace

BOOST_DATA_TEST_CASE(a_body_the_close_ended_must_end_as_its_image_ends,
                     bdata::make(image_samples) * bdata::make({std::size_t(3), std::size_t(64)}), sample, chunk)
{
    akool_test::temp_dir tmp;
    const std::string dir = tmp.path();
    const std::string cut = sample.whole.substr(0, sample.whole.size() - sample.cut);
    akool::diagnostics diag;

    BOOST_TEST(!download_body(dir, sample.whole, chunk, true, true, diag), diag.client_message);
    BOOST_TEST(files_in(dir) == 1u);

    akool::diagnostics cut_diag;
    error_code ec = download_body(dir, cut, chunk, true, true, cut_diag);
    BOOST_TEST(ec == akool::error::not_an_image);
    BOOST_TEST(cut_diag.client_message.find("ends early, after " + std::to_string(cut.size()) + " bytes") !=
                   std::string::npos,
               cut_diag.client_message);
    BOOST_TEST(files_in(dir) == 1u, "no file for the body cut short");

    akool::diagnostics framed;
    BOOST_TEST(!download_body(dir, cut, chunk, false, true, framed), "framed by the transport: taken as it came");
    BOOST_TEST(!download_body(dir, cut, chunk, true, false, framed), "require_image off: no check");
}
