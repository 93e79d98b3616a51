// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Streamed downloads over real sockets, against the emulator answering image URLs with
// redirects (relative and absolute Location, http and https): generate and download_to_file
// follow them, async and sync; a sixth hop fails clearly and leaves no file.
#define BOOST_TEST_MODULE downloads
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <akool/beast_client.hpp>
#include <akool/beast_transport.hpp>

#include "../../example/emulator/emulator.hpp"
#include "calling_styles.hpp"
#include "test_certs.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace bdata = boost::unit_test::data;
namespace emu = akool_emulator;
namespace fs = std::filesystem;
using ms = std::chrono::milliseconds;

namespace {

const akool_test::test_pki& pki() { return akool_test::shared_test_pki("akool-downloads-pki-"); }

struct rig {
    emu::server srv;
    asio::io_context ioc;
    akool::client client;
    akool_test::temp_dir tmp{"akool-downloads-"};
    const std::string dir = tmp.path();

    static emu::options emulator_options(unsigned redirects, bool absolute, bool tls)
    {
        emu::options o;
        o.queue_time = ms(0);
        o.process_time = ms(0);
        o.image_scale_down = 4;  // 960 px: a body of several pieces
        o.redirect_images = redirects;
        o.redirect_absolute = absolute;
        if (tls) {
            o.tls_cert_file = pki().server_cert;
            o.tls_key_file = pki().server_key;
        }
        return o;
    }
    static akool::beast_transport_options transport_options(bool tls)
    {
        akool::beast_transport_options t;
        if (tls) t.ca_file = pki().ca_cert;
        return t;
    }
    akool::client_options client_options() const
    {
        akool::client_options o;
        o.base_url = srv.base_url();
        o.api_key = "downloads-key";
        return o;
    }

    rig(unsigned redirects, bool absolute, bool tls = false)
        : srv(emulator_options(redirects, absolute, tls)), client(ioc, (srv.start(), client_options()),
                                                                  transport_options(tls))
    {
    }

    // The URL of a completed image.
    std::string image_url()
    {
        auto tasks = client.create(akool::image_request::text_to_image("a lighthouse"));
        return client.wait(tasks.at(0).id, {}).image_url;
    }
    std::size_t files() const
    {
        return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
    }
};

bool is_png_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    char magic[8] = {};
    in.read(magic, 8);
    return std::string(magic, 8) == std::string("\x89PNG\r\n\x1a\n", 8);
}

const bool absolute_location[] = {false, true};
const bool over_tls[] = {false, true};

} // namespace

BOOST_DATA_TEST_CASE(generate_follows_redirects_to_its_files, bdata::make(absolute_location) * bdata::make(over_tls),
                     absolute, tls)
{
    rig r(5, absolute, tls);
    auto req = akool::image_request::text_to_image("two lighthouses");
    req.batch_quantity = 2;
    akool::generate_options g;
    g.output_dir = r.dir;
    g.wait.schedule.initial_delay = ms(5);
    akool::diagnostics diag;
    akool::error_code ec;
    auto images = r.client.generate(req, g, ec, diag);
    BOOST_TEST_REQUIRE(!ec, ec.message() << " " << diag.summary());
    BOOST_TEST_REQUIRE(images.size() == 2u);
    for (auto& im : images) {
        BOOST_TEST(im.file_path == (fs::path(r.dir) / (im.task.id + ".png")).string());
        BOOST_TEST(is_png_file(im.file_path));
    }
    BOOST_TEST(r.files() == 2u, "no temporary file left");
    BOOST_TEST(r.srv.get_stats().images_served == 2u);
}

BOOST_DATA_TEST_CASE(download_to_file_follows_redirects, bdata::make(absolute_location) * bdata::make({false, true}),
                     absolute, async)
{
    rig r(3, absolute);
    std::string url = r.image_url();
    auto path = (fs::path(r.dir) / "out.png").string();
    akool::error_code ec;
    akool::diagnostics diag;
    std::uint64_t size = 0;
    if (async) {
        r.client.async_download_to_file(url, path, {}, diag, [&](akool::error_code e, std::uint64_t n) {
            ec = e;
            size = n;
        });
        r.ioc.restart();
        r.ioc.run();
    } else {
        size = r.client.download_to_file(url, path, {}, ec, diag);
    }
    BOOST_TEST_REQUIRE(!ec, ec.message() << " " << diag.summary());
    BOOST_TEST(size == fs::file_size(path));
    BOOST_TEST(size > 64u * 1024u, "the body came in several pieces");
    BOOST_TEST(is_png_file(path));
    BOOST_TEST(r.files() == 1u);
    // To memory as well.
    std::string bytes = r.client.download(url, {}, ec, diag);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(bytes.size() == size);
}

