#include "probe/key_file.hpp"

#include "probe/cert_info.hpp"
#include "probe/chain_file.hpp"
#include "probe/openssl_error.hpp"
#include "probe/openssl_ptr.hpp"

#include <openssl/crypto.h>
#include <openssl/pem.h>

namespace probe {

namespace {

// Never prompt: a check run from cron or CI has no terminal, and we will not hold a
// passphrase anyway.
int refuse_password(char*, int, int, void*) {
    return 0;
}

std::string_view as_text(std::span<const std::uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

key_file_result describe(evp_pkey_ptr pkey, std::string source) {
    key_file_result out;
    key_file key;
    key.source = std::move(source);
    const char* type = EVP_PKEY_get0_type_name(pkey.get());
    key.key_type = type != nullptr ? type : OBJ_nid2sn(EVP_PKEY_get_base_id(pkey.get()));
    key.key_bits = EVP_PKEY_get_bits(pkey.get());
    unsigned char* raw = nullptr;
    const int size = i2d_PUBKEY(pkey.get(), &raw);
    const openssl_memory_ptr<unsigned char> der(raw);
    if (size <= 0) {
        out.error = key.source + ": cannot encode the public key: " + drain_openssl_errors();
        return out;
    }
    key.spki_der.assign(der.get(), der.get() + size);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_size = 0;
    if (EVP_Digest(key.spki_der.data(), key.spki_der.size(), md, &md_size, EVP_sha256(), nullptr) ==
        1) {
        key.spki_sha256 = to_hex(md, md_size);
    }
    out.key = std::move(key);
    return out;
}

key_file_result parse_pem_key(std::string_view text, const std::string& source) {
    // The first private-key block; a combined file may hold certificates around it.
    std::size_t pos = 0;
    while ((pos = text.find("-----BEGIN ", pos)) != std::string_view::npos) {
        const std::size_t eol = text.find('\n', pos);
        std::string_view line = text.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line == "-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return {std::nullopt, source + ": the key is encrypted; give an unencrypted copy "
                                           "(mxprobe never asks for a passphrase)"};
        }
        if (line.ends_with("PRIVATE KEY-----")) {
            const std::string_view rest = text.substr(pos, 200);
            if (rest.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos) {
                return {std::nullopt, source + ": the key is encrypted; give an unencrypted copy "
                                               "(mxprobe never asks for a passphrase)"};
            }
            const std::string_view block = text.substr(pos);
            bio_ptr bio(BIO_new_mem_buf(block.data(), static_cast<int>(block.size())));
            evp_pkey_ptr pkey(
                bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_password, nullptr)
                    : nullptr);
            if (!pkey) {
                const std::string error = drain_openssl_errors();
                return {std::nullopt, source + ": the private key cannot be read" +
                                          (error.empty() ? std::string() : ": " + error)};
            }
            return describe(std::move(pkey), source);
        }
        pos += 11;
    }
    return {std::nullopt, source + ": no PRIVATE KEY block in the PEM file"};
}

} // namespace

key_file_result parse_key_file(std::span<const std::uint8_t> bytes, std::string_view source) {
    openssl_error_guard guard;
    const std::string name(source);
    if (bytes.empty()) {
        return {std::nullopt, name + ": the file is empty"};
    }
    if (bytes.size() > max_key_file_bytes) {
        return {std::nullopt, name + ": larger than the " + std::to_string(max_key_file_bytes) +
                                  " bytes allowed for a key"};
    }
    const std::string_view text = as_text(bytes);
    if (text.find("-----BEGIN ") != std::string_view::npos) {
        return parse_pem_key(text, name);
    }
    const unsigned char* p = bytes.data();
    evp_pkey_ptr pkey(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(bytes.size())));
    if (!pkey) {
        const std::string error = drain_openssl_errors();
        return {std::nullopt, name + ": neither a PEM private key nor an unencrypted DER one" +
                                  (error.empty() ? std::string() : " (" + error + ")")};
    }
    return describe(std::move(pkey), name);
}

key_file_result read_key_file(const std::string& path) {
    std::vector<std::uint8_t> bytes;
    std::string error;
    if (!read_bounded_file(path, max_key_file_bytes, bytes, error)) {
        return {std::nullopt, error};
    }
    key_file_result out = parse_key_file(bytes, path);
    OPENSSL_cleanse(bytes.data(), bytes.size());
    return out;
}

} // namespace probe
