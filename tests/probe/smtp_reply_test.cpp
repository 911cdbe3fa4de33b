// Table tests of the sans-io SMTP reply reader and EHLO keyword parsing (STANDARDS §1, §9).

#include "probe/smtp_reply.hpp"

#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

namespace probe {
// So doctest prints the enum in failed checks.
inline std::ostream& operator<<(std::ostream& os, reply_error e) {
    return os << to_string(e);
}
} // namespace probe

namespace {

using probe::reply_error;
using probe::reply_limits;
using probe::reply_reader;
using probe::smtp_reply;

struct reply_case {
    // A constructor rather than an aggregate, so rows may leave out trailing fields.
    reply_case(const char* name_, std::string input_, reply_error error_ = reply_error::none,
               bool complete_ = true, int code_ = 0, std::vector<std::string> lines_ = {},
               bool bare_lf_ = false)
        : name(name_), input(std::move(input_)), error(error_), complete(complete_), code(code_),
          lines(std::move(lines_)), bare_lf(bare_lf_) {}

    const char* name;
    std::string input;
    reply_error error;
    bool complete;
    int code;
    std::vector<std::string> lines;
    bool bare_lf;
};

// Feeds the whole input in one call; the reader must stop after one reply or an error.
reply_reader read_all(std::string_view input, reply_limits limits = {}) {
    reply_reader reader(limits);
    reader.feed(input);
    return reader;
}

smtp_reply parsed(std::string_view input) {
    const reply_reader reader = read_all(input);
    REQUIRE(reader.complete());
    REQUIRE(reader.error() == reply_error::none);
    return reader.reply();
}

} // namespace

