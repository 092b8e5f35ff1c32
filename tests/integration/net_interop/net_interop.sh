#!/usr/bin/env bash
# net interop scenarios: curl (mutual TLS) and openssl s_client (TLS-PSK, key exchange groups) against
# net_interop_server.
# usage: net_interop.sh SCENARIO PROSE_BIN SERVER_BIN PC8_XSD
set -euo pipefail
scenario=$1 prose=$2 server=$3 xsd=$4

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL [$scenario]: $*" >&2; exit 1; }

IMSI=001010000000001
RELAY=r1
PSK_ID=btid-0001@bsf.prose.test
PSK_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
CT=application/vnd.3gpp.prose-pc8+xml

start_server() {  # args passed to "serve"
  rm -f "$work/port"
  "$server" serve --port-file "$work/port" "$@" >"$work/server.out" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
  [ -s "$work/port" ] || fail "server did not start: $(cat "$work/server.out")"
  PORT=$(cat "$work/port")
}

stop_server() {  # the server prints its statistics on SIGTERM; they end up in $stats
  kill "$server_pid"; wait "$server_pid" || true; server_pid=""
  stats=$(cat "$work/server.out")
}

make_pki() {
  "$prose" pki init --dir "$work/pki" --ue "$IMSI" --relay "$RELAY" >/dev/null
  "$server" pki-extra --dir "$work/pki"
}

# curl_post CERT_BASE [extra curl args...] -> sets RC, CODE; body in $work/resp.xml, headers in $work/hdr
curl_post() {
  local base=$1; shift
  local certargs=()
  if [ -n "$base" ]; then certargs=(--cert "$work/pki/$base.pem" --key "$work/pki/$base.key"); fi
  set +e
  CODE=$(curl -sS --max-time 10 "${certargs[@]}" --cacert "$work/pki/ca.pem" \
    --resolve "pkmf.prose.test:$PORT:127.0.0.1" -H "Content-Type: $CT" --data-binary @"$work/req.xml" \
    -D "$work/hdr" -o "$work/resp.xml" -w '%{http_code}' "$@" "https://pkmf.prose.test:$PORT/prose/pc8" \
    2>"$work/curl.err")
  RC=$?
  set -e
}

expect_refused() {  # CERT_BASE ALERT12 ALERT13 [SERVER ARGS...]: refused in the TLS handshake by the server's
  # alert, TLS 1.2 and 1.3
  local base=$1 alert12=$2 alert13=$3
  shift 3
  "$server" example pruk-request >"$work/req.xml"
  start_server --pki "$work/pki" "$@"
  curl_post "$base" -v --tlsv1.2 --tls-max 1.2
  # curl reports a server alert as 35 (handshake), 56 (first read) or 60 (verification) depending on the alert.
  [ "$RC" -ne 0 ] || fail "TLS 1.2 with '$base' succeeded"
  [ "$CODE" = "000" ] || fail "TLS 1.2 with '$base': got HTTP $CODE"
  grep -Eq "(TLSv1.2 \(IN\), TLS alert, |SSL routines::.*alert )$alert12" "$work/curl.err" ||
    fail "TLS 1.2 with '$base': no '$alert12' alert from the server: $(grep -i alert "$work/curl.err")"
  curl_post "$base" -v --tlsv1.3
  # TLS 1.3: the server's alert follows the client's Finished, so curl sees it on its first read.
  [ "$RC" -ne 0 ] || fail "TLS 1.3 with '$base' succeeded"
  [ "$CODE" = "000" ] || fail "TLS 1.3 with '$base': got HTTP $CODE"
  grep -Eq "(TLSv1.3 \(IN\), TLS alert, |SSL routines::.*alert )$alert13" "$work/curl.err" ||
    fail "TLS 1.3 with '$base': no '$alert13' alert from the server: $(grep -i alert "$work/curl.err")"
  stop_server
  echo "$stats" | grep -q '^handshakes_failed 2$' || fail "server did not count 2 failed handshakes: $stats"
  echo "$stats" | grep -q '^requests 0$' || fail "a request reached the handler: $stats"
  echo "refused as expected: $(grep -i 'alert' "$work/curl.err" | tr '\n' ' ')"
}

# s_client_post VERSION_FLAGS KEY -> output in $work/sc.out
s_client_post() {
  local flags=$1 key=$2
  "$server" example pruk-request >"$work/req.xml"
  local len; len=$(wc -c <"$work/req.xml")
  { printf 'POST /prose/pc8 HTTP/1.1\r\nHost: pkmf\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' "$CT" "$len"
    cat "$work/req.xml"; } >"$work/http.req"
  set +e
  # shellcheck disable=SC2086
  timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -psk "$key" -psk_identity "$PSK_ID" $flags -quiet \
    <"$work/http.req" >"$work/sc.out" 2>&1
  set -e
}

