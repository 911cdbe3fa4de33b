#include "tools/mxprobe/check_cert_command.hpp"

#include "policy/candidate_certificate.hpp"
#include "policy/candidate_names.hpp"
#include "policy/dane_rollover.hpp"
#include "policy/live_comparison.hpp"
#include "policy/sts_outcome.hpp"
#include "policy/tlsa_lookup_mapping.hpp"
#include "probe/candidate_chain.hpp"
#include "probe/chain_file.hpp"
#include "probe/key_file.hpp"
#include "probe/openssl_ptr.hpp"
#include "probe/tls_context.hpp"
#include "resolver/channel.hpp"
#include "resolver/wire.hpp"
#include "tools/mxprobe/check_cert_lookups.hpp"
#include "tools/mxprobe/check_cert_report.hpp"
#include "tools/mxprobe/host_command.hpp"

#include <algorithm>
#include <csignal>
#include <iostream>
#include <map>
#include <optional>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/this_coro.hpp>

namespace mxprobe {

namespace asio = boost::asio;

namespace {

struct network_request {
    lookup_request lookups;
    bool live = false;
    live_request live_options;
    bool policy_host = false;
    std::vector<std::string> policy_hosts;
};

struct network_facts {
    lookup_facts lookups;
    std::vector<live_probe> live;
};

struct candidate {
    std::vector<probe::cert_info> certificates; ///< file order
    probe::chain_order order;
    std::vector<probe::cert_info> path;
};

void add_unique(std::vector<std::string>& to, const std::string& name) {
    if (std::find(to.begin(), to.end(), name) == to.end()) {
        to.push_back(name);
    }
}

std::vector<std::string> canonical_names(const std::vector<std::string>& given) {
    std::vector<std::string> out;
    for (const auto& g : given) {
        add_unique(out, resolver::canonical_name(g));
    }
    return out;
}

// Every host the lookups found or were given, with its A/AAAA/TLSA answers, in the order
// the checklist shows them: the domains' MX hosts by preference, then the --mx hosts.
std::vector<resolver::mx_host_lookup> all_hosts(const lookup_facts& facts) {
    std::vector<resolver::mx_host_lookup> out;
    auto add = [&](const resolver::mx_host_lookup& h) {
        if (std::none_of(out.begin(), out.end(), [&](const auto& o) { return o.host == h.host; })) {
            out.push_back(h);
        }
    };
    for (const auto& d : facts.domains) {
        for (const auto& h : d.route.hosts) {
            add(h);
        }
    }
    for (const auto& h : facts.hosts) {
        add(h);
    }
    return out;
}

asio::awaitable<network_facts> async_network(network_request request, global_options g,
                                             asio::ssl::context& tls) {
    network_facts out;
    resolver::channel dns(co_await asio::this_coro::executor, make_channel_options(g));
    if (request.policy_host) {
        if (request.live) {
            out.live = co_await async_probe_policy_hosts(dns, request.policy_hosts,
                                                         request.live_options, tls);
        }
        co_return out;
    }
    out.lookups = co_await async_lookup_all(dns, request.lookups, tls);
    if (request.live) {
        out.live = co_await async_probe_live(all_hosts(out.lookups), request.live_options, tls);
    }
    co_return out;
}

// Runs the network part on one io_context until it is done or a signal arrives.
std::optional<network_facts> run_network(network_request request, const global_options& g,
                                         asio::ssl::context& tls) {
    asio::io_context io;
    std::optional<network_facts> out;
    std::exception_ptr failure;
    asio::co_spawn(io, async_network(std::move(request), g, tls),
                   [&](std::exception_ptr e, network_facts facts) {
                       failure = std::move(e);
                       out = std::move(facts);
                   });
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (!ec) {
            io.stop();
        }
    });
    while (!out && !io.stopped()) {
        io.run_one();
    }
    if (failure) {
        std::rethrow_exception(failure);
    }
    return out;
}

std::optional<bool> addresses_secure(const resolver::mx_host_lookup& h) {
    bool any = false;
    bool secure = true;
    for (const auto* answer : {&h.ipv4, &h.ipv6}) {
        if (answer->has_data()) {
            any = true;
            secure = secure && answer->authenticated;
        }
    }
    return any ? std::optional<bool>(secure) : std::nullopt;
}

bool name_ok(const candidate& c, x509_store_st* store, const std::string& host) {
    return probe::verify_candidate(c.certificates, c.order, store, host).chain.hostname_match;
}

