// The two addresses users type: --testscope_metrics_port=[HOST:]PORT and
// --testscope_pushgateway=URL. Good forms parse to what the exporters need; bad ones give
// a reason and never throw.
#include <gtest/gtest.h>

#include <string>

#include "exporters/gateway_url.hpp"
#include "exporters/push_families.hpp"
#include "testscope/metrics_endpoint.hpp"
#include "testscope/pushgateway.hpp"

namespace testscope {
namespace {

std::string listen(const std::string& text) {
  std::string error;
  const std::string address = parse_listen_address(text, &error);
  return address.empty() ? "error: " + error : address;
}

TEST(ListenAddress, APortAloneMeansLoopback) {
  EXPECT_EQ(listen("9464"), "127.0.0.1:9464");
  EXPECT_EQ(listen("0"), "127.0.0.1:0");
  EXPECT_EQ(listen("065535"), "error: expected [HOST:]PORT with PORT from 0 to 65535, got '065535'");
  EXPECT_EQ(listen("65535"), "127.0.0.1:65535");
}

TEST(ListenAddress, AHostIsKept) {
  EXPECT_EQ(listen("0.0.0.0:9464"), "0.0.0.0:9464");
  EXPECT_EQ(listen("10.1.2.3:80"), "10.1.2.3:80");
  EXPECT_EQ(listen("localhost:9464"), "127.0.0.1:9464");
  EXPECT_EQ(listen("[::1]:9464"), "[::1]:9464");
  EXPECT_EQ(listen("[::]:1"), "[::]:1");
}

TEST(ListenAddress, BadFormsSayWhy) {
  EXPECT_EQ(listen(""), "error: expected [HOST:]PORT with PORT from 0 to 65535, got ''");
  EXPECT_EQ(listen("abc"), "error: expected [HOST:]PORT with PORT from 0 to 65535, got 'abc'");
  EXPECT_EQ(listen("65536"), "error: expected [HOST:]PORT with PORT from 0 to 65535, got '65536'");
  EXPECT_EQ(listen("-1"), "error: expected [HOST:]PORT with PORT from 0 to 65535, got '-1'");
  EXPECT_EQ(listen("9464 "), "error: expected [HOST:]PORT with PORT from 0 to 65535, got '9464 '");
  EXPECT_EQ(listen("127.0.0.1:"), "error: expected [HOST:]PORT with PORT from 0 to 65535, got '127.0.0.1:'");
  EXPECT_EQ(
      listen("example.com:80"),
      "error: expected [HOST:]PORT with HOST an IPv4 address, [IPv6] or localhost, got 'example.com:80'");
  EXPECT_EQ(listen("::1:80"),
            "error: expected [HOST:]PORT with HOST an IPv4 address, [IPv6] or localhost, got '::1:80'");
  EXPECT_EQ(listen("[::1]"), "error: expected [IPv6]:PORT, got '[::1]'");
  EXPECT_EQ(listen("[nonsense]:80"), "error: expected [IPv6]:PORT, got '[nonsense]:80'");
  EXPECT_EQ(parse_listen_address("x", nullptr), "") << "a null error pointer is fine";
}

std::string gateway(const std::string& url) {
  std::string error;
  const auto parsed = detail::parse_gateway_url(url, &error);
  if (!parsed) return "error: " + error;
  return parsed->scheme + " " + parsed->host + " " + parsed->port + " [" + parsed->path + "]";
}

TEST(PushgatewayUrl, GoodFormsParse) {
  EXPECT_EQ(gateway("http://127.0.0.1:9091"), "http 127.0.0.1 9091 []");
  EXPECT_EQ(gateway("http://127.0.0.1:9091/"), "http 127.0.0.1 9091 []");
  EXPECT_EQ(gateway("HTTPS://push.example.com"), "https push.example.com 443 []");
  EXPECT_EQ(gateway("http://push.example.com"), "http push.example.com 80 []");
  EXPECT_EQ(gateway("pushgateway:9091"), "http pushgateway 9091 []");
  EXPECT_EQ(gateway("http://[::1]:9091"), "http [::1] 9091 []");
  EXPECT_EQ(gateway("http://[::1]"), "http [::1] 80 []");
  EXPECT_EQ(gateway("http://proxy:8080/pushgateway/"), "http proxy 8080 [/pushgateway]");
  EXPECT_EQ(check_pushgateway_url("http://localhost:9091"), "");
}

TEST(PushgatewayUrl, BadFormsSayWhy) {
  EXPECT_EQ(gateway(""), "error: empty URL");
  EXPECT_EQ(gateway("ftp://host:21"), "error: unsupported scheme 'ftp' (expected http or https)");
  EXPECT_EQ(gateway("http://"), "error: no host");
  EXPECT_EQ(gateway("http://:9091"), "error: no host");
  EXPECT_EQ(gateway("http://host:"), "error: bad port '' (expected 1 to 65535)");
  EXPECT_EQ(gateway("http://host:0"), "error: bad port '0' (expected 1 to 65535)");
  EXPECT_EQ(gateway("http://host:70000"), "error: bad port '70000' (expected 1 to 65535)");
  EXPECT_EQ(gateway("http://host:x1"), "error: bad port 'x1' (expected 1 to 65535)");
  EXPECT_EQ(gateway("http://ho st:1"), "error: bad host 'ho st'");
  EXPECT_EQ(gateway("http://user:secret@host:1"),
            "error: user:password@ is not supported (the command line is recorded in run.json)");
  EXPECT_EQ(gateway("http://host:1/?a=b"), "error: a query or fragment is not supported");
  EXPECT_EQ(gateway("http://[::1:9091"), "error: missing ']' after the IPv6 address");
  EXPECT_EQ(gateway("http://[::1]x"), "error: unexpected text after the IPv6 address");
  EXPECT_EQ(gateway("http://host/a b"), "error: bad path '/a b' (letters, digits and . - _ ~ / only)");
  EXPECT_EQ(check_pushgateway_url("ftp://x"), "unsupported scheme 'ftp' (expected http or https)");
}

TEST(PushgatewayUrl, PushToABadUrlNamesItAndDoesNotThrow) {
  EXPECT_EQ(push_to_gateway("ftp://x", "job", "host"),
            "ftp://x: unsupported scheme 'ftp' (expected http or https)");
}

// The Pushgateway's `<label>@base64/<value>` form: RFC 4648's test vectors in the URL-safe
// alphabet, and '=' for an empty value (the Pushgateway's spelling of "").
TEST(PushgatewayGrouping, Base64UrlFollowsRfc4648) {
  EXPECT_EQ(detail::base64url(""), "=");
  EXPECT_EQ(detail::base64url("f"), "Zg==");
  EXPECT_EQ(detail::base64url("fo"), "Zm8=");
  EXPECT_EQ(detail::base64url("foo"), "Zm9v");
  EXPECT_EQ(detail::base64url("foob"), "Zm9vYg==");
  EXPECT_EQ(detail::base64url("fooba"), "Zm9vYmE=");
  EXPECT_EQ(detail::base64url("foobar"), "Zm9vYmFy");
  EXPECT_EQ(detail::base64url("\xfb\xff"), "-_8=");
  EXPECT_EQ(detail::base64url("feature/x y"), "ZmVhdHVyZS94IHk=");
}

TEST(PushgatewayGrouping, PlainPathSegments) {
  EXPECT_TRUE(detail::plain_path_segment("main"));
  EXPECT_TRUE(detail::plain_path_segment("v1.2-rc_3"));
  EXPECT_FALSE(detail::plain_path_segment(""));
  EXPECT_FALSE(detail::plain_path_segment("a/b"));
  EXPECT_FALSE(detail::plain_path_segment("a b"));
  EXPECT_FALSE(detail::plain_path_segment("caf\xc3\xa9"));
}

}  // namespace
}  // namespace testscope