check_psk_ok() {
  grep -q '^HTTP/1.1 200 OK' "$work/sc.out" || fail "no 200 over PSK: $(cat "$work/sc.out")"
  grep -qi "^X-Prose-Peer: psk:$PSK_ID" "$work/sc.out" || fail "PSK identity not bound: $(cat "$work/sc.out")"
  sed -n '/^<?xml\|^<KEY_RESPONSE/,$p' "$work/sc.out" >"$work/resp.xml"
  xmllint --noout --schema "$xsd" "$work/resp.xml" || fail "response not schema-valid"
}

case "$scenario" in
  curl_ue_key_request)
    make_pki
    "$server" example pruk-request >"$work/req.xml"
    xmllint --noout --schema "$xsd" "$work/req.xml"
    start_server --pki "$work/pki"
    curl_post "ue-$IMSI"
    [ "$RC" -eq 0 ] || fail "curl exit $RC: $(cat "$work/curl.err")"
    [ "$CODE" = "200" ] || fail "HTTP $CODE: $(cat "$work/resp.xml")"
    grep -qi "^X-Prose-Peer: imsi-$IMSI" "$work/hdr" || fail "peer identity header missing: $(cat "$work/hdr")"
    grep -q "<KEY_RESPONSE" "$work/resp.xml" || fail "not a KEY_RESPONSE: $(cat "$work/resp.xml")"
    grep -q "<PRUK-response" "$work/resp.xml" || fail "not a PRUK response: $(cat "$work/resp.xml")"
    grep -q "<PMK-ID>" "$work/resp.xml" || fail "no PMK granted: $(cat "$work/resp.xml")"
    xmllint --noout --schema "$xsd" "$work/resp.xml" || fail "KEY_RESPONSE not valid against pc8.xsd"
    # Keep-alive: two requests in one curl run share one connection.
    set +e
    curl -sS --max-time 10 --cert "$work/pki/ue-$IMSI.pem" --key "$work/pki/ue-$IMSI.key" --cacert "$work/pki/ca.pem" \
      --resolve "pkmf.prose.test:$PORT:127.0.0.1" -H "Content-Type: $CT" --data-binary @"$work/req.xml" \
      -o /dev/null -o /dev/null "https://pkmf.prose.test:$PORT/prose/pc8" "https://pkmf.prose.test:$PORT/prose/pc8" \
      -w '%{num_connects}\n' >"$work/nc" 2>"$work/curl.err"
    set -e
    [ "$(sed -n 2p "$work/nc")" = "0" ] || fail "second request did not reuse the connection: $(cat "$work/nc")"
    stop_server
    echo "$stats" | grep -q '^connections_accepted 2$' || fail "expected 2 connections: $stats"
    echo "$stats" | grep -q '^requests 3$' || fail "expected 3 requests: $stats"
    ;;
  curl_relay_kd_request)
    make_pki
    "$server" example kd-request-imsi-resync >"$work/req.xml"
    start_server --pki "$work/pki"
    curl_post "relay-$RELAY"
    [ "$CODE" = "200" ] || fail "HTTP $CODE (curl $RC): $(cat "$work/curl.err") $(cat "$work/resp.xml")"
    grep -qi "^X-Prose-Peer: relay-$RELAY" "$work/hdr" || fail "peer identity header missing"
    grep -q "<KD>" "$work/resp.xml" || fail "no KD: $(cat "$work/resp.xml")"
    xmllint --noout --schema "$xsd" "$work/resp.xml" || fail "KEY_RESPONSE not valid against pc8.xsd"
    ;;
  curl_identity_from_cert_not_body)
    # A UE certificate sending a relay's KD request is treated as the UE it is: refused by the handler.
    make_pki
    "$server" example kd-request >"$work/req.xml"
    start_server --pki "$work/pki"
    curl_post "ue-$IMSI"
    [ "$CODE" = "200" ] || fail "HTTP $CODE"
    grep -qi "^X-Prose-Peer: imsi-$IMSI" "$work/hdr" || fail "peer identity header missing"
    grep -q "<error-code>" "$work/resp.xml" || fail "UE was served a KD: $(cat "$work/resp.xml")"
    xmllint --noout --schema "$xsd" "$work/resp.xml"
    ;;
  curl_bad_xml)
    make_pki
    printf '<KEY_REQUEST><bogus/></KEY_REQUEST>' >"$work/req.xml"
    start_server --pki "$work/pki"
    curl_post "ue-$IMSI"
    [ "$CODE" = "400" ] || fail "expected 400, got $CODE"
    ;;
  curl_no_cert) make_pki; expect_refused "" "handshake failure" "certificate required" ;;
  curl_expired_cert) make_pki; expect_refused expired "certificate expired" "certificate expired" ;;
  curl_other_ca) make_pki; expect_refused other "unknown CA" "unknown CA" ;;
  curl_revoked_cert)
    # Issue 17: a client certificate listed in the CRL (`prose pki revoke`) is refused in the handshake.
    make_pki
    "$prose" pki revoke --dir "$work/pki" --ue "$IMSI" >/dev/null
    expect_refused "ue-$IMSI" "certificate revoked" "certificate revoked" --crl "$work/pki/crl.pem"
    # The relay, not revoked, is served by the same server configuration.
    "$server" example kd-request-imsi-resync >"$work/req.xml"
    start_server --pki "$work/pki" --crl "$work/pki/crl.pem"
    curl_post "relay-$RELAY"
    [ "$CODE" = "200" ] || fail "relay not served with the CRL: HTTP $CODE (curl $RC): $(cat "$work/curl.err")"
    ;;
  s_client_groups)
    # Issue 17: key exchange only over X25519, P-256 and P-384. openssl s_client offers one group at a time;
    # finite field groups (ffdhe*) and other curves are refused in the handshake.
    make_pki
    start_server --pki "$work/pki"
    printf 'GET /prose/pc8 HTTP/1.1\r\nHost: pkmf\r\nConnection: close\r\n\r\n' >"$work/get.req"
    # TLS 1.2 also needs P-256 listed, the curve of the server's ECDSA certificate (RFC 8422 5.1).
    for v in -tls1_2 -tls1_3; do
      groups="ffdhe2048 ffdhe3072 P-521 X25519 P-256 P-384"
      [ "$v" = -tls1_2 ] && groups="ffdhe2048 ffdhe3072 P-521 X25519:P-256 P-256"
      for g in $groups; do
        set +e
        timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -servername pkmf.prose.test -CAfile "$work/pki/ca.pem" \
          -cert "$work/pki/ue-$IMSI.pem" -key "$work/pki/ue-$IMSI.key" "$v" -groups "$g" -ign_eof \
          <"$work/get.req" >"$work/sc.out" 2>"$work/sc.err"
        set -e
        case "$g" in
          ffdhe*|P-521)
            # (unanchored: s_client may print the TLS 1.3 session ticket in the middle of the response)
            if grep -q 'HTTP/1.1' "$work/sc.out"; then fail "$v $g was served"; fi
            grep -Eq 'alert handshake failure|alert number 40' "$work/sc.err" ||
              fail "$v $g: no handshake_failure alert: $(cat "$work/sc.err")"
            ;;
          *)
            grep -q 'HTTP/1.1 405' "$work/sc.out" || fail "$v $g: not served: $(cat "$work/sc.out" "$work/sc.err")"
            want=${g%%:*}; [ "$want" = P-256 ] && want=prime256v1; [ "$want" = P-384 ] && want=secp384r1
            grep -Eq "^(Server|Peer) Temp Key: .*$want" "$work/sc.out" ||
              fail "$v $g: not the key exchange used: $(grep 'Temp Key' "$work/sc.out")"
            ;;
        esac
        echo "$v $g: $(cat "$work/sc.out" "$work/sc.err" | grep -E 'Temp Key|alert' | head -1)"
      done
    done
    ;;
  curl_wrong_server_name)
    # curl checks the PKMF certificate's name: another name fails even with a good client certificate.
    make_pki
    "$server" example pruk-request >"$work/req.xml"
    start_server --pki "$work/pki"
    set +e
    curl -sS --max-time 10 --cert "$work/pki/ue-$IMSI.pem" --key "$work/pki/ue-$IMSI.key" --cacert "$work/pki/ca.pem" \
      --resolve "evil.prose.test:$PORT:127.0.0.1" --data-binary @"$work/req.xml" "https://evil.prose.test:$PORT/prose/pc8" \
      -o /dev/null 2>"$work/curl.err"
    RC=$?
    set -e
    [ "$RC" -eq 60 ] || fail "expected curl exit 60 (certificate name mismatch), got $RC: $(cat "$work/curl.err")"
    ;;
  psk_s_client_tls12)
    start_server --psk-identity "$PSK_ID" --psk-key "$PSK_KEY"
    s_client_post "-tls1_2 -cipher PSK-AES128-CBC-SHA" "$PSK_KEY"
    check_psk_ok
    grep -q "^HTTP/1.1 200" "$work/sc.out"
    ;;
  psk_s_client_tls13)
    start_server --psk-identity "$PSK_ID" --psk-key "$PSK_KEY"
    s_client_post "-tls1_3" "$PSK_KEY"
    check_psk_ok
    ;;
  psk_wrong_key)
    start_server --psk-identity "$PSK_ID" --psk-key "$PSK_KEY"
    for flags in "-tls1_2 -cipher PSK-AES128-CBC-SHA" "-tls1_3"; do
      s_client_post "$flags" "ff${PSK_KEY:2}"
      if grep -q '^HTTP/1.1' "$work/sc.out"; then fail "wrong PSK got an HTTP response ($flags)"; fi
    done
    stop_server
    echo "$stats" | grep -q '^requests 0$' || fail "a request got through: $stats"
    echo "$stats" | grep -q '^handshakes_failed 2$' || fail "expected 2 failed handshakes: $stats"
    ;;
  *) fail "unknown scenario" ;;
esac
echo "PASS [$scenario]"
