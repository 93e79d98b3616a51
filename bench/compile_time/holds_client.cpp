// Compile-time TU (bench/compile-time.sh): header-only mode, a TU that includes
// <akool/akool.hpp> and constructs an akool::client but starts no operation, as the TUs of
// an engine do that hold a client for others (a subsystem's header, its constructor). Such a
// TU compiles no exchange: the operations are templates, compiled where they are called.
#include <akool/akool.hpp>

#include <boost/asio/io_context.hpp>

#include <iostream>

struct image_service {
    boost::asio::io_context ioc;
    akool::client client{ioc.get_executor(), akool::client_options{}};
};

int main()
{
    image_service s;
    std::cout << s.client.options().base_url << "\n";
}
