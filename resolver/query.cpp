#include "resolver/query.hpp"

#include "resolver/channel.hpp"

#include <memory>

#include <ares.h>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace resolver {

namespace asio = boost::asio;

namespace {

constexpr int dns_class_in = 1;
constexpr std::uint8_t ad_bit = 0x20; // in the fourth header byte

template <class Handler> struct pending_query {
    channel* owner;
    Handler handler;
    asio::executor_work_guard<asio::any_io_executor> work;
};

// Completion is posted, never run inline: c-ares calls this from inside ares_process_fd,
// and a resumed coroutine that starts its next query right there would re-enter c-ares.
template <class Handler> void complete(std::unique_ptr<pending_query<Handler>> q, raw_response r) {
    auto ex = asio::get_associated_executor(q->handler, q->work.get_executor());
    asio::post(ex, [h = std::move(q->handler), r = std::move(r)]() mutable {
        std::move(h)(std::move(r));
    });
}

template <class Handler>
void on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
    std::unique_ptr<pending_query<Handler>> q(static_cast<pending_query<Handler>*>(arg));
    if (status == ARES_EDESTRUCTION) {
        return; // the channel is being destroyed: nobody is left to resume
    }
    q->owner->query_completed();
    raw_response r{status, {}};
    if (abuf != nullptr && alen > 0) {
        r.bytes.assign(abuf, abuf + alen);
    }
    complete(std::move(q), std::move(r));
}

} // namespace

asio::awaitable<raw_response> async_query(channel& ch, std::string name, rr_type type) {
    auto initiation = [&ch](auto handler, const std::string& qname, rr_type qtype) {
        using handler_type = decltype(handler);
        auto q = std::make_unique<pending_query<handler_type>>(pending_query<handler_type>{
            &ch, std::move(handler), asio::make_work_guard(ch.get_executor())});
        unsigned char* query = nullptr;
        int length = 0;
        const int rc = ares_create_query(qname.c_str(), dns_class_in, static_cast<int>(qtype), 0, 1,
                                         &query, &length, ch.options().edns_udp_size);
        if (rc != ARES_SUCCESS) {
            complete(std::move(q), raw_response{rc, {}});
            return;
        }
        query[3] |= ad_bit;
        ch.query_starting();
        ares_send(ch.native(), query, length, &on_answer<handler_type>, q.release());
        ares_free_string(query);
        ch.query_sent();
    };
    co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(raw_response)>(
        initiation, asio::use_awaitable, std::move(name), type);
}

} // namespace resolver
