#include "tests/tools/check_cert_world.hpp"

#include "tests/support/raw_bytes.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace mxprobe_test {

namespace {

bool known(const zone& z, const std::string& name) {
    return z.mx.count(name) > 0 || z.a.count(name) > 0 || z.txt.count(name) > 0 ||
           z.tlsa.count(name) > 0;
}

https_script policy_script(const issued& cert, const issued& intermediate,
                           const std::string& body) {
    https_script s;
    s.cert_chain_pem = cert.cert_pem() + intermediate.cert_pem();
    s.key_pem = cert.key_pem();
    s.response = http_response(200, "text/plain", body);
    return s;
}

cert_spec policy_host_spec() {
    cert_spec spec;
    spec.common_name = policy_host;
    spec.dns_names = {policy_host};
    return spec;
}

const nlohmann::json* find_check(const nlohmann::json& doc, const char* list,
                                 const std::string& name, const std::string& subject) {
    if (!doc.contains(list)) {
        return nullptr;
    }
    for (const auto& c : doc[list]) {
        if (c["name"] == name && (subject.empty() || c.value("subject", "") == subject)) {
            return &c;
        }
    }
    return nullptr;
}

} // namespace

response answer_from(const zone& z, const query& q) {
    if (z.silent) {
        return response::drop();
    }
    auto r = reply_to(q).set_flag(flag::ad, z.secure);
    if (!known(z, q.name)) {
        return r.rcode(rcode::nxdomain);
    }
    if (q.type == qtype::mx && z.mx.count(q.name) > 0) {
        for (const auto& [preference, host] : z.mx.at(q.name)) {
            r.mx(q.name, preference, host);
        }
    } else if (q.type == qtype::a && z.a.count(q.name) > 0) {
        r.a(q.name, z.a.at(q.name));
    } else if (q.type == qtype::txt && z.txt.count(q.name) > 0) {
        r.txt(q.name, z.txt.at(q.name));
    } else if (q.type == qtype::tlsa && z.tlsa.count(q.name) > 0) {
        for (const auto& t : z.tlsa.at(q.name)) {
            r.tlsa(q.name, t.usage, t.selector, t.matching_type, from_hex(t.hex), z.tlsa_ttl);
        }
    }
    return r;
}

zone example_zone() {
    zone z;
    z.mx[test_domain] = {{10, mx1}, {20, mx2}};
    z.a[mx1] = "127.0.0.1";
    z.a[mx2] = "127.0.0.1";
    z.a[policy_host] = "127.0.0.1";
    z.txt["_mta-sts." + test_domain] = {"v=STSv1; id=20261201T000000;"};
    return z;
}

std::string sts_policy_text(const std::string& mode, const std::vector<std::string>& mx) {
    std::string body = "version: STSv1\nmode: " + mode + "\n";
    for (const auto& m : mx) {
        body += "mx: " + m + "\n";
    }
    return body + "max_age: 86400\n";
}

cert_spec mx_cert_spec(std::vector<std::string> names) {
    cert_spec spec;
    spec.common_name = names.empty() ? std::string() : names.front();
    spec.dns_names = std::move(names);
    return spec;
}

std::string spki_sha256_of(const issued& cert) {
    unsigned char* der = nullptr;
    const int size = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.cert.get()), &der);
    REQUIRE(size > 0);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_size = 0;
    REQUIRE(EVP_Digest(der, static_cast<std::size_t>(size), md, &md_size, EVP_sha256(), nullptr) ==
            1);
    OPENSSL_free(der);
    return probe::to_hex(md, md_size);
}

check_cert_world::check_cert_world(const std::string& policy_body)
    : root_file(write_temp_file(pki.root.cert_pem())), policy_cert_(pki.leaf(policy_host_spec())),
      https_(policy_script(policy_cert_, pki.intermediate, policy_body)),
      dns_([z = example_zone()](const query& q) { return answer_from(z, q); }) {}

void check_cert_world::publish(const zone& z) {
    dns_.set_handler([z](const query& q) { return answer_from(z, q); });
}

std::string check_cert_world::chain_file(const std::vector<const issued*>& certs) {
    std::string pem;
    for (const auto* c : certs) {
        pem += c->cert_pem();
    }
    return write_temp_file(pem);
}

std::string check_cert_world::good_chain(const issued& leaf) const {
    return chain_file({&leaf, &pki.intermediate});
}

check_cert_run check_cert_world::run(const std::string& arguments, bool json,
                                     const std::string& timeout) const {
    const std::string command =
        std::string(MXPROBE_BINARY) + " --resolver 127.0.0.1:" + std::to_string(dns_.port()) +
        " --timeout " + timeout + (json ? " --json" : "") + " check-cert --ca-file " +
        shell_quote(root_file) + " --allow-private --sts-port " + std::to_string(https_.port()) +
        " " + arguments;
    const auto r = mxprobe_test::run(command);
    check_cert_run out;
    out.exit_code = r.exit_code;
    out.out = r.out;
    if (json && !r.out.empty()) {
        out.doc = nlohmann::json::parse(r.out);
    }
    return out;
}

std::string status_of(const nlohmann::json& doc, const std::string& name,
                      const std::string& subject) {
    if (const auto* c = find_check(doc, "checks", name, subject)) {
        return (*c)["status"].get<std::string>();
    }
    return find_check(doc, "unchecked", name, subject) != nullptr ? "unknown" : "absent";
}

std::string message_of(const nlohmann::json& doc, const std::string& name,
                       const std::string& subject) {
    for (const char* list : {"checks", "unchecked"}) {
        if (const auto* c = find_check(doc, list, name, subject)) {
            return (*c)["message"].get<std::string>();
        }
    }
    return {};
}

std::vector<std::string> not_ok(const nlohmann::json& doc) {
    std::vector<std::string> out;
    for (const char* list : {"checks", "unchecked"}) {
        for (const auto& c : doc[list]) {
            if (c.value("status", "unknown") != "ok") {
                const std::string subject = c.value("subject", "");
                out.push_back(c["name"].get<std::string>() +
                              (subject.empty() ? "" : ":" + subject));
            }
        }
    }
    return out;
}

bool valid_against_schema(const nlohmann::json& doc) {
    const std::string file = write_temp_file(doc.dump(), ".json");
    const auto r = mxprobe_test::run(std::string(MXPROBE_SOURCE_DIR) + "/tools/validate-json " +
                                     MXPROBE_SOURCE_DIR + "/docs/schema/check-cert.schema.json " +
                                     shell_quote(file));
    return r.exit_code == 0;
}

} // namespace mxprobe_test
