// The Received-header analyser against a corpus of header shapes, written from what each
// server documents and writes (Postfix, Exim, Sendmail, qmail, Dovecot, Microsoft 365 and
// Exchange, Gmail, Proofpoint), and against malformed and hostile input.
#include "received/received.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "base/text.h"

namespace sealpost::received {
namespace {

struct Case {
  const char* name;
  const char* header;
  // Each hop's verdict, oldest first: e encrypted, n not encrypted, i internal, u unknown.
  const char* hops;
  Verdict path;
};

const Case kCorpus[] = {
    {"postfix: TLS 1.3 from a remote server",
     "Received: from mail.example.org (mail.example.org [192.0.2.10])\r\n"
     "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\r\n"
     "\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\r\n"
     "\t(No client certificate requested)\r\n"
     "\tby mx.example.net (Postfix) with ESMTPS id 4Nq2Xk3Yz1z9sWg\r\n"
     "\tfor <alice@example.net>; Tue,  1 Dec 2026 10:00:02 +0000 (UTC)\r\n",
     "e", Verdict::kEncrypted},
    {"postfix: TLS 1.2, older header style",
     "Received: from mail.example.org (mail.example.org [192.0.2.10])\n"
     "\t(using TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits))\n"
     "\t(No client certificate requested)\n"
     "\tby mx.example.net (Postfix) with ESMTPS id 3F2A1C0123\n"
     "\tfor <alice@example.net>; Tue, 1 Dec 2026 10:00:02 +0000 (UTC)\n",
     "e", Verdict::kEncrypted},
    {"postfix: no TLS",
     "Received: from mail.example.org (mail.example.org [192.0.2.10])\n"
     "\tby mx.example.net (Postfix) with ESMTP id 4Nq2Xk3Yz1z9sWg\n"
     "\tfor <alice@example.net>; Tue,  1 Dec 2026 10:00:02 +0000 (UTC)\n",
     "n", Verdict::kNotEncrypted},
    {"postfix: authenticated submission over TLS, no TLS details",
     "Received: from [192.168.1.20] (unknown [198.51.100.7])\n"
     "\t(Authenticated sender: bob)\n"
     "\tby smtp.example.org (Postfix) with ESMTPSA id 1A2B3C\n"
     "\tfor <alice@example.net>; Tue, 1 Dec 2026 09:59:59 +0000 (UTC)\n",
     "e", Verdict::kEncrypted},
    {"postfix: a local program (pickup)",
     "Received: by mail.example.org (Postfix, from userid 1000)\n"
     "\tid 3F2A1C0123; Tue,  1 Dec 2026 09:59:58 +0000 (UTC)\n",
     "i", Verdict::kInternal},
    {"postfix: back from a content filter on the loopback",
     "Received: from localhost (localhost [127.0.0.1])\n"
     "\tby mx.example.net (Postfix) with ESMTP id 77AA0C0123\n"
     "\tfor <alice@example.net>; Tue,  1 Dec 2026 10:00:03 +0000 (UTC)\n",
     "i", Verdict::kInternal},
    {"amavis: the content filter's own field",
     "Received: from mx.example.net ([127.0.0.1])\n"
     "\tby localhost (mx.example.net [127.0.0.1]) (amavisd-new, port 10024)\n"
     "\twith ESMTP id Xy12AbCd for <alice@example.net>;\n"
     "\tTue,  1 Dec 2026 10:00:03 +0000 (UTC)\n",
     "i", Verdict::kInternal},
    {"postfix: IPv6 peer over TLS",
     "Received: from mail.example.org (mail.example.org [IPv6:2001:db8::25])\n"
     "\t(using TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits))\n"
     "\tby mx.example.net (Postfix) with ESMTPS id 4Nq2Xk\n"
     "\tfor <alice@example.net>; Tue, 1 Dec 2026 10:00:02 +0000\n",
     "e", Verdict::kEncrypted},
    {"exim: TLS 1.3",
     "Received: from mail.example.org ([192.0.2.10])\n"
     "\tby mx.example.net with esmtps  (TLS1.3) tls TLS_AES_256_GCM_SHA384\n"
     "\t(Exim 4.96)\n"
     "\t(envelope-from <bob@example.org>)\n"
     "\tid 1t2u3v-000ABC-1x\n"
     "\tfor alice@example.net; Tue, 01 Dec 2026 10:00:02 +0000\n",
     "e", Verdict::kEncrypted},
    {"exim: TLS 1.2, older style",
     "Received: from mail.example.org ([192.0.2.10] helo=mail.example.org)\n"
     "\tby mx.example.net with esmtps (TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256)\n"
     "\t(Exim 4.92)\n"
     "\t(envelope-from <bob@example.org>)\n"
     "\tid 1kLmNo-0001Pq-Rs\n"
     "\tfor alice@example.net; Tue, 01 Dec 2026 10:00:02 +0000\n",
     "e", Verdict::kEncrypted},
    {"exim: no TLS",
     "Received: from [192.0.2.10] (helo=mail.example.org)\n"
     "\tby mx.example.net with esmtp (Exim 4.96)\n"
     "\t(envelope-from <bob@example.org>)\n"
     "\tid 1t2u3v-000ABC-1x\n"
     "\tfor alice@example.net; Tue, 01 Dec 2026 10:00:02 +0000\n",
     "n", Verdict::kNotEncrypted},
    {"exim: authenticated, no TLS",
     "Received: from [198.51.100.7] (helo=[192.168.1.20])\n"
     "\tby smtp.example.org with esmtpa (Exim 4.96)\n"
     "\t(envelope-from <bob@example.org>)\n"
     "\tid 1t2u3v-000ABC-1y; Tue, 01 Dec 2026 09:59:59 +0000\n",
     "n", Verdict::kNotEncrypted},
    {"exim: authenticated over TLS",
     "Received: from [198.51.100.7] (helo=[192.168.1.20])\n"
     "\tby smtp.example.org with esmtpsa  (TLS1.3) tls TLS_AES_128_GCM_SHA256\n"
     "\t(Exim 4.96)\n"
     "\t(envelope-from <bob@example.org>)\n"
     "\tid 1t2u3v-000ABC-1z; Tue, 01 Dec 2026 09:59:59 +0000\n",
     "e", Verdict::kEncrypted},
    {"exim: a local program",
     "Received: from alice by mx.example.net with local (Exim 4.96)\n"
     "\t(envelope-from <alice@example.net>)\n"
     "\tid 1t2u3v-000ABC-20; Tue, 01 Dec 2026 09:59:58 +0000\n",
     "i", Verdict::kInternal},
    {"sendmail: TLS, verify=NOT (the reference's LuxSci hop)",
     "Received: from abc.luxsci.com ([1.1.1.1])\n"
     "\tby def.luxsci.com (8.14.4/8.13.8) with ESMTP id r7JEfLgH003867\n"
     "\t(version=TLSv1/SSLv3 cipher=DHE-RSA-AES256-SHA bits=256 verify=NOT)\n"
     "\tfor <user-xyz@def.luxsci.com>; Mon, 19 Aug 2019 10:41:21 -0400\n",
     "e", Verdict::kEncrypted},
    {"sendmail: TLS 1.3, verify=OK",
     "Received: from mail.example.org (mail.example.org [192.0.2.10])\n"
     "\tby mx.example.net (8.17.1/8.17.1) with ESMTPS id 4B1A0002003867\n"
     "\t(version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 verify=OK)\n"
     "\tfor <alice@example.net>; Tue, 1 Dec 2026 10:00:02 GMT\n",
     "e", Verdict::kEncrypted},
    {"sendmail: no TLS",
     "Received: from mail.example.org (mail.example.org [192.0.2.10])\n"
     "\tby mx.example.net (8.17.1/8.17.1) with ESMTP id 4B1A0002003868\n"
     "\tfor <alice@example.net>; Tue, 1 Dec 2026 10:00:02 GMT\n",
     "n", Verdict::kNotEncrypted},
    {"sendmail: submitted by a local program",
     "Received: (from mail@localhost)\n"
     "\tby abc.luxsci.com (8.14.4/8.13.8/Submit) id r7JEfKXD030178\n"
     "\tfor user-xyz@def.luxsci.com; Mon, 19 Aug 2019 09:41:20 -0500\n",
     "i", Verdict::kInternal},
    {"proofpoint: TLS (the reference's second example)",
     "Received: from unknown [44.44.44.44] (EHLO wgh.luxsci.com)\n"
     "\tby dispatch1-us1.ppe-hosted.com.ppe-hosted.com\n"
     "        (using TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits))\n"
     "\twith ESMTP id b-022.p01c11m003.ppe-hosted.com\n"
     "        (envelope-from <from@domain.com>);\n"
     "\tMon, 02 Feb 2009 19:28:27 -0700 (MST)\n",
     "e", Verdict::kEncrypted},
    {"the reference's whole path, Hotmail to LuxSci through Proofpoint",
     "Received: from abc.luxsci.com ([1.1.1.1])\n"
     "\tby def.luxsci.com (8.14.4/8.13.8) with ESMTP id r7JEfLgH003867\n"
     "\t(version=TLSv1/SSLv3 cipher=DHE-RSA-AES256-SHA bits=256 verify=NOT)\n"
     "\tfor <user-xyz@def.luxsci.com>; Mon, 19 Aug 2019 10:41:21 -0400\n"
     "Received: from abc.luxsci.com (localhost.localdomain [127.0.0.1])\n"
     "\tby abc.luxsci.com (8.14.4/8.13.8) with ESMTP id r7JEfK0Z030182\n"
     "\tfor <user-xyz@def.luxsci.com>; Mon, 19 Aug 2019 09:41:20 -0500\n"
     "Received: (from mail@localhost)\n"
     "\tby abc.luxsci.com (8.14.4/8.13.8/Submit) id r7JEfKXD030178\n"
     "\tfor user-xyz@def.luxsci.com; Mon, 19 Aug 2019 09:41:20 -0500\n"
     "Received: from dispatch1-us1.ppe-hosted.com (dispatch1-us1.ppe-hosted.com [2.2.2.2])\n"
     "\tby abc.luxsci.com (8.14.4/8.13.8) with ESMTP id r7JEfIkK030002\n"
     "\t(version=TLSv1/SSLv3 cipher=DHE-RSA-AES256-SHA bits=256 verify=NOT)\n"
     "\tfor <someone@luxsci.net>; Mon, 19 Aug 2019 09:41:19 -0500\n"
     "Received: from unknown [65.54.190.216] (EHLO bay0-omc4-s14.bay0.hotmail.com)\n"
     "\tby dispatch1-us1.ppe-hosted.com.ppe-hosted.com\n"
     "        (envelope-from <someone@hotmail.com>);\n"
     "\tMon, 19 Aug 2019 08:41:18 -0600 (MDT)\n"
     "Received: from BAY403-EAS373 ([65.54.190.199]) by bay0-omc4-s14.bay0.outlook.com\n"
     "       with Microsoft SMTPSVC(6.0.3790.4675); \n"
     "       Mon, 19 Aug 2019 07:41:19 -0700\n"
     "Subject: hello\n"
     "\n"
     "Received: from the.body (not a field)\n",
     "uueiie", Verdict::kUnknown},
    {"microsoft 365: between its servers, TLS 1.2",
     "Received: from BN8NAM12FT012.eop-nam12.prod.protection.outlook.com\n"
     " (2603:10b6:408:e0:cafe::5c) by BN9PR03CA0123.outlook.office365.com\n"
     " (2603:10b6:408:130::8) with Microsoft SMTP Server (version=TLS1_2,\n"
     " cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7228.22 via Frontend\n"
     " Transport; Tue, 1 Dec 2026 10:00:02 +0000\n",
     "e", Verdict::kEncrypted},
    {"microsoft 365: from the internet, TLS 1.3",
     "Received: from mail.example.org (192.0.2.10) by\n"
     " BN8NAM12FT012.mail.protection.outlook.com (10.13.182.80) with Microsoft SMTP\n"
     " Server (version=TLS1_3, cipher=TLS_AES_256_GCM_SHA384) id 15.20.7228.22 via\n"
     " Frontend Transport; Tue, 1 Dec 2026 10:00:02 +0000\n",
     "e", Verdict::kEncrypted},
    {"microsoft 365: no TLS details",
     "Received: from mail.example.org (192.0.2.10) by\n"
     " BN8NAM12FT012.mail.protection.outlook.com (10.13.182.80) with Microsoft SMTP\n"
     " Server id 15.20.7228.22 via Frontend Transport; Tue, 1 Dec 2026 10:00:02 +0000\n",
     "u", Verdict::kUnknown},
    {"microsoft 365: HTTPS inside the service",
     "Received: from DM6PR11MB4691.namprd11.prod.outlook.com (2603:10b6:5:2a5::21) by\n"
     " SN6PR11MB3456.namprd11.prod.outlook.com with HTTPS; Tue, 1 Dec 2026 10:00:03 +0000\n",
     "e", Verdict::kEncrypted},
    {"exchange: MAPI on one server",
     "Received: from DM6PR11MB4691.namprd11.prod.outlook.com\n"
     " ([fe80::1234:5678:9abc:def0]) by DM6PR11MB4691.namprd11.prod.outlook.com\n"
     " ([fe80::1234:5678:9abc:def0%5]) with mapi id 15.20.7228.020; Tue, 1 Dec 2026\n"
     " 10:00:01 +0000\n",
     "i", Verdict::kInternal},
    {"gmail: inbound over TLS 1.3",
     "Received: from mail.example.org (mail.example.org. [192.0.2.10])\n"
     "        by mx.google.com with ESMTPS id a1b2c3d4e5f6.1.2026.12.01.02.00.02\n"
     "        for <alice@gmail.com>\n"
     "        (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256);\n"
     "        Tue, 01 Dec 2026 02:00:02 -0800 (PST)\n",
     "e", Verdict::kEncrypted},
    {"gmail: between Google's servers",
     "Received: from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41])\n"
     "        by mx.google.com with SMTPS id x5sor123456.2026.12.01.02.00.01\n"
     "        for <alice@gmail.com>\n"
     "        (Google Transport Security);\n"
     "        Tue, 01 Dec 2026 02:00:01 -0800 (PST)\n",
     "e", Verdict::kEncrypted},
    {"gmail: its own processing",
     "Received: by 2002:a05:6a10:1234:b0:5a1:2b3c:4d5e with SMTP id x12csp3456789pxb;\n"
     "        Tue, 1 Dec 2026 02:00:03 -0800 (PST)\n",
     "i", Verdict::kInternal},
    {"gmail: inbound without TLS",
     "Received: from mail.example.org (mail.example.org. [192.0.2.10])\n"
     "        by mx.google.com with SMTP id a1b2c3d4e5f6\n"
     "        for <alice@gmail.com>;\n"
     "        Tue, 01 Dec 2026 02:00:02 -0800 (PST)\n",
     "n", Verdict::kNotEncrypted},
    {"dovecot: LMTP delivery on the same host",
     "Received: from mx.example.net\n"
     "\tby mx.example.net with LMTP\n"
     "\tid GHdCBm1kZWYAAKJ3t1+YmA\n"
     "\t(envelope-from <bob@example.org>)\n"
     "\tfor <alice@example.net>; Tue, 01 Dec 2026 10:00:04 +0000\n",
     "i", Verdict::kInternal},
    {"qmail: invoked by a local user, then received without TLS",
     "Received: (qmail 12346 invoked by uid 89); 1 Dec 2026 10:00:03 -0000\n"
     "Received: from unknown (HELO mail.example.org) (192.0.2.10)\n"
     "  by mx.example.net with SMTP; 1 Dec 2026 10:00:02 -0000\n",
     "ni", Verdict::kNotEncrypted},
    {"a path encrypted at every hop between servers",
     "Received: from smtp.example.org (smtp.example.org [203.0.113.5])\n"
     "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\n"
     "\tby mx.example.net (Postfix) with ESMTPS id 4Nq2Xk\n"
     "\tfor <alice@example.net>; Tue, 1 Dec 2026 10:00:05 +0000\n"
     "Received: from [192.168.1.20] (unknown [198.51.100.7])\n"
     "\t(Authenticated sender: bob)\n"
     "\tby smtp.example.org (Postfix) with ESMTPSA id 1A2B3C\n"
     "\tfor <alice@example.net>; Tue, 1 Dec 2026 10:00:00 +0000\n"
     "Received: by smtp.example.org (Postfix, from userid 1000)\n"
     "\tid 0A1B2C; Tue, 1 Dec 2026 09:59:58 +0000\n",
     "iee", Verdict::kEncrypted},
    {"a path with one plain hop in the middle",
     "Received: from relay.example.com (relay.example.com [203.0.113.9])\n"
     "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\n"
     "\tby mx.example.net (Postfix) with ESMTPS id 4Nq2Xk\n"
     "\tfor <alice@example.net>; Tue, 1 Dec 2026 10:01:00 +0000\n"
     "Received: from smtp.example.org ([203.0.113.5])\n"
     "\tby relay.example.com with esmtp (Exim 4.96)\n"
     "\tid 1t2u3v-000ABC-1x; Tue, 01 Dec 2026 10:00:30 +0000\n"
     "Received: from [198.51.100.7] (helo=laptop)\n"
     "\tby smtp.example.org with esmtpsa (TLS1.3) tls TLS_AES_128_GCM_SHA256\n"
     "\t(Exim 4.96) id 1t2u3v-000ABC-1y; Tue, 01 Dec 2026 10:00:00 +0000\n",
     "ene", Verdict::kNotEncrypted},
};

std::string VerdictLetters(const Path& path) {
  std::string out;
  for (const Hop& h : path.hops) {
    out += h.verdict == Verdict::kEncrypted      ? 'e'
           : h.verdict == Verdict::kNotEncrypted ? 'n'
           : h.verdict == Verdict::kInternal     ? 'i'
                                                 : 'u';
  }
  return out;
}

TEST(Received, CorpusVerdicts) {
  EXPECT_GE(sizeof(kCorpus) / sizeof(kCorpus[0]), 30u);
  for (const Case& c : kCorpus) {
    auto path = Analyse(c.header);
    ASSERT_TRUE(path.ok()) << c.name << ": " << path.error().ToString();
    EXPECT_EQ(VerdictLetters(*path), c.hops) << c.name << "\n" << FormatText(*path);
    EXPECT_EQ(path->verdict, c.path) << c.name << "\n" << FormatText(*path);
    for (const Hop& h : path->hops) {
      EXPECT_FALSE(h.reason.empty()) << c.name;
      EXPECT_TRUE(h.time.has_value()) << c.name << ": " << h.field;
    }
    EXPECT_TRUE(boost::json::parse(FormatJson(*path)).is_object()) << c.name;
  }
}

Hop OnlyHop(const char* header) {
  auto path = Analyse(header);
  EXPECT_TRUE(path.ok()) << path.error().ToString();
  return path.ok() && path->hops.size() == 1 ? path->hops[0] : Hop{};
}

TEST(Received, PostfixFieldsAreRead) {
  const Hop h = OnlyHop(kCorpus[0].header);
  EXPECT_EQ(h.from, "mail.example.org");
  EXPECT_EQ(h.from_address, "192.0.2.10");
  EXPECT_EQ(h.by, "mx.example.net");
  EXPECT_EQ(h.with, "ESMTPS");
  EXPECT_EQ(h.id, "4Nq2Xk3Yz1z9sWg");
  EXPECT_EQ(h.for_address, "alice@example.net");
  EXPECT_EQ(h.tls_version, "TLSv1.3");
  EXPECT_EQ(h.tls_cipher, "TLS_AES_256_GCM_SHA384");
  EXPECT_EQ(h.time, 1796119202);  // 2026-12-01T10:00:02Z
}

TEST(Received, EachStyleOfTlsRecordIsRead) {
  struct Expect {
    std::size_t corpus;
    const char* version;
    const char* cipher;
  };
  for (const Expect& e : {Expect{8, "TLS1.3", "TLS_AES_256_GCM_SHA384"},
                          Expect{9, "TLS1.2", "ECDHE-RSA-AES256-GCM-SHA384"},
                          Expect{14, "TLSv1/SSLv3", "DHE-RSA-AES256-SHA"},
                          Expect{20, "TLS1_2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
                          Expect{25, "TLS1_3", "TLS_AES_256_GCM_SHA384"}}) {
    const Hop h = OnlyHop(kCorpus[e.corpus].header);
    EXPECT_EQ(h.tls_version, e.version) << kCorpus[e.corpus].name;
    EXPECT_EQ(h.tls_cipher, e.cipher) << kCorpus[e.corpus].name;
  }
  // Exim's "with esmtps … tls <cipher>": the cipher is not part of the protocol.
  EXPECT_EQ(OnlyHop(kCorpus[8].header).with, "esmtps");
}

TEST(Received, SenderNamesAndAddresses) {
  // The peer's address is the one in the comment; the literal after "from" is its HELO.
  Hop h = OnlyHop(kCorpus[3].header);
  EXPECT_EQ(h.from_address, "198.51.100.7");
  // Proofpoint: the name it gave, the address it came from.
  h = OnlyHop(kCorpus[18].header);
  EXPECT_EQ(h.from, "wgh.luxsci.com");
  EXPECT_EQ(h.from_address, "44.44.44.44");
  // Exim "(helo=…)", a bare IPv6 address in Microsoft's comment, IPv6: literals.
  EXPECT_EQ(OnlyHop(kCorpus[10].header).from, "mail.example.org");
  EXPECT_EQ(OnlyHop(kCorpus[20].header).from_address, "2603:10b6:408:e0:cafe::5c");
  EXPECT_EQ(OnlyHop(kCorpus[7].header).from_address, "2001:db8::25");
}

TEST(Received, DelaysRunOldestFirst) {
  auto path = Analyse(kCorpus[32].header);
  ASSERT_TRUE(path.ok());
  ASSERT_EQ(path->hops.size(), 3u);
  EXPECT_EQ(path->hops[0].by, "smtp.example.org");
  EXPECT_FALSE(path->hops[0].delay.has_value());
  EXPECT_EQ(path->hops[1].delay, 30);
  EXPECT_EQ(path->hops[2].delay, 30);
  EXPECT_EQ(DelayText(30), "30 s after the hop before");
  EXPECT_EQ(DelayText(600), "10 min after the hop before");
  EXPECT_EQ(DelayText(7200), "2 h after the hop before");
  EXPECT_EQ(DelayText(-5), "5 s before the hop before (clocks differ)");
  EXPECT_NE(FormatText(*path).find("(30 s after the hop before)"), std::string::npos);
  EXPECT_NE(path->summary.find("hop 2 (smtp.example.org [203.0.113.5] → relay.example.com)"),
            std::string::npos)
      << path->summary;
}

TEST(Received, WithoutReceivedFieldsTheAnswerIsAnError) {
  for (const char* input : {"", "Subject: hi\n\nbody\n", "\n\nReceived: from x by y; date\n",
                            "not a header at all"}) {
    auto path = Analyse(input);
    ASSERT_FALSE(path.ok()) << input;
    EXPECT_EQ(path.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(path.error().message.find("no Received"), std::string::npos);
  }
}

TEST(Received, LimitsAreClearErrors) {
  const std::string one = "Received: from a.example ([192.0.2.1]) by b.example with ESMTP id x; "
                          "Tue, 1 Dec 2026 10:00:02 +0000\r\n";
  std::string many;
  for (int i = 0; i < 10000; ++i) many += one;
  auto path = Analyse(many);
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.error().message, "more than 500 Received fields");
  // At the limit it still answers.
  std::string limit;
  for (std::size_t i = 0; i < kMaxHops; ++i) limit += one;
  ASSERT_TRUE(Analyse(limit).ok());

  const std::string long_field = "Received: from a by b with ESMTP id " +
                                 std::string(kMaxFieldBytes, 'x') + "; Tue, 1 Dec 2026 10:00 +0000\n";
  EXPECT_EQ(Analyse(long_field).error().message,
            "Received field 1 (from the top) is longer than 16 KiB");
  std::string huge;
  while (huge.size() <= kMaxHeaderBytes) huge += "X-Filler: " + std::string(1000, 'f') + "\n";
  EXPECT_EQ(Analyse(huge + one).error().message, "the header is longer than 1 MiB");
}

TEST(Received, HostileFieldsGiveCleanAnswers) {
  std::string nested = "Received: from a.example ";
  nested += std::string(5000, '(') + "deep" + std::string(5000, ')');
  nested += " by b.example with ESMTP; Tue, 1 Dec 2026 10:00:02 +0000\n";
  const char* inputs[] = {
      "Received: from a.example (unclosed [192.0.2.1] by b.example with ESMTPS; today\n",
      "Received: ;;;;((((\n",
      "Received:\n",
      "Received: from \xff\xfe\xc3(\x1b[31m) by b.example\x1b[2J with ESMTP; \xe2\x82\n",
      "Received: from a.example by b.example with ESMTP; Tue, 99 Foo 2026 99:99:99 +9999\n",
      "Received: from [IPv6:::1] by b.example with ESMTP; Tue, 1 Dec 2026 10:00:02 +0000\n",
  };
  std::vector<std::string> all(std::begin(inputs), std::end(inputs));
  all.push_back(nested);
  for (const std::string& input : all) {
    auto path = Analyse(input);
    ASSERT_TRUE(path.ok()) << input;
    ASSERT_EQ(path->hops.size(), 1u);
    const std::string text = FormatText(*path);
    EXPECT_TRUE(IsValidUtf8(text)) << input;
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << input;
    EXPECT_TRUE(boost::json::parse(FormatJson(*path)).is_object()) << input;
  }
  // An unreadable date is no time, not a wrong one.
  EXPECT_FALSE(Analyse(inputs[4])->hops[0].time.has_value());
  EXPECT_EQ(Analyse(inputs[5])->hops[0].verdict, Verdict::kInternal);  // the loopback
}

}  // namespace
}  // namespace sealpost::received