TEST_SUITE("probe.smtp_reply") {

    TEST_CASE("reply framing follows RFC 5321 §4.2 (SMTP-1..SMTP-5, SMTP-9)") {
        const std::vector<reply_case> cases = {
            {"single line", "250 Ok\r\n", reply_error::none, true, 250, {"Ok"}},
            {"bare code (SMTP-2)", "250\r\n", reply_error::none, true, 250, {""}},
            {"code and space (SMTP-2)", "250 \r\n", reply_error::none, true, 250, {""}},
            {"multi-line (SMTP-3)",
             "250-mx.test Hello\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
             reply_error::none,
             true,
             250,
             {"mx.test Hello", "PIPELINING", "8BITMIME"}},
            {"multi-line ending in a bare code",
             "250-first\r\n250\r\n",
             reply_error::none,
             true,
             250,
             {"first", ""}},
            {"text starting with digits: continuation by the 4th char (SMTP-5)",
             "250-234 Text beginning with numbers\r\n250 The last line\r\n",
             reply_error::none,
             true,
             250,
             {"234 Text beginning with numbers", "The last line"}},
            {"'250 234-x' is final: the text's '-' does not continue it",
             "250 234-x\r\n",
             reply_error::none,
             true,
             250,
             {"234-x"}},
            {"code change mid-reply (SMTP-4, §9)",
             "250-a\r\n251 b\r\n",
             reply_error::code_changed,
             false,
             250,
             {"a"}},
            {"first digit 1 (SMTP-1)", "199 x\r\n", reply_error::bad_code, false},
            {"second digit 6 (SMTP-1)", "260 x\r\n", reply_error::bad_code, false},
            {"letter in the code", "2x0 x\r\n", reply_error::bad_code, false},
            {"first digit 6 (SMTP-7)", "600 x\r\n", reply_error::bad_code, false},
            {"two-digit code", "25\r\n", reply_error::bad_code, false},
            {"empty line", "\r\n", reply_error::bad_code, false},
            {"bad code on a continuation line",
             "250-a\r\n2x0 b\r\n",
             reply_error::bad_code,
             false,
             250,
             {"a"}},
            {"bad separator", "250x\r\n", reply_error::bad_separator, false},
            {"tab as separator", "250\tOk\r\n", reply_error::bad_separator, false},
            {"bare LF accepted but flagged (SMTP-9)",
             "250 Ok\n",
             reply_error::none,
             true,
             250,
             {"Ok"},
             true},
            {"bare LF on one line of several flags the reply",
             "250-a\r\n250-b\n250 c\r\n",
             reply_error::none,
             true,
             250,
             {"a", "b", "c"},
             true},
            {"incomplete: no line end yet", "250 Ok", reply_error::none, false},
            {"incomplete: continuation seen, final line missing",
             "250-a\r\n",
             reply_error::none,
             false,
             250,
             {"a"}},
            {"4xx and 5xx codes are replies too",
             "454 4.7.0 TLS not available\r\n",
             reply_error::none,
             true,
             454,
             {"4.7.0 TLS not available"}},
        };
        for (const auto& c : cases) {
            CAPTURE(c.name);
            const reply_reader reader = read_all(c.input);
            CHECK(reader.error() == c.error);
            CHECK(reader.complete() == c.complete);
            if (c.code != 0) {
                CHECK(reader.reply().code == c.code);
                CHECK(reader.reply().lines == c.lines);
            }
            if (c.error == reply_error::none && c.complete) {
                CHECK(reader.reply().bare_lf == c.bare_lf);
            }
        }
    }

    TEST_CASE("a line longer than max_line_length is line_too_long (SMTP-6)") {
        const reply_limits limits{
            .max_line_length = 16, .max_lines = 100, .max_bytes = std::size_t{64} * 1024};
        SUBCASE("far too long, without any line end") {
            const reply_reader reader = read_all("250 " + std::string(100, 'x'), limits);
            CHECK(reader.error() == reply_error::line_too_long);
            CHECK_FALSE(reader.complete());
        }
        SUBCASE("the default limit stops a 1 MiB line after about 4 KiB") {
            reply_reader reader;
            const std::string huge = "250 " + std::string(std::size_t{1024} * 1024, 'x') + "\r\n";
            const std::size_t used = reader.feed(huge);
            CHECK(reader.error() == reply_error::line_too_long);
            CHECK(used <= reply_limits{}.max_line_length + 1);
        }
        SUBCASE("a line of the limit, CR LF included, is accepted") {
            // RFC 5321 §4.5.3.1.5 counts the code and the CR LF in a line's length.
            const std::string line = "250 " + std::string(16 - 6, 'x') + "\r\n";
            REQUIRE(line.size() == 16);
            const reply_reader reader = read_all(line, limits);
            CHECK(reader.error() == reply_error::none);
            CHECK(reader.complete());
        }
    }

    TEST_CASE("a line one octet over the limit, CR LF included, is line_too_long") {
        const reply_limits limits{
            .max_line_length = 16, .max_lines = 100, .max_bytes = std::size_t{64} * 1024};
        const std::string line = "250 " + std::string(16 - 5, 'x') + "\r\n";
        REQUIRE(line.size() == 17);
        const reply_reader reader = read_all(line, limits);
        CHECK(reader.error() == reply_error::line_too_long);
    }

    TEST_CASE("a reply with more than max_lines lines is too_many_lines") {
        const reply_limits limits{
            .max_line_length = 4096, .max_lines = 3, .max_bytes = std::size_t{64} * 1024};
        SUBCASE("exactly max_lines lines are fine") {
            const reply_reader reader = read_all("250-a\r\n250-b\r\n250 c\r\n", limits);
            CHECK(reader.error() == reply_error::none);
            CHECK(reader.complete());
        }
        SUBCASE("an endless continuation stops at max_lines") {
            std::string endless;
            for (int i = 0; i < 1000; ++i) {
                endless += "250-x\r\n";
            }
            reply_reader reader(limits);
            const std::size_t used = reader.feed(endless);
            CHECK(reader.error() == reply_error::too_many_lines);
            CHECK(used == 3 * std::string("250-x\r\n").size());
        }
    }

    TEST_CASE("a reply larger than max_bytes is too_many_bytes") {
        const reply_limits limits{.max_line_length = 4096, .max_lines = 1000, .max_bytes = 20};
        SUBCASE("exactly max_bytes is fine") {
            const reply_reader reader = read_all("250-aaaa\r\n250 bbbb\r\n", limits);
            CHECK(reader.error() == reply_error::none);
            CHECK(reader.complete());
        }
        SUBCASE("one byte more is not") {
            const reply_reader reader = read_all("250-aaaa\r\n250 bbbbb\r\n", limits);
            CHECK(reader.error() == reply_error::too_many_bytes);
            CHECK_FALSE(reader.complete());
        }
    }

    TEST_CASE("an error is sticky: the reader consumes nothing more until reset") {
        reply_reader reader;
        reader.feed("2x0 x\r\n");
        REQUIRE(reader.error() == reply_error::bad_code);
        CHECK(reader.feed("250 Ok\r\n") == 0);
        CHECK(reader.error() == reply_error::bad_code);
        reader.reset();
        CHECK(reader.error() == reply_error::none);
        CHECK(reader.feed("250 Ok\r\n") == 8);
        CHECK(reader.complete());
    }

    TEST_CASE("bytes after the final line are left unconsumed (pipelining, TLS-4 injection)") {
        const std::string first = "220 2.0.0 Ready to start TLS\r\n";
        const std::string injected = "250 injected\r\n";
        reply_reader reader;
        const std::size_t used = reader.feed(first + injected);
        CHECK(used == first.size());
        CHECK(reader.complete());
        CHECK(reader.reply().code == 220);
        CHECK(reader.feed(injected) == 0); // a complete reader takes nothing until reset

        SUBCASE("the rest reads as the next reply after reset") {
            reader.reset();
            CHECK(reader.feed(injected) == injected.size());
            CHECK(reader.complete());
            CHECK(reader.reply().code == 250);
            CHECK(reader.reply().lines == std::vector<std::string>{"injected"});
        }
    }

    TEST_CASE("bytes fed one at a time give the same reply as one feed") {
        const std::string input = "250-mx.test Hello\r\n250-SIZE 10240000\r\n250 STARTTLS\r\nQUIT";
        reply_reader reader;
        std::size_t used = 0;
        for (const char c : input) {
            used += reader.feed(std::string_view(&c, 1));
        }
        CHECK(used == input.size() - 4);
        CHECK(reader.complete());
        CHECK(reader.error() == reply_error::none);
        CHECK(reader.reply().code == 250);
        CHECK(reader.reply().lines ==
              std::vector<std::string>{"mx.test Hello", "SIZE 10240000", "STARTTLS"});
        CHECK_FALSE(reader.reply().bare_lf);
    }

    TEST_CASE("the enhanced status code is taken from the first line (RFC 3463)") {
        struct enhanced_case {
            std::string input;
            std::string expected;
        };
        const std::vector<enhanced_case> cases = {
            {"250 2.0.0 Ok\r\n", "2.0.0"},
            {"250 2.0.0\r\n", "2.0.0"},
            {"550 5.7.1 Relaying denied\r\n", "5.7.1"},
            {"451 4.123.456 Busy\r\n", "4.123.456"},
            {"250-2.1.5 first\r\n250 second\r\n", "2.1.5"},
            {"250-first\r\n250 2.1.5 second\r\n", ""},
            {"250 20.0 x\r\n", ""},
            {"250 2.0 x\r\n", ""},
            {"250 3.0.0 x\r\n", ""},
            {"250 2..0 x\r\n", ""},
            {"250 2.0.0.0 x\r\n", ""},
            {"250 2.0.1234 x\r\n", ""},
            {"250 2.0.0x y\r\n", ""},
            {"250 Ok 2.0.0\r\n", ""},
            {"250\r\n", ""},
        };
        for (const auto& c : cases) {
            CAPTURE(c.input);
            CHECK(parsed(c.input).enhanced_status == c.expected);
        }
    }

    TEST_CASE("text() joins the lines and is_positive() is 2xx") {
        const smtp_reply multi = parsed("250-a b\r\n250 c\r\n");
        CHECK(multi.text() == "a b / c");
        CHECK(multi.is_positive());
        CHECK_FALSE(parsed("454 4.7.0 later\r\n").is_positive());
        CHECK_FALSE(parsed("354 go ahead\r\n").is_positive());
    }

    TEST_CASE(
        "EHLO keywords skip the domain line and keep parameters (SMTP-15, SMTP-16, SMTP-18)") {
        const smtp_reply reply = parsed("250-mx.test Hello [127.0.0.1]\r\n"
                                        "250-size 10240000\r\n"
                                        "250-Auth PLAIN login\r\n"
                                        "250-starttls\r\n"
                                        "250 8BITMIME\r\n");
        CHECK(probe::ehlo_keywords(reply) == std::vector<std::string>{"SIZE 10240000",
                                                                      "AUTH PLAIN login",
                                                                      "STARTTLS", "8BITMIME"});
    }

    TEST_CASE("STANDARDS §9 vector: lower-case starttls in a multi-line EHLO reply is offered") {
        const smtp_reply reply = parsed(
            "250-mx.example.com Hello\r\n250-PIPELINING\r\n250-starttls\r\n250 8BITMIME\r\n");
        CHECK(probe::has_ehlo_keyword(reply, "STARTTLS"));
        CHECK_FALSE(probe::has_ehlo_keyword(reply, "mx.example.com"));
    }

    TEST_CASE("has_ehlo_keyword matches the whole keyword, case-insensitively (SMTP-17, TLS-1)") {
        struct keyword_case {
            const char* name;
            std::string input;
            std::string keyword;
            bool expected;
        };
        const std::vector<keyword_case> cases = {
            {"upper case", "250-mx.test\r\n250 STARTTLS\r\n", "STARTTLS", true},
            {"mixed case", "250-mx.test\r\n250 StartTLS\r\n", "STARTTLS", true},
            {"asked in lower case", "250-mx.test\r\n250 STARTTLS\r\n", "starttls", true},
            {"server named STARTTLS (SMTP-18)", "250-STARTTLS Hello\r\n250 8BITMIME\r\n",
             "STARTTLS", false},
            {"single-line reply has no keywords", "250 STARTTLS\r\n", "STARTTLS", false},
            {"longer keyword", "250-mx.test\r\n250 STARTTLSX\r\n", "STARTTLS", false},
            {"keyword as a parameter", "250-mx.test\r\n250 X-EXT STARTTLS\r\n", "STARTTLS", false},
            {"prefix of the keyword", "250-mx.test\r\n250 START\r\n", "STARTTLS", false},
            {"keyword with parameters", "250-mx.test\r\n250 SIZE 10240000\r\n", "SIZE", true},
            {"keyword with parameters, asked in lower case", "250-mx.test\r\n250 size 10240000\r\n",
             "size", true},
            {"keyword in the middle",
             "250-mx.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 DSN\r\n", "STARTTLS", true},
        };
        for (const auto& c : cases) {
            CAPTURE(c.name);
            CHECK(probe::has_ehlo_keyword(parsed(c.input), c.keyword) == c.expected);
        }
    }

} // TEST_SUITE