void chain_checks(const candidate& c, const std::optional<probe::key_file>& key,
                  x509_store_st* store, std::chrono::system_clock::time_point now,
                  const policy::candidate_thresholds& t, std::vector<policy::check>& checks) {
    const probe::candidate_verdict general =
        probe::verify_candidate(c.certificates, c.order, store, "");
    checks.push_back(policy::check_chain_order(c.certificates, c.order));
    checks.push_back(policy::check_chain_trust(c.path, general));
    if (key) {
        checks.push_back(policy::check_key_match(c.path.front(), *key));
    }
    checks.push_back(policy::check_validity(c.path, now, t));
    checks.push_back(policy::check_key_strength(c.path, t));
    checks.push_back(policy::check_signatures(c.path));
    checks.push_back(policy::check_server_auth(c.path, general.purpose_error));
}

void live_checks(const candidate& c, const std::vector<live_probe>& live,
                 std::vector<policy::check>& checks) {
    for (const auto& l : live) {
        checks.push_back(policy::compare_with_live(l.view, c.path.front()));
    }
}

void mx_checks(const candidate& c, const check_cert_arguments& a, x509_store_st* store,
               const network_facts& facts, std::chrono::system_clock::time_point now,
               check_cert_report& report) {
    auto& checks = report.checks;
    std::map<std::string, std::vector<std::string>> domain_hosts;
    for (const auto& d : facts.lookups.domains) {
        checks.push_back(policy::check_mail_route(d.route, domain_hosts[d.route.domain]));
    }
    const auto hosts = all_hosts(facts.lookups);
    std::map<std::string, bool> names;
    for (const auto& h : hosts) {
        report.names.push_back(h.host);
        names[h.host] = name_ok(c, store, h.host);
        checks.push_back(policy::check_name(c.path.front(), h.host, names[h.host], "MX"));
    }
    for (const auto& d : facts.lookups.domains) {
        if (!d.sts) {
            continue;
        }
        std::vector<std::string> compared = domain_hosts[d.route.domain];
        for (const auto& h : canonical_names(a.mx_hosts)) {
            add_unique(compared, h);
        }
        const auto outcome = policy::judge_sts_discovery(d.route.domain, d.sts->txt, d.sts->fetch);
        checks.push_back(policy::check_sts_patterns(outcome, compared));
    }
    std::map<std::string, const live_probe*> live_by_host;
    for (const auto& l : facts.live) {
        live_by_host[l.view.host] = &l;
    }
    for (const auto& h : hosts) {
        policy::dane_rollover_input in;
        in.host = h.host;
        in.lookup = policy::to_tlsa_lookup(h.tlsa);
        in.ttl = h.tlsa.ttl;
        in.addresses_secure = addresses_secure(h);
        in.candidate = c.path;
        in.candidate_name_ok = names[h.host];
        const auto it = live_by_host.find(h.host);
        if (it != live_by_host.end() && it->second->session && it->second->session->tls) {
            in.live = it->second->session;
        }
        checks.push_back(policy::check_dane_rollover(in, now));
    }
    live_checks(c, facts.live, checks);
}

} // namespace

CLI::App* add_check_cert_command(CLI::App& app, check_cert_arguments& a) {
    CLI::App* cmd = app.add_subcommand(
        "check-cert",
        "Check a certificate chain before deploying it: order, trust, key, dates, strength, "
        "every MX name of the domains, their MTA-STS mx patterns and DANE TLSA records, and "
        "(--live) what the hosts present now");
    cmd->add_option("--chain", a.chain_file,
                    "the chain to deploy: PEM or DER, leaf and intermediates in any order")
        ->required()
        ->type_name("FILE");
    cmd->add_option("--key", a.key_file, "its private key (PEM or DER, unencrypted)")
        ->type_name("FILE");
    cmd->add_option("--domain", a.domains,
                    "a mail domain the certificate serves: its MX hosts, MTA-STS policy and "
                    "TLSA records are checked; repeatable")
        ->type_name("D")
        ->allow_extra_args(false);
    auto* mx = cmd->add_option("--mx", a.mx_hosts, "an MX host name to check as well; repeatable")
                   ->type_name("HOST")
                   ->allow_extra_args(false);
    cmd->add_option("--min-days", a.min_days, "days the chain must still be valid at deployment")
        ->capture_default_str()
        ->check(CLI::Range(0, 3650));
    cmd->add_option("--ca-file", a.ca_file, "PEM bundle of trusted roots (default: the system's)")
        ->check(CLI::ExistingFile);
    cmd->add_flag("--policy-host", a.policy_host,
                  "the certificate is for the MTA-STS policy host: check it against "
                  "mta-sts.<domain> for each --domain instead of the MX names")
        ->excludes(mx);
    cmd->add_flag("--live", a.live,
                  "compare with what each host presents now (STARTTLS on the MX hosts, HTTPS "
                  "with --policy-host)");
    cmd->add_option("--port", a.port, "port for --live (default 25, 443 with --policy-host)")
        ->check(CLI::Range(1, 65535));
    cmd->add_flag("--allow-private", a.allow_private,
                  "allow loopback, private and other special-purpose addresses");
    cmd->add_option("--sts-port", a.sts_port,
                    "port of the MTA-STS policy hosts (RFC 8461 fixes 443; for test servers)")
        ->capture_default_str()
        ->check(CLI::Range(1, 65535));
    return cmd;
}

