#include "probe/chain_file.hpp"

#include "probe/openssl_error.hpp"
#include "probe/openssl_ptr.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <openssl/pem.h>

namespace probe {

namespace {

constexpr std::string_view begin_marker = "-----BEGIN ";
constexpr std::string_view end_marker = "-----END ";
constexpr std::string_view dashes = "-----";

std::string_view as_text(std::span<const std::uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// The label of a "-----BEGIN LABEL-----" (or END) line, or "" when the line is not one.
std::string_view marker_label(std::string_view line, std::string_view marker) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ' ||
                             line.back() == '\t')) {
        line.remove_suffix(1);
    }
    if (!line.starts_with(marker) || !line.ends_with(dashes) ||
        line.size() < marker.size() + dashes.size()) {
        return {};
    }
    return line.substr(marker.size(), line.size() - marker.size() - dashes.size());
}

bool is_certificate_label(std::string_view label) {
    return label == "CERTIFICATE" || label == "X509 CERTIFICATE" || label == "TRUSTED CERTIFICATE";
}

std::string skipped_description(std::string_view label) {
    if (label.ends_with("PRIVATE KEY")) {
        return "a " + std::string(label) + " block (the key is checked only with --key)";
    }
    return "a " + std::string(label) + " block";
}

std::string certificate_where(std::size_t index, const std::string& position) {
    return "certificate " + std::to_string(index) + " (" + position + ")";
}

// Decodes one PEM block (BEGIN line to END line inclusive) into a certificate.
x509_ptr decode_pem_certificate(std::string_view block, std::string& error) {
    openssl_error_guard guard;
    bio_ptr bio(BIO_new_mem_buf(block.data(), static_cast<int>(block.size())));
    if (!bio) {
        error = "out of memory";
        return nullptr;
    }
    // The password callback is never asked for anything here: certificates are not
    // encrypted, and the default callback would prompt on the terminal.
    x509_ptr cert(PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) {
        error = drain_openssl_errors();
        if (error.empty()) {
            error = "not a readable certificate";
        }
    }
    return cert;
}

chain_file_result parse_pem(std::string_view text, chain_file file) {
    chain_file_result out;
    std::size_t line_number = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t eol = text.find('\n', pos);
        const std::size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
        const std::string_view line = text.substr(pos, next - pos);
        ++line_number;
        const std::string_view label = marker_label(line, begin_marker);
        if (label.empty()) {
            pos = next; // text outside blocks (e.g. "subject=..." lines) is ignored
            continue;
        }
        const std::size_t begin_line = line_number;
        const std::size_t block_start = pos;
        // Find the END line with the same label.
        std::size_t scan = next;
        std::size_t block_end = std::string_view::npos;
        while (scan < text.size()) {
            const std::size_t e = text.find('\n', scan);
            const std::size_t n = e == std::string_view::npos ? text.size() : e + 1;
            ++line_number;
            const std::string_view inner = text.substr(scan, n - scan);
            scan = n;
            if (!marker_label(inner, begin_marker).empty()) {
                out.error = file.source + ": line " + std::to_string(line_number) +
                            ": a BEGIN line inside the " + std::string(label) +
                            " block that began at line " + std::to_string(begin_line);
                return out;
            }
            const std::string_view end_label = marker_label(inner, end_marker);
            if (!end_label.empty()) {
                if (end_label != label) {
                    out.error = file.source + ": line " + std::to_string(line_number) + ": END " +
                                std::string(end_label) + " closes BEGIN " + std::string(label) +
                                " of line " + std::to_string(begin_line);
                    return out;
                }
                block_end = n;
                break;
            }
        }
        if (block_end == std::string_view::npos) {
            out.error = file.source + ": line " + std::to_string(begin_line) + ": BEGIN " +
                        std::string(label) + " has no END line";
            return out;
        }
        pos = block_end;
        if (!is_certificate_label(label)) {
            file.skipped.push_back("line " + std::to_string(begin_line) + ": " +
                                   skipped_description(label));
            continue;
        }
        const std::size_t index = file.certificates.size() + 1;
        const std::string where = certificate_where(index, "line " + std::to_string(begin_line));
        if (index > max_chain_certificates) {
            out.error = file.source + ": " + where + ": more than " +
                        std::to_string(max_chain_certificates) + " certificates";
            return out;
        }
        std::string error;
        const x509_ptr cert =
            decode_pem_certificate(text.substr(block_start, block_end - block_start), error);
        if (!cert) {
            out.error = file.source;
            out.error.append(": ").append(where).append(" cannot be read: ").append(error);
            return out;
        }
        file.certificates.push_back(describe_certificate(cert.get()));
        file.positions.push_back(begin_line);
    }
    if (file.certificates.empty()) {
        out.error = file.source + ": no CERTIFICATE block in the PEM file";
        return out;
    }
    out.file = std::move(file);
    return out;
}

