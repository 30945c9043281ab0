#include "control/auth.hpp"

#include "log/logging.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace ingest::control {
namespace {

std::string random_hex(size_t bytes) {
    std::ifstream urandom("/dev/urandom", std::ios::binary);
    std::string raw(bytes, '\0');
    if (!urandom.read(raw.data(), static_cast<std::streamsize>(bytes)))
        throw std::runtime_error("cannot read /dev/urandom for the API token");
    static const char* digits = "0123456789abcdef";
    std::string hex;
    for (unsigned char c : raw) {
        hex += digits[c >> 4];
        hex += digits[c & 15];
    }
    return hex;
}

std::string trimmed(std::string text) {
    const char* blank = " \t\r\n";
    text.erase(text.find_last_not_of(blank) + 1);
    text.erase(0, text.find_first_not_of(blank));
    return text;
}

// Same time whatever the contents; only the lengths (not secret: tokens are 64 characters) decide early.
bool equal_constant_time(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return false;
    unsigned char difference = 0;
    for (size_t i = 0; i < a.size(); ++i) difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    return difference == 0;
}

std::optional<std::string> base64_decode(const std::string& text) {
    auto value_of = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    size_t i = 0;
    for (; i < text.size() && text[i] != '='; ++i) {
        int v = value_of(text[i]);
        if (v < 0) return std::nullopt;
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xff);
        }
    }
    for (; i < text.size(); ++i)
        if (text[i] != '=') return std::nullopt;
    return out;
}

bool starts_with_scheme(const std::string& header, const std::string& scheme) {
    if (header.size() <= scheme.size() || header[scheme.size()] != ' ') return false;
    for (size_t i = 0; i < scheme.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i]) return false;
    return true;
}

}  // namespace

std::string load_or_create_token(const std::filesystem::path& file) {
    if (!file.parent_path().empty()) std::filesystem::create_directories(file.parent_path());
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        const std::string token = random_hex(32);
        const std::string line = token + "\n";
        bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
        ::close(fd);
        if (!written) throw std::runtime_error("cannot write the API token file " + file.string());
        log::add_secret(token);
        log::info("rest") << "created the API token file " << file.string() << " (mode 0600)";
        return token;
    }
    if (errno != EEXIST)
        throw std::runtime_error("cannot create the API token file " + file.string() + ": " + std::strerror(errno));
    struct stat info {};
    if (::stat(file.c_str(), &info) == 0 && (info.st_mode & 077))
        log::warn("rest") << "the API token file " << file.string() << " is readable by other users; chmod 600 it";
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read the API token file " + file.string());
    std::stringstream text;
    text << in.rdbuf();
    std::string token = trimmed(text.str());
    if (token.empty()) throw std::runtime_error("the API token file " + file.string() + " is empty");
    log::add_secret(token);
    return token;
}

bool authorization_carries(const std::string& header, const std::string& token) {
    if (starts_with_scheme(header, "bearer")) return equal_constant_time(trimmed(header.substr(7)), token);
    if (starts_with_scheme(header, "basic")) {
        auto decoded = base64_decode(trimmed(header.substr(6)));
        if (!decoded) return false;
        auto colon = decoded->find(':');
        return colon != std::string::npos && equal_constant_time(decoded->substr(colon + 1), token);
    }
    return false;
}

}  // namespace ingest::control
