// The PKMF's Diameter client against a scripted peer: it answers the peer's DWR and DPR while idle, names its real
// address in Host-IP-Address, and maps answers to errors by meaning.
#include "prose/diameter_client/client.h"

#include <gtest/gtest.h>

#include "fake_diameter_peer.h"

namespace prose::diameter {
namespace {

namespace d = prose::diameter;
using prose::testing::FakeDiameterPeer;

auto answer_to(std::uint32_t command, std::uint32_t hbh) {
  return [=](const d::Message& m) { return !m.is_request() && m.command_code == command && m.hop_by_hop == hbh; };
}

TEST(HssClient, AnswersThePeersDwrWhileIdle) {
  FakeDiameterPeer peer;
  ClientConfig cc;
  cc.port = peer.port();
  auto client = HssClient::connect(cc);
  ASSERT_TRUE(client.ok()) << client.error().to_string();
  // No request of ours is outstanding: only a client that always reads its socket sees this DWR.
  peer.send(FakeDiameterPeer::request(d::cmd::kDeviceWatchdog, 0x77));
  auto dwa = peer.wait_for(answer_to(d::cmd::kDeviceWatchdog, 0x77), std::chrono::seconds(3));
  ASSERT_TRUE(dwa.has_value());
  EXPECT_EQ(*d::as_u32(*d::find(dwa->avps, d::avp::kResultCode)), d::rc::kSuccess);
  EXPECT_NE(d::find(dwa->avps, d::avp::kOriginHost), nullptr);
  EXPECT_TRUE((*client)->alive());
}

TEST(HssClient, AnswersThePeersDprAndStopsUsingTheConnection) {
  FakeDiameterPeer peer;
  ClientConfig cc;
  cc.port = peer.port();
  auto client = HssClient::connect(cc);
  ASSERT_TRUE(client.ok()) << client.error().to_string();
  d::Message dpr = FakeDiameterPeer::request(d::cmd::kDisconnectPeer, 0x78);
  dpr.avps.push_back(d::make_u32(d::avp::kDisconnectCause, d::kDisconnectRebooting));
  peer.send(dpr);
  ASSERT_TRUE(peer.wait_for(answer_to(d::cmd::kDisconnectPeer, 0x78), std::chrono::seconds(3)).has_value());
  for (int i = 0; i < 100 && (*client)->alive(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE((*client)->alive());
  auto r = (*client)->watchdog();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kIo);
}

TEST(HssClient, HostIpAddressIsTheSocketsOwnAddress) {
  FakeDiameterPeer peer({}, "::1");
  ClientConfig cc;
  cc.host = "::1";
  cc.port = peer.port();
  auto client = HssClient::connect(cc);
  ASSERT_TRUE(client.ok()) << client.error().to_string();
  auto cer = peer.wait_for([](const d::Message& m) { return m.command_code == d::cmd::kCapabilitiesExchange; },
                           std::chrono::seconds(1));
  ASSERT_TRUE(cer.has_value());
  const d::Avp* ip = d::find(cer->avps, d::avp::kHostIpAddress);
  ASSERT_NE(ip, nullptr);
  Bytes v6_loopback(18, 0);
  v6_loopback[1] = 2;  // address family 2 = IPv6
  v6_loopback[17] = 1;
  EXPECT_EQ(ip->data, v6_loopback);
  EXPECT_EQ((*client)->local_address(), "::1");
}

TEST(HssClient, SendsItsOwnDwrAfterTwOfSilence) {
  FakeDiameterPeer peer;
  ClientConfig cc;
  cc.port = peer.port();
  cc.watchdog = std::chrono::seconds(6);  // the RFC 3539 minimum; with jitter the DWR comes after 4 to 8 s
  auto client = HssClient::connect(cc);
  ASSERT_TRUE(client.ok()) << client.error().to_string();
  auto dwr =
      peer.wait_for([](const d::Message& m) { return m.is_request() && m.command_code == d::cmd::kDeviceWatchdog; },
                    std::chrono::seconds(10));
  ASSERT_TRUE(dwr.has_value());
  EXPECT_NE(d::find(dwr->avps, d::avp::kOriginHost), nullptr);
  EXPECT_TRUE((*client)->alive());  // the peer's DWA keeps it up
}

TEST(HssClient, DisconnectSendsDprAndWaitsForTheDpa) {
  FakeDiameterPeer peer;
  ClientConfig cc;
  cc.port = peer.port();
  {
    auto client = HssClient::connect(cc);
    ASSERT_TRUE(client.ok()) << client.error().to_string();
  }  // the destructor disconnects
  auto dpr =
      peer.wait_for([](const d::Message& m) { return m.is_request() && m.command_code == d::cmd::kDisconnectPeer; },
                    std::chrono::seconds(1));
  ASSERT_TRUE(dpr.has_value());
  EXPECT_EQ(*d::as_u32(*d::find(dpr->avps, d::avp::kDisconnectCause)), d::kDisconnectRebooting);
}

d::Message answer_with(std::uint32_t code, bool experimental) {
  d::Message a;
  a.command_code = d::cmd::kGbaPushInfo;
  if (experimental) {
    a.avps.push_back(d::make_grouped(
        d::avp::kExperimentalResult,
        {d::make_u32(d::avp::kVendorId, d::kVendor3gpp), d::make_u32(d::avp::kExperimentalResultCode, code)}));
  } else {
    a.avps.push_back(d::make_u32(d::avp::kResultCode, code));
  }
  return a;
}

TEST(HssClient, AnswersMapToErrorsByMeaningNeverToATransportError) {
  struct Case {
    std::uint32_t code;
    bool experimental;
    Errc errc;
    bool retry_elsewhere;
  } cases[] = {
      {d::rc::kUnableToDeliver, false, Errc::kTimeout, true},
      {d::rc::kTooBusy, false, Errc::kTimeout, true},
      {d::rc::kUnableToComply, false, Errc::kUnsupported, false},
      {d::rc::kAvpUnsupported, false, Errc::kInvalidArgument, false},
      {d::rc::kMissingAvp, false, Errc::kInvalidArgument, false},
      {d::rc::kCommandUnsupported, false, Errc::kUnsupported, false},
      {d::rc::kAuthenticationRejected, false, Errc::kAuthFailed, false},
      {d::rc::kErrorUserUnknown, true, Errc::kNotFound, false},
      {d::rc::kErrorIdentityUnknown, true, Errc::kNotFound, false},
      {d::rc::kErrorNotAuthorized, true, Errc::kDenied, false},
      {5999, true, Errc::kUnsupported, false},
  };
  for (const auto& c : cases) {
    AnswerCode code;
    Status st = answer_status(answer_with(c.code, c.experimental), "GPR", code);
    ASSERT_FALSE(st.ok()) << c.code;
    EXPECT_EQ(st.error().code, c.errc) << c.code;
    EXPECT_EQ(code.code, c.code);
    EXPECT_EQ(code.experimental, c.experimental);
    EXPECT_EQ(retry_elsewhere(code), c.retry_elsewhere) << c.code;
  }
  AnswerCode ok;
  EXPECT_TRUE(answer_status(answer_with(d::rc::kSuccess, false), "GPR", ok).ok());
}

TEST(HssClient, EndToEndIdentifiersAreFresh) {
  const std::uint32_t a = next_end_to_end(), b = next_end_to_end();
  EXPECT_EQ(b, a + 1);
}

}  // namespace
}  // namespace prose::diameter