chain_file_result parse_der(std::span<const std::uint8_t> bytes, chain_file file) {
    chain_file_result out;
    std::size_t offset = 0;
    while (offset < bytes.size()) {
        const std::size_t index = file.certificates.size() + 1;
        const std::string where = certificate_where(index, "byte " + std::to_string(offset));
        if (index > max_chain_certificates) {
            out.error = file.source + ": " + where + ": more than " +
                        std::to_string(max_chain_certificates) + " certificates";
            return out;
        }
        openssl_error_guard guard;
        const unsigned char* p = bytes.data() + offset;
        const unsigned char* start = p;
        const x509_ptr cert(d2i_X509(nullptr, &p, static_cast<long>(bytes.size() - offset)));
        if (!cert || p <= start) {
            std::string error = drain_openssl_errors();
            out.error = file.source + ": " + where + " is not a DER certificate" +
                        (error.empty() ? std::string() : ": " + error) +
                        (index == 1 ? " (PEM files start with a -----BEGIN line; PKCS#7 and "
                                      "PKCS#12 bundles are not read)"
                                    : "");
            return out;
        }
        file.certificates.push_back(describe_certificate(cert.get()));
        file.positions.push_back(offset);
        offset += static_cast<std::size_t>(p - start);
    }
    out.file = std::move(file);
    return out;
}

} // namespace

std::string_view to_string(chain_encoding e) {
    return e == chain_encoding::der ? "DER" : "PEM";
}

chain_file_result parse_chain_file(std::span<const std::uint8_t> bytes, std::string_view source) {
    chain_file file;
    file.source = std::string(source);
    if (bytes.empty()) {
        return {std::nullopt, file.source + ": the file is empty"};
    }
    if (bytes.size() > max_chain_file_bytes) {
        return {std::nullopt, file.source + ": " + std::to_string(bytes.size()) +
                                  " bytes, more than the " + std::to_string(max_chain_file_bytes) +
                                  " allowed for a certificate chain"};
    }
    // A DER certificate is a SEQUENCE longer than 127 bytes: tag 0x30, then a long-form
    // length. Checking both keeps a text file that happens to begin with "0" out of DER.
    if (bytes.size() > 1 && bytes[0] == 0x30 && bytes[1] >= 0x81 && bytes[1] <= 0x84) {
        file.encoding = chain_encoding::der;
        return parse_der(bytes, std::move(file));
    }
    const std::string_view text = as_text(bytes);
    if (text.find(begin_marker) != std::string_view::npos) {
        file.encoding = chain_encoding::pem;
        return parse_pem(text, std::move(file));
    }
    return {std::nullopt, file.source + ": neither PEM (no -----BEGIN line) nor DER (does not "
                                        "start with an ASN.1 SEQUENCE)"};
}

bool read_bounded_file(const std::string& path, std::size_t limit, std::vector<std::uint8_t>& out,
                       std::string& error) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        error = path + ": is a directory, not a file";
        return false;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = path + ": cannot open: " + std::strerror(errno);
        return false;
    }
    // One byte past the limit is enough to know the file is too large, whatever it is
    // (a FIFO or /dev/zero has no size to ask for).
    out.assign(limit + 1, 0);
    in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
    if (in.bad()) {
        error = path + ": cannot read: " + std::strerror(errno);
        return false;
    }
    out.resize(static_cast<std::size_t>(in.gcount()));
    if (out.size() > limit) {
        error = path + ": larger than the " + std::to_string(limit) + " bytes allowed";
        return false;
    }
    return true;
}

chain_file_result read_chain_file(const std::string& path) {
    std::vector<std::uint8_t> bytes;
    std::string error;
    if (!read_bounded_file(path, max_chain_file_bytes, bytes, error)) {
        return {std::nullopt, error};
    }
    return parse_chain_file(bytes, path);
}

} // namespace probe