exit_status run_check_cert(const check_cert_arguments& a, const global_options& options) {
    const auto loaded = probe::read_chain_file(a.chain_file);
    if (!loaded.file) {
        std::cerr << "mxprobe check-cert: " << loaded.error << "\n";
        return exit_status::unknown;
    }
    std::optional<probe::key_file> key;
    if (!a.key_file.empty()) {
        auto read = probe::read_key_file(a.key_file);
        if (!read.key) {
            std::cerr << "mxprobe check-cert: " << read.error << "\n";
            return exit_status::unknown;
        }
        key = std::move(read.key);
    }
    const auto domains = canonical_names(a.domains);
    if (a.policy_host && domains.empty()) {
        std::cerr << "mxprobe check-cert: --policy-host needs at least one --domain\n";
        return exit_status::unknown;
    }
    const probe::x509_store_ptr store(probe::new_trust_store(a.ca_file));
    probe::tls_client_config tls_config;
    tls_config.ca_file = a.ca_file;
    asio::ssl::context tls = probe::make_tls_context(tls_config);

    candidate c;
    c.certificates = loaded.file->certificates;
    c.order = probe::order_chain(c.certificates, key ? key->spki_der : std::vector<std::uint8_t>{});
    c.path = probe::path_certificates(c.certificates, c.order);

    check_cert_report report;
    report.chain = *loaded.file;
    report.order = c.order;
    report.key_file = a.key_file;
    report.policy_host = a.policy_host;
    report.domains = domains;
    policy::candidate_thresholds thresholds;
    thresholds.min_days = a.min_days;
    const auto now = std::chrono::system_clock::now();
    chain_checks(c, key, store.get(), now, thresholds, report.checks);

    network_request request;
    request.lookups.domains = domains;
    request.lookups.hosts = canonical_names(a.mx_hosts);
    request.lookups.sts.port = a.sts_port;
    request.lookups.sts.allow_private = a.allow_private;
    request.lookups.sts.deadline = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::duration<double>(options.timeout_seconds) * 4);
    request.live = a.live;
    request.live_options.port = a.port != 0 ? a.port : (a.policy_host ? 443 : 25);
    request.live_options.allow_private = a.allow_private;
    request.live_options.ehlo_name = default_ehlo_name();
    request.live_options.step = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::duration<double>(options.timeout_seconds));
    request.policy_host = a.policy_host;

    if (a.policy_host) {
        for (const auto& d : domains) {
            const std::string host = "mta-sts." + d;
            request.policy_hosts.push_back(host);
            report.names.push_back(host);
            report.checks.push_back(policy::check_name(
                c.path.front(), host, name_ok(c, store.get(), host), "MTA-STS policy host"));
        }
    }
    const bool needs_network =
        a.policy_host ? a.live : !(domains.empty() && request.lookups.hosts.empty());
    if (needs_network) {
        const auto facts = run_network(std::move(request), options, tls);
        if (!facts) {
            std::cerr << "mxprobe check-cert: interrupted\n";
            return exit_status::unknown;
        }
        if (a.policy_host) {
            live_checks(c, facts->live, report.checks);
        } else {
            mx_checks(c, a, store.get(), *facts, now, report);
        }
    }

    if (options.json) {
        std::cout << check_cert_to_json(report).dump(2) << "\n";
    } else {
        const bool colour = isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
        std::cout << check_cert_to_text(report, colour);
    }
    return check_cert_exit_status(report);
}

} // namespace mxprobe
