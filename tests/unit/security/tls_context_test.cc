// The TLS context provider: key and trust stores as PEM files, inline PEM and PKCS12, errors that
// name the config key, and reloads that keep the old context when the new files are bad.
#include "security/tls/tls_context.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "tls_test_certs.h"

namespace samsa::security::tls {
namespace {

namespace fs = std::filesystem;
using testing::Cert;
using testing::make_cert;

class TlsContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("samsa-tls-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    ca_ = make_cert({{"CN", "test-ca"}}, nullptr, -1, 365, 100);
    server_ = make_cert({{"CN", "localhost"}}, &ca_, -1, 30, 7);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    const auto path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  TlsContextProvider::Lookup lookup() {
    return [this](std::string_view key) -> std::optional<std::string> {
      auto it = settings_.find(std::string(key));
      if (it == settings_.end()) return std::nullopt;
      return it->second;
    };
  }
  // The key a failing build blames.
  std::string blamed() {
    try {
      TlsContextProvider provider("SSL", lookup());
    } catch (const TlsConfigError& e) {
      return e.key();
    }
    return "(built)";
  }

  fs::path dir_;
  Cert ca_, server_;
  std::map<std::string, std::string> settings_;
};

TEST_F(TlsContextTest, PemFileWithChainAndKey) {
  settings_["ssl.keystore.location"] =
      write("server.pem",
            testing::cert_pem(server_) + testing::cert_pem(ca_) + testing::key_pem(server_));
  TlsContextProvider provider("SSL", lookup());
  auto ctx = provider.current();
  EXPECT_EQ(ctx->certificate_serial, "07");
  EXPECT_GT(ctx->certificate_not_after, std::time(nullptr) + 29 * 86400);
  EXPECT_EQ(ctx->client_auth, ClientAuth::kNone);
  EXPECT_EQ(ctx->principal_mapper->map("CN=x"), "CN=x");
}

TEST_F(TlsContextTest, InlinePemAndTruststore) {
  settings_["ssl.keystore.certificate.chain"] = testing::cert_pem(server_);
  settings_["ssl.keystore.key"] = testing::key_pem(server_);
  settings_["ssl.truststore.certificates"] = testing::cert_pem(ca_);
  settings_["ssl.client.auth"] = "required";
  TlsContextProvider provider("SSL", lookup());
  EXPECT_EQ(provider.current()->client_auth, ClientAuth::kRequired);
  settings_.erase("ssl.keystore.key");
  EXPECT_EQ(blamed(), "ssl.keystore.key");
}

TEST_F(TlsContextTest, EncryptedKeyNeedsTheRightPassword) {
  settings_["ssl.keystore.location"] =
      write("enc.pem", testing::cert_pem(server_) + testing::key_pem(server_, "s3cret"));
  EXPECT_EQ(blamed(), "ssl.key.password");  // none given
  settings_["ssl.key.password"] = "wrong";
  EXPECT_EQ(blamed(), "ssl.key.password");
  settings_["ssl.key.password"] = "s3cret";
  EXPECT_EQ(blamed(), "(built)");
}

TEST_F(TlsContextTest, BadFilesNameTheirKey) {
  EXPECT_EQ(blamed(), "ssl.keystore.location");  // no key store at all
  settings_["ssl.keystore.location"] = (dir_ / "missing.pem").string();
  EXPECT_EQ(blamed(), "ssl.keystore.location");
  settings_["ssl.keystore.location"] = write("garbage.pem", "not a certificate");
  EXPECT_EQ(blamed(), "ssl.keystore.location");
  // A key that does not belong to the certificate.
  auto other = make_cert({{"CN", "other"}});
  settings_["ssl.keystore.location"] =
      write("mismatch.pem", testing::cert_pem(server_) + testing::key_pem(other));
  EXPECT_EQ(blamed(), "ssl.keystore.location");
  settings_["ssl.keystore.location"] =
      write("ok.pem", testing::cert_pem(server_) + testing::key_pem(server_));
  settings_["ssl.truststore.location"] = (dir_ / "missing-ca.pem").string();
  EXPECT_EQ(blamed(), "ssl.truststore.location");
  settings_.erase("ssl.truststore.location");
  settings_["ssl.enabled.protocols"] = "TLSv1.1";
  EXPECT_EQ(blamed(), "ssl.enabled.protocols");
  settings_["ssl.enabled.protocols"] = "TLSv1.3";
  settings_["ssl.principal.mapping.rules"] = "RULE:broken";
  EXPECT_EQ(blamed(), "ssl.principal.mapping.rules");
  settings_.erase("ssl.principal.mapping.rules");
  settings_["ssl.cipher.suites"] = "NO_SUCH_SUITE";
  EXPECT_EQ(blamed(), "ssl.cipher.suites");
  settings_["ssl.cipher.suites"] = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_AES_128_GCM_SHA256";
  EXPECT_EQ(blamed(), "(built)");
}

TEST_F(TlsContextTest, ErrorsUseTheOverrideName) {
  settings_["ssl.keystore.location"] = (dir_ / "missing.pem").string();
  try {
    TlsContextProvider provider("CLIENT", lookup(), [](std::string_view key) {
      return "listener.name.client." + std::string(key);
    });
    FAIL() << "built";
  } catch (const TlsConfigError& e) {
    EXPECT_EQ(e.key(), "listener.name.client.ssl.keystore.location");
    EXPECT_NE(std::string(e.what()).find("listener.name.client.ssl.keystore.location"),
              std::string::npos);
  }
}

TEST_F(TlsContextTest, Pkcs12KeystoreAndTruststore) {
  settings_["ssl.keystore.type"] = "PKCS12";
  settings_["ssl.keystore.location"] = write("server.p12", testing::pkcs12_der(server_, "p12pw"));
  settings_["ssl.keystore.password"] = "wrong";
  EXPECT_EQ(blamed(), "ssl.keystore.password");
  settings_["ssl.keystore.password"] = "p12pw";
  settings_["ssl.truststore.type"] = "PKCS12";
  settings_["ssl.truststore.location"] = write("ca.p12", testing::pkcs12_der(ca_, "trust"));
  settings_["ssl.truststore.password"] = "trust";
  TlsContextProvider provider("SSL", lookup());
  EXPECT_EQ(provider.current()->certificate_serial, "07");
}

TEST_F(TlsContextTest, ReloadsOnFileChangeAndKeepsTheOldContextWhenBroken) {
  const auto path = write("server.pem", testing::cert_pem(server_) + testing::key_pem(server_));
  settings_["ssl.keystore.location"] = path;
  TlsContextProvider provider("SSL", lookup());
  auto first = provider.current();
  provider.reload_if_changed();  // nothing changed
  EXPECT_EQ(provider.current(), first);

  auto renewed = make_cert({{"CN", "localhost"}}, &ca_, -1, 60, 8);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  write("server.pem", testing::cert_pem(renewed) + testing::key_pem(renewed));
  provider.reload_if_changed();
  EXPECT_EQ(provider.current()->certificate_serial, "08");
  EXPECT_EQ(first->certificate_serial, "07");  // a connection holding it keeps it

  write("server.pem", "half-written garbage");
  provider.reload_if_changed();
  EXPECT_EQ(provider.current()->certificate_serial, "08");
  EXPECT_FALSE(provider.reload("sighup"));
  EXPECT_EQ(provider.current()->certificate_serial, "08");
}

}  // namespace
}  // namespace samsa::security::tls
