/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of SHA-1 and the Community ID against published values only:
 * SHA-1 against the FIPS 180 examples ("abc", the two-block message, the
 * empty string, a million 'a'), and the Community ID against the test
 * vectors of the specification's repository (github.com/corelight/
 * community-id-spec): the tables of baseline/README.md (flows given as
 * ports or ICMP type/code, seed 0, seed 1 and the unencoded digest) and
 * every entry of baseline/baseline_deflt.json, baseline_seed1.json and
 * baseline_nob64.json (ICMP entries there give the type as sport and the
 * counterpart or code as dport), plus the two one-way ICMP cases of the
 * reference implementation's tests (pycommunityid, tests/communityid_test.py)
 * that show the code entering the hash.
 */
#include <arpa/inet.h>
#include <string.h>

#include "community_id.h"
#include "test.h"

TEST_MAIN_STATE;

static void hex(const uint8_t *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_sha1_fips(void)
{
	static const struct { const char *in, *want; } v[] = {
		{ "abc", "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
		{ "", "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
	};
	uint8_t d[SHA1_LEN];
	char h[41];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sha1(v[i].in, strlen(v[i].in), d);
		hex(d, SHA1_LEN, h);
		ASSERT_STREQ(h, v[i].want, v[i].in);
	}
	/* one million 'a': many blocks */
	char *m = malloc(1000000);

	if (!ASSERT_OK_PTR(m, "memory"))
		return;
	memset(m, 'a', 1000000);
	sha1(m, 1000000, d);
	hex(d, SHA1_LEN, h);
	ASSERT_STREQ(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f", "a million 'a'");
	free(m);
}

struct vec {
	int proto;
	const char *src, *dst;
	int a, b;            /* ports, or ICMP type and code; -1: no ports */
	const char *deflt, *seed1, *hex;
};

/* baseline/README.md, "Default settings", "A custom seed=1 value" and "No
 * base64-encoding": ICMP rows give type and code. */
static const struct vec readme[] = {
	{ 6, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:wCb3OG7yAFWelaUydu0D+125CLM=",
	  "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=", "c026f7386ef200559e95a53276ed03fb5db908b3" },
	{ 6, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:wCb3OG7yAFWelaUydu0D+125CLM=",
	  "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=", "c026f7386ef200559e95a53276ed03fb5db908b3" },
	{ 17, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=",
	  "1:OShq+iKDAMVouh/4bMxB9Sz4amw=", "d0cbbd227431eb3e1988264cffb1d78b658c84e8" },
	{ 17, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=",
	  "1:OShq+iKDAMVouh/4bMxB9Sz4amw=", "d0cbbd227431eb3e1988264cffb1d78b658c84e8" },
	{ 132, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=",
	  "1:uitchpn5MMGAQKBJh7bIr/bAr7s=", "10ab7832cc6ec9a13a98bfa19ab12443d72c0c3f" },
	{ 132, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=",
	  "1:uitchpn5MMGAQKBJh7bIr/bAr7s=", "10ab7832cc6ec9a13a98bfa19ab12443d72c0c3f" },
	{ 1, "1.2.3.4", "5.6.7.8", 8, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=",
	  "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=", "72ba1d4472f6144b078dbbf752446b7dbb386d9d" },
	{ 1, "5.6.7.8", "1.2.3.4", 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=",
	  "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=", "72ba1d4472f6144b078dbbf752446b7dbb386d9d" },
	{ 1, "1.2.3.4", "5.6.7.8", 11, 0, "1:f/YiSyWqczrTgfUCZlBUnvHRcPk=",
	  "1:1DD7cWGC/Yg91YGsQeni8du3pIA=", "7ff6224b25aa733ad381f5026650549ef1d170f9" },
	{ 58, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D",
	  128, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=", "1:IO27GQzPuCtNnwFvjWALMHu5tJE=",
	  "d1b7fb872309530b777cc103ef3f0b21f46905ea" },
	{ 58, "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
	  129, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=", "1:IO27GQzPuCtNnwFvjWALMHu5tJE=",
	  "d1b7fb872309530b777cc103ef3f0b21f46905ea" },
	{ 58, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D",
	  146, 0, "1:fYC8+pz24E+EhANP1EZhpX0Dw10=", "1:Cv4IKJe56BNkF0MBW2YxQ3Nwc3s=",
	  "7d80bcfa9cf6e04f8484034fd44661a57d03c35d" },
	{ 46, "1.2.3.4", "5.6.7.8", -1, -1, "1:ikv3kmf89luf73WPz1jOs49S768=",
	  "1:/buhqeOmaRCopOZFy9HnoJd5XW8=", "8a4bf79267fcf65b9fef758fcf58ceb38f52efaf" },
	{ 46, "5.6.7.8", "1.2.3.4", -1, -1, "1:ikv3kmf89luf73WPz1jOs49S768=",
	  "1:/buhqeOmaRCopOZFy9HnoJd5XW8=", "8a4bf79267fcf65b9fef758fcf58ceb38f52efaf" },
	{ 46, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D",
	  -1, -1, "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=", "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=",
	  "c10ff69b0ae75cfe259897077462f978f8d1f9ed" },
	{ 46, "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
	  -1, -1, "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=", "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=",
	  "c10ff69b0ae75cfe259897077462f978f8d1f9ed" },
};

/* baseline_deflt.json, baseline_seed1.json and baseline_nob64.json, entry
 * by entry (the three files list the same flows in the same order). */
static const struct vec json[] = {
	{ 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=", "7461f21af8cc7e58e0e81a69c26ddb8342cef136" },
	{ 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=", "7461f21af8cc7e58e0e81a69c26ddb8342cef136" },
	{ 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136, "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=", "cdabf24ff71ecd0af57e6226602c189cc5db81c9" },
	{ 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 135, "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=", "cdabf24ff71ecd0af57e6226602c189cc5db81c9" },
	{ 58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=", "1:lVEtCZpYu84Xqaa++3lXFyuu2n4=", "d8e6d5060227dbca19be26d866164c06087b59d4" },
	{ 58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4, "1:hLZd0XGWojozrvxqE0dWB1iM6R0=", "1:W8MHwXpWzpoSTD+cGcaJr4u0ys8=", "84b65dd17196a23a33aefc6a13475607588ce91d" },
	{ 58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ=", "f935be1ed2c7bd5d719c6855d65bfb5e826ba908" },
	{ 58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 128, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ=", "f935be1ed2c7bd5d719c6855d65bfb5e826ba908" },
	{ 58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=", "1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8=", "84efac3781fe306e4c63ff2122b5cfa9ce19433d" },
	{ 58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133, "1:pkvHqCL88/tg1k4cPigmZXUtL00=", "1:K/ee5UCqAMAQXDorP5nSa2CGLjc=", "a64bc7a822fcf3fb60d64e1c3e282665752d2f4d" },
	{ 1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA=", "5f4b27617a60c22bfd4d9b6a83ae2c833527e839" },
	{ 1, "192.168.0.1", "192.168.0.89", 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA=", "5f4b27617a60c22bfd4d9b6a83ae2c833527e839" },
	{ 1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM=", "1:XjUibYHaafLQ3pxQeiMI8g25q20=", "607c6d022ac21bfff43b391c540ba4a8a40df713" },
	{ 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw=", "fea15a78047e8057b52988cccd50ec32ffb0814e" },
	{ 6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw=", "fea15a78047e8057b52988cccd50ec32ffb0814e" },
	{ 132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=", "30fd84b5108050866f4f0e8cc491cb57b37b243b" },
	{ 132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=", "30fd84b5108050866f4f0e8cc491cb57b37b243b" },
	{ 6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc=", "2d053da9994af81e45dca0e67afea6e4f3226eb8" },
	{ 6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc=", "2d053da9994af81e45dca0e67afea6e4f3226eb8" },
	{ 17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=", "77f14fe445b7c22635bc29dd87095e451287a304" },
	{ 17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=", "77f14fe445b7c22635bc29dd87095e451287a304" },
	{ 46, "10.1.12.1", "10.1.12.2", -1, -1, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI=", "28794b920a095bb89f513c934a0c957e4147ccac" },
	{ 46, "10.1.12.2", "10.1.12.1", -1, -1, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI=", "28794b920a095bb89f513c934a0c957e4147ccac" },
};

/* The ID of one vector under a seed (and its digest in hex). */
static void id_of(const struct vec *v, uint16_t seed, char id[COMMUNITY_ID_SIZE], char h[41])
{
	uint8_t s[16] = { 0 }, d[16] = { 0 }, dg[SHA1_LEN];
	int ipver = strchr(v->src, ':') ? 6 : 4;
	int fam = ipver == 6 ? AF_INET6 : AF_INET;

	if (inet_pton(fam, v->src, s) != 1 || inet_pton(fam, v->dst, d) != 1) {
		ASSERT_TRUE(false, "vector address parses");
		id[0] = h[0] = 0;
		return;
	}
	if (v->proto == 1 || v->proto == 58) {
		community_id_icmp(id, seed, ipver, s, d, (uint8_t)v->a, (uint8_t)v->b);
	} else {
		community_id(id, seed, ipver, s, d, (uint8_t)v->proto, v->a >= 0,
			     (uint16_t)(v->a < 0 ? 0 : v->a), (uint16_t)(v->b < 0 ? 0 : v->b));
	}
	/* the digest by itself, for the unencoded vectors (not for ICMP:
	 * the table gives type/code, the digest function takes ports) */
	h[0] = 0;
	if (v->proto != 1 && v->proto != 58) {
		community_id_digest(seed, ipver, s, d, (uint8_t)v->proto, v->a >= 0,
				    (uint16_t)(v->a < 0 ? 0 : v->a), (uint16_t)(v->b < 0 ? 0 : v->b), dg);
		hex(dg, SHA1_LEN, h);
	}
}

static void check(const struct vec *v, size_t n, const char *table)
{
	char id[COMMUNITY_ID_SIZE], h[41], what[160];

	for (size_t i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "%s %zu: proto %d %s %d > %s %d", table, i, v[i].proto,
			 v[i].src, v[i].a, v[i].dst, v[i].b);
		id_of(&v[i], 0, id, h);
		ASSERT_STREQ(id, v[i].deflt, what);
		if (h[0])
			ASSERT_STREQ(h, v[i].hex, what);
		id_of(&v[i], 1, id, h);
		ASSERT_STREQ(id, v[i].seed1, what);
	}
}

static void test_spec_readme_tables(void)
{
	check(readme, sizeof(readme) / sizeof(readme[0]), "README");
}

static void test_spec_json_baselines(void)
{
	check(json, sizeof(json) / sizeof(json[0]), "baseline json");
}

static void test_icmp_one_way_code(void)
{
	/* pycommunityid tests/communityid_test.py, test_icmp: type 20 has no
	 * counterpart, so its code enters the hash (default, seed 1) */
	static const struct vec v[] = {
		{ 1, "192.168.0.89", "192.168.0.1", 20, 0, "1:3o2RFccXzUgjl7zDpqmY7yJi8rI=",
		  "1:lCXHHxavE1Vq3oX9NH5ladQg02o=", "" },
		{ 1, "192.168.0.89", "192.168.0.1", 20, 1, "1:tz/fHIDUHs19NkixVVoOZywde+I=",
		  "1:Ie3wmFyxiEyikbsbcO03d2nh+PM=", "" },
		/* an echo reply's code does not count */
		{ 1, "192.168.0.1", "192.168.0.89", 0, 20, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=",
		  "1:03g6IloqVBdcZlPyX8r0hgoE7kA=", "" },
	};

	check(v, sizeof(v) / sizeof(v[0]), "pycommunityid");
}

int main(void)
{
	RUN_TEST(test_sha1_fips);
	RUN_TEST(test_spec_readme_tables);
	RUN_TEST(test_spec_json_baselines);
	RUN_TEST(test_icmp_one_way_code);
	return test_exit();
}
