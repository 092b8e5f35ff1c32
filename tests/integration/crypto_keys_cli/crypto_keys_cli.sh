#!/usr/bin/env bash
# usage: crypto_keys_cli.sh PROSE_BINARY VECTORS_MD
set -u
P="$1"
VEC="$2"
source "$(dirname "$0")/common.sh"

# --- our published KD / KD-sess / PEK / PIK vectors, read from the data file --------------------------------
declare -A v=()
nvec=0
check_vector() {
  [[ ${#v[@]} -eq 0 ]] && return
  nvec=$((nvec + 1))
  expect_out "${v[KD]}" "$P" crypto kd --pruk "${v[PRUK]}" --freshness "${v[KD_FRESHNESS]}"
  expect_out "${v[KD_SESS]}" "$P" crypto kd-sess --kd "${v[KD]}" --nonce1 "${v[NONCE_1]}" --nonce2 "${v[NONCE_2]}"
  for alg in 0 1 2 3; do
    expect_out "${v[PEK_ALG$alg]}" "$P" crypto pek --kd-sess "${v[KD_SESS]}" --alg $alg
    expect_out "${v[PIK_ALG$alg]}" "$P" crypto pik --kd-sess "${v[KD_SESS]}" --alg $alg
  done
  # The same KD through the generic KDF calculator with the provisional FC 0x4F.
  expect_out "${v[KD]}" "$P" crypto kdf --key "${v[PRUK]}" --fc 4f --param "${v[KD_FRESHNESS]}"
  v=()
}
re='^([A-Z0-9_]+) *= ([0-9a-f]+)$'
while IFS= read -r line; do
  if [[ "$line" == "## Vector"* ]]; then check_vector; fi
  if [[ "$line" =~ $re ]]; then v[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}; fi
done <"$VEC"
check_vector
if [[ $nvec -ne 2 ]]; then echo "FAIL: expected 2 vectors in $VEC, found $nvec"; fails=$((fails + 1)); fi

# --- spec/test-vectors.md section 5: KASME (KDF) and the GBA NAF key ---------------------------------------
KS=b40ba9a3c58b2a05bbf0d987b21bf8cbf769bcd751044604127672711c6d3441
expect_out 238e457e0f758badbca8d34bb2612c10428d426757cb5553b2b184fa64bfc549 \
  "$P" crypto kdf --key $KS --fc 10 --param 024830 --param 57e673245c0d
expect_out f3d2aa9b1314a33556cf270b1318733ede3f7f32c3dd2d39646067692c7d543f \
  "$P" crypto naf-key --ck b40ba9a3c58b2a05bbf0d987b21bf8cb --ik F769BCD751044604127672711C6D3441 \
  --rand 23553cbe9637a89d218ae64dae47bf35 --impi 001010123456789@ims.mnc001.mcc001.3gppnetwork.org \
  --naf-id 706b6d662e6578616d706c652e6f72670100000002
expect_out $'{\n  "ok": true,\n  "error": null,\n  "ks_ext_naf": "f3d2aa9b1314a33556cf270b1318733ede3f7f32c3dd2d39646067692c7d543f"\n}' \
  "$P" crypto naf-key --json --ck b40ba9a3c58b2a05bbf0d987b21bf8cb --ik f769bcd751044604127672711c6d3441 \
  --rand 23553cbe9637a89d218ae64dae47bf35 --impi 001010123456789@ims.mnc001.mcc001.3gppnetwork.org \
  --naf-id 706b6d662e6578616d706c652e6f72670100000002

# --- Milenage test set 1 (spec/test-vectors.md section 1), with OP and with OPc ---------------------------
SET1="OPc: cd63cb71954a9f4e48a5994e37a02baf
MAC-A: 4a9ffac354dfafb3
MAC-S: 01cfaf9ec4e871e9
RES: a54211d5e3ba50bf
CK: b40ba9a3c58b2a05bbf0d987b21bf8cb
IK: f769bcd751044604127672711c6d3441
AK: aa689c648370
AK*: 451e8beca43b"
M1=(--k 465b5ce8b199b49faa5f0a2ee238a6bc --rand 23553cbe9637a89d218ae64dae47bf35 --sqn ff9bb4d0b607 --amf b9b9)
expect_out "$SET1" "$P" crypto milenage "${M1[@]}" --op cdc202d5123e20f62b6d676ac72cb318
expect_out "$SET1" "$P" crypto milenage "${M1[@]}" --opc CD63CB71954A9F4E48A5994E37A02BAF
json="$("$P" crypto milenage "${M1[@]}" --opc cd63cb71954a9f4e48a5994e37a02baf --json | tr -d ' \n')"
checks=$((checks + 1))
if [[ "$json" != *'"mac_a":"4a9ffac354dfafb3"'* || "$json" != *'"ak_star":"451e8beca43b"'* ]]; then
  echo "FAIL: milenage --json: $json"; fails=$((fails + 1))
fi
# Milenage set 2 (OPc from OP).
expect_out "RES: d3a628ed988620f0" bash -c "\"$P\" crypto milenage --k 0396eb317b6d1c36f19c1c84cd6ffd16 \
  --op ff53bade17df5d4e793073ce9d7579fa --rand c00d603103dcee52c4478119494202e8 --sqn fd8eef40df7d --amf af17 | grep RES"

# --- help ---------------------------------------------------------------------------------------------------
for c in kdf kd kd-sess pek pik naf-key milenage; do
  expect_exit 0 "" "$P" crypto $c --help
done

# --- bad input: exit 2, one line naming the argument ----------------------------------------------------------
PRUK=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
FR=a0a1a2a3a4a5a6a7a8a9aaabacadaeaf
expect_exit 2 "--pruk" "$P" crypto kd --pruk 0001020 --freshness $FR                       # odd hex
expect_exit 2 "--pruk: expected 32 octets" "$P" crypto kd --pruk 0001 --freshness $FR      # wrong key length
expect_exit 2 "--freshness" "$P" crypto kd --pruk $PRUK --freshness a0a1                   # wrong length
expect_exit 2 "--freshness" "$P" crypto kd --pruk $PRUK --freshness zz${FR:2}              # not hex
expect_exit 2 "--freshness" "$P" crypto kd --pruk $PRUK                                    # missing option
expect_exit 2 "--nonce2" "$P" crypto kd-sess --kd $PRUK --nonce1 $FR --nonce2 00
expect_exit 2 "--alg: unknown algorithm 7" "$P" crypto pek --kd-sess $PRUK --alg 7         # unknown algorithm
expect_exit 2 "--alg" "$P" crypto pik --kd-sess $PRUK --alg two
expect_exit 2 "--kd-sess" "$P" crypto pik --kd-sess ${PRUK:2} --alg 1
expect_exit 2 "--fc" "$P" crypto kdf --key 00 --fc 1ff
expect_exit 2 "--param (P1)" "$P" crypto kdf --key 00 --fc 01 --param 00 --param 0
expect_exit 2 "--key" "$P" crypto kdf --fc 01
expect_exit 2 "--impi" "$P" crypto naf-key --ck ${FR} --ik ${FR} --rand ${FR} --impi "" --naf-id 6100000000
expect_exit 2 "--ck" "$P" crypto naf-key --ck 00 --ik ${FR} --rand ${FR} --impi a --naf-id 6100000000
expect_exit 2 "--op or --opc" "$P" crypto milenage "${M1[@]}"
expect_exit 2 "--op" "$P" crypto milenage "${M1[@]}" --op ${FR} --opc ${FR}
expect_exit 2 "--sqn" "$P" crypto milenage --k ${FR} --opc ${FR} --rand ${FR} --sqn 0102 --amf 0000
expect_exit 2 "--amf" "$P" crypto milenage --k ${FR} --opc ${FR} --rand ${FR} --sqn 010203040506 --amf 0
finish
