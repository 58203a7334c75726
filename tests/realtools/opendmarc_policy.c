/*
 * OpenDMARC's reading of one DMARC record: the library most Postfix servers run as a milter
 * (Debian's libopendmarc) looks up _dmarc.example.com, answered with the record given as the
 * only argument (its fake-DNS hook, so no resolver is involved), and prints what it found:
 * "status=<library status> p=<n|q|r|-> sp=<n|q|r|-> pct=<n>". Built and run by opendmarc.ts.
 */
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <opendmarc/dmarc.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s RECORD\n", argv[0]);
    return 2;
  }
  OPENDMARC_LIB_T lib;
  memset(&lib, 0, sizeof lib);
  opendmarc_policy_library_init(&lib);
  opendmarc_dns_fake_record("_dmarc.example.com", argv[1]);
  DMARC_POLICY_T *pctx = opendmarc_policy_connect_init((u_char *)"192.0.2.1", 0);
  int status = opendmarc_policy_query_dmarc(pctx, (u_char *)"example.com");
  int p = 0, sp = 0, pct = 0;
  opendmarc_policy_fetch_p(pctx, &p);
  opendmarc_policy_fetch_sp(pctx, &sp);
  opendmarc_policy_fetch_pct(pctx, &pct);
  printf("status=%d p=%c sp=%c pct=%d\n", status, p ? p : '-', sp ? sp : '-', pct);
  opendmarc_policy_connect_shutdown(pctx);
  opendmarc_policy_library_shutdown(&lib);
  return 0;
}
