#include "policy/sts_outcome.hpp"

#include "policy/sts_fetch_verdict.hpp"
#include "policy/time_text.hpp"

#include <nlohmann/json.hpp>

namespace policy {

namespace {

// A TXT lookup that did not answer says nothing about the domain's MTA-STS: a sender cannot
// discover a policy and delivers as if there were none, and there is no RFC 8460 type for it.
bool txt_lookup_failed(resolver::dns_status s) {
    return s != resolver::dns_status::noerror && s != resolver::dns_status::nodata &&
           s != resolver::dns_status::nxdomain;
}

} // namespace

bool sts_outcome::has_policy() const {
    return txt.valid() && policy && policy->valid();
}

sts_outcome judge_sts_discovery(const std::string& domain, const resolver::txt_answer& txt,
                                const std::optional<probe::https_response>& fetch) {
    sts_outcome out;
    out.domain = domain;
    out.policy_host = "mta-sts." + domain;
    out.txt_status = txt.status;
    out.txt_secure = txt.authenticated;
    std::vector<std::string> texts;
    texts.reserve(txt.records.size());
    for (const auto& r : txt.records) {
        texts.push_back(r.text);
    }
    out.txt = parse_sts_txt(texts);
    out.fetched = fetch.has_value();
    out.fetch = fetch;
    if (fetch && fetch->failure == probe::fetch_failure::none) {
        out.policy = parse_sts_policy(fetch->body);
    }

    if (txt_lookup_failed(txt.status)) {
        out.error = "the _mta-sts TXT lookup failed (" +
                    std::string(resolver::to_string(txt.status)) +
                    (txt.detail.empty() ? "" : ": " + txt.detail) + ")";
        return out;
    }
    if (out.txt.status == sts_txt_status::no_record) {
        return out; // no MTA-STS: not an error
    }
    if (!out.txt.valid()) {
        // RFC 8461 §3.1: no usable record means no policy; a defect for the publisher, not a
        // result a sender reports (STANDARDS §7 row 18).
        out.error = "_mta-sts." + domain + ": " + out.txt.error;
        return out;
    }
    if (!fetch) {
        out.result_type = "sts-policy-fetch-error";
        out.error = "the policy was not fetched";
        return out;
    }
    if (fetch->failure != probe::fetch_failure::none) {
        out.result_type = sts_fetch_result_type(fetch->failure);
        out.error = out.policy_host + ": " + fetch->error;
        return out;
    }
    if (!out.policy->valid()) {
        out.result_type = "sts-policy-invalid";
        out.error = "the policy at " + out.policy_host + " is invalid: " + out.policy->error;
    }
    return out;
}

void to_json(nlohmann::json& j, const sts_outcome& o) {
    j = nlohmann::json::object();
    j["domain"] = o.domain;
    j["txt_status"] = o.txt_status;
    j["txt_secure"] = o.txt_secure;
    if (o.txt.status == sts_txt_status::no_record) {
        j["txt"] = nullptr;
    } else {
        j["txt"] = o.txt;
    }
    if (o.fetch) {
        nlohmann::json f{{"host", o.policy_host},
                         {"ip", o.fetch->ip},
                         {"status", o.fetch->status},
                         {"failure", probe::to_string(o.fetch->failure)},
                         {"elapsed_ms", o.fetch->elapsed.count()}};
        if (!o.fetch->content_type.empty()) {
            f["content_type"] = o.fetch->content_type;
        }
        if (!o.fetch->location.empty()) {
            f["location"] = o.fetch->location;
        }
        if (!o.fetch->error.empty()) {
            f["error"] = o.fetch->error;
        }
        if (o.fetch->tls) {
            f["tls"] = *o.fetch->tls;
            if (!o.fetch->tls->chain.empty()) {
                // The policy host's certificate expires too, and breaks MTA-STS when it does.
                const auto& leaf = o.fetch->tls->chain.front();
                f["leaf"] = {{"subject", leaf.subject},
                             {"san_dns", leaf.san_dns},
                             {"not_after", iso8601_utc(leaf.not_after)},
                             {"sha256", leaf.sha256}};
            }
        }
        if (o.fetch->certificate) {
            f["certificate"] = *o.fetch->certificate;
        }
        j["fetch"] = std::move(f);
    } else {
        j["fetch"] = nullptr;
    }
    j["policy"] = o.policy ? nlohmann::json(*o.policy) : nlohmann::json(nullptr);
    j["result_type"] = o.result_type ? nlohmann::json(*o.result_type) : nlohmann::json(nullptr);
    j["error"] = o.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.error);
}

} // namespace policy
