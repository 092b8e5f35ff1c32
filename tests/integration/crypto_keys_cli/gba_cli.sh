#!/usr/bin/env bash
# usage: gba_cli.sh PROSE_BINARY -- GPI creation and opening through the CLI, SQN failure (exit 3) and rejections.
set -u
P="$1"
source "$(dirname "$0")/common.sh"

K=465b5ce8b199b49faa5f0a2ee238a6bc        # Milenage test set 1
OPC=cd63cb71954a9f4e48a5994e37a02baf
RAND=23553cbe9637a89d218ae64dae47bf35
IMPI=001010123456789@ims.mnc001.mcc001.3gppnetwork.org
NAF=706b6d662e6578616d706c652e6f72670100000002   # pkmf.example.org || 01 00 00 00 02 (test-vectors.md 5.2)

GPI="$("$P" gba gpi-create --k $K --opc $OPC --sqn ff9bb4d0b607 --amf b9b9 --rand $RAND --impi $IMPI \
       --naf-id $NAF --pruk-id 0123456789abcdef --lifetime 3600)"
checks=$((checks + 1))
[[ "$GPI" =~ ^01[0-9a-f]+$ ]] || { echo "FAIL: gpi-create printed '$GPI'"; fails=$((fails + 1)); }

# The USIM last accepted the previous SEQ: the GPI opens; the PRUK is the published Ks_(ext)_NAF of set 1.
expect_out "PRUK ID: 0123456789abcdef
Lifetime: 3600
PRUK: f3d2aa9b1314a33556cf270b1318733ede3f7f32c3dd2d39646067692c7d543f" \
  "$P" gba gpi-open --k $K --opc $OPC --sqn ff9bb4d0b5e7 --impi $IMPI --naf-id $NAF --gpi $GPI --show-key
expect_out "PRUK ID: 0123456789abcdef
Lifetime: 3600" "$P" gba gpi-open --k $K --opc $OPC --sqn ff9bb4d0b5e7 --impi $IMPI --naf-id $NAF --gpi $GPI

# The USIM already accepted this SQN (replay): AUTS and exit 3.
checks=$((checks + 1))
out="$("$P" gba gpi-open --k $K --opc $OPC --sqn ff9bb4d0b607 --impi $IMPI --naf-id $NAF --gpi $GPI 2>/dev/null)"
rc=$?
if [[ $rc -ne 3 || "$out" != *"AUTS: ba853f3c123ccf44e93596e355c6"* ]]; then
  echo "FAIL: replayed GPI: rc=$rc out=$out"; fails=$((fails + 1))
fi

# Resynchronise: a new GPI with the SQN after SQN_MS opens.
GPI2="$("$P" gba gpi-create --k $K --opc $OPC --sqn ff9bb4d0b627 --amf b9b9 --rand a0a1a2a3a4a5a6a7a8a9aaabacadaeaf \
        --impi $IMPI --naf-id $NAF --pruk-id 0123456789abcdf0)"
expect_out "PRUK ID: 0123456789abcdf0
Lifetime: 86400" "$P" gba gpi-open --k $K --opc $OPC --sqn ff9bb4d0b607 --impi $IMPI --naf-id $NAF --gpi $GPI2

# gpi-decode shows every field.
checks=$((checks + 1))
dec="$("$P" gba gpi-decode --gpi $GPI)"
if [[ "$dec" != *"P-TID: 0123456789abcdef"* || "$dec" != *"RAND: $RAND"* || "$dec" != *"AUTN: 55f328b43577b9b94a9ffac354dfafb3"* ||
      "$dec" != *"NAF_Id: $NAF"* || "$dec" != *"Key lifetime: 3600"* || "$dec" != *"Key type: GBA_ME"* ]]; then
  echo "FAIL: gpi-decode: $dec"; fails=$((fails + 1))
fi
expect_exit 2 "unknown tag 0x09" "$P" gba gpi-decode --gpi 01090000

# Rejections: exit 2 with the reason.
BAD="${GPI:0:${#GPI}-2}$(printf '%02x' $(( (16#${GPI: -2}) ^ 1 )))"
expect_exit 2 "GPI MAC failure" "$P" gba gpi-open --k $K --opc $OPC --sqn ff9bb4d0b5e7 --impi $IMPI --naf-id $NAF --gpi $BAD
expect_exit 2 "GPI MAC failure" "$P" gba gpi-open --k $K --opc $OPC --sqn ff9bb4d0b5e7 --impi other@ims.example.org \
  --naf-id $NAF --gpi $GPI
expect_exit 2 "AUTN MAC failure" "$P" gba gpi-open --k 0396eb317b6d1c36f19c1c84cd6ffd16 \
  --opc 53c15671c60a4b731c55b4a441c0bde2 --sqn ff9bb4d0b5e7 --impi $IMPI --naf-id $NAF --gpi $GPI
expect_exit 2 "NAF_Id" "$P" gba gpi-open --k $K --opc $OPC --sqn ff9bb4d0b5e7 --impi $IMPI \
  --naf-id 706b6d662e6578616d706c652e6f7267010000010a --gpi $GPI
expect_exit 2 "truncated" "$P" gba gpi-open --k $K --opc $OPC --sqn ff9bb4d0b5e7 --impi $IMPI --naf-id $NAF --gpi ${GPI:0:40}
expect_exit 2 "--gpi" "$P" gba gpi-open --k $K --opc $OPC --sqn 1 --impi $IMPI --naf-id $NAF --gpi 0
expect_exit 2 "--pruk-id" "$P" gba gpi-create --k $K --opc $OPC --sqn 1 --amf 0000 --rand $RAND --impi $IMPI \
  --naf-id $NAF --pruk-id 0
expect_exit 2 "--sqn" "$P" gba gpi-create --k $K --opc $OPC --sqn 1000000000000 --amf 0000 --rand $RAND --impi $IMPI \
  --naf-id $NAF --pruk-id 1
expect_exit 2 "--naf-id" "$P" gba gpi-create --k $K --opc $OPC --sqn 1 --amf 0000 --rand $RAND --impi $IMPI \
  --naf-id 0102 --pruk-id 1
expect_exit 2 "--lifetime" "$P" gba gpi-create --k $K --opc $OPC --sqn 1 --amf 0000 --rand $RAND --impi $IMPI \
  --naf-id $NAF --pruk-id 1 --lifetime 0
expect_exit 2 "--k" "$P" gba gpi-create --opc $OPC --sqn 1 --amf 0000 --rand $RAND --impi $IMPI --naf-id $NAF --pruk-id 1
expect_exit 0 "" "$P" gba gpi-create --help
expect_exit 0 "" "$P" gba gpi-open --help
finish