BOOST_DATA_TEST_CASE(a_sixth_redirect_fails_and_leaves_no_file, bdata::make({false, true}), async)
{
    rig r(6, false);
    std::string url = r.image_url();
    auto path = (fs::path(r.dir) / "out.png").string();
    akool::error_code ec;
    akool::diagnostics diag;
    if (async) {
        r.client.async_download_to_file(url, path, {}, diag, [&](akool::error_code e, std::uint64_t) { ec = e; });
        r.ioc.restart();
        r.ioc.run();
    } else {
        r.client.download_to_file(url, path, {}, ec, diag);
    }
    BOOST_TEST(ec == akool::error::too_many_redirects);
    BOOST_TEST(diag.client_message.find("/files/hop/6/") != std::string::npos, diag.client_message);
    BOOST_TEST(r.files() == 0u);
    BOOST_TEST(r.srv.get_stats().images_served == 0u);
}

// An image URL from an API on a public name never leads to a private address (a hostile
// service's way into the user's network): here the API is "api.example.test" (resolved to the
// emulator's 127.0.0.1 by beast_transport_options::resolve) and the image is at 127.0.0.1,
// which the download refuses, async and sync, nothing fetched and no file; with
// download_addresses::any it is fetched. An API on a private address (every other test here)
// downloads from one.
BOOST_DATA_TEST_CASE(an_api_on_a_public_name_downloads_from_public_addresses_only, bdata::make({false, true}), async)
{
    rig r(0, false);
    const std::string url = r.image_url();
    akool::client_options o = r.client_options();
    o.base_url = "http://api.example.test:" + std::to_string(r.srv.port());
    akool::beast_transport_options t;
    t.resolve.push_back({"api.example.test", 0, {"127.0.0.1"}});
    akool::client c(r.ioc, o, t);
    BOOST_TEST_REQUIRE(c.create(akool::image_request::text_to_image("a pier")).size() == 1u,
                       "the API itself is reached through its name");
    const auto path = (fs::path(r.dir) / "out.png").string();
    const auto download = [&](const akool::download_options& d, akool::error_code& ec, akool::diagnostics& diag) {
        if (async) {
            c.async_download_to_file(url, path, d, diag, [&](akool::error_code e, std::uint64_t) { ec = e; });
            r.ioc.restart();
            r.ioc.run();
        } else {
            c.download_to_file(url, path, d, ec, diag);
        }
    };
    akool::error_code ec;
    akool::diagnostics diag;
    download({}, ec, diag);
    BOOST_TEST(ec == akool::error::address_not_allowed, ec.message() << " " << diag.summary());
    BOOST_TEST(diag.client_message.find("the host \"127.0.0.1\" is not a public address") != std::string::npos,
               diag.client_message);
    BOOST_TEST(r.files() == 0u);
    BOOST_TEST(r.srv.get_stats().images_served == 0u);
    // generate's downloads too (download_limits), each image failing alone, no file.
    akool::generate_options g;
    g.output_dir = r.dir;
    g.wait.schedule.initial_delay = ms(5);
    auto images = c.generate(akool::image_request::text_to_image("a pier at dusk"), g, ec, diag);
    BOOST_TEST_REQUIRE(images.size() == 1u, ec.message() << " " << diag.summary());
    BOOST_TEST(images[0].ec == akool::error::address_not_allowed, images[0].ec.message());
    BOOST_TEST(r.files() == 0u);
    BOOST_TEST(r.srv.get_stats().images_served == 0u);

    akool::download_options any;
    any.addresses = akool::download_addresses::any;
    download(any, ec, diag);
    BOOST_TEST(!ec, ec.message() << " " << diag.summary());
    BOOST_TEST(is_png_file(path));
    g.download_limits.addresses = akool::download_addresses::any;
    images = c.generate(akool::image_request::text_to_image("a pier at dawn"), g, ec, diag);
    BOOST_TEST_REQUIRE(images.size() == 1u, ec.message() << " " << diag.summary());
    BOOST_TEST(!images[0].ec, images[0].ec.message() << " " << images[0].diag.summary());
    BOOST_TEST(is_png_file(images[0].file_path));
}

BOOST_AUTO_TEST_CASE(a_size_limit_leaves_no_file)
{
    rig r(1, false);
    std::string url = r.image_url();
    auto path = (fs::path(r.dir) / "out.png").string();
    akool::download_options o;
    o.max_bytes = 100 * 1024;
    akool::error_code ec;
    akool::diagnostics diag;
    r.client.download_to_file(url, path, o, ec, diag);
    BOOST_TEST(ec == akool::error::response_too_large);
    BOOST_TEST(r.files() == 0u);
}
