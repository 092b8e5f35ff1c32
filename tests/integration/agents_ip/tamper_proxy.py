#!/usr/bin/env python3
"""The emulated sidelink between one Remote UE and one relay, with an attacker on the air (ip_flow_test.sh).

The agents' PC5 frames are UDP datagrams on loopback (src/prose/agents/frame.h: 24-bit source and destination
layer-2 IDs, then the PDCP PDU). The UE's frames go to UE_FACING and on to the relay's sidelink port, the relay's to
RELAY_FACING and on to the UE's. Frames pass unchanged until ARM_FILE exists; from then on, once each:
  * the DOWN_NTH-th downlink user-data PDU of at least 1000 octets (relay -> UE) gets its last octet flipped, and
  * the UP_NTH-th uplink user-data PDU (UE -> relay) loses its last 4 octets.
A user-data PDU here: PDCP SDU type IP (the top 3 bits of its first octet are 0) and a KD-sess ID other than 0
(protected). Each change is written to LOG as one line.

usage: tamper_proxy.py UE_FACING RELAY_FACING UE_SL RELAY_SL ARM_FILE LOG [DOWN_NTH UP_NTH]
"""
import os
import select
import socket
import sys

FRAME_HEADER = 6  # two 24-bit layer-2 IDs
PDCP_HEADER = 5  # SDU type | R, KD-sess ID (16), SN (16)


def user_data(frame):
    if len(frame) <= FRAME_HEADER + PDCP_HEADER:
        return False
    pdu = frame[FRAME_HEADER:]
    return (pdu[0] >> 5) == 0 and (pdu[1] or pdu[2])


def bound(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for opt in (33, 32):  # SO_RCVBUFFORCE (root), else SO_RCVBUF: a burst of frames must not overflow it
        try:
            s.setsockopt(socket.SOL_SOCKET, opt, 4 << 20)
            break
        except OSError:
            pass
    s.bind(("127.0.0.1", port))
    return s


def main():
    ue_facing, relay_facing, ue_sl, relay_sl = (int(a) for a in sys.argv[1:5])
    arm_file, log_path = sys.argv[5], sys.argv[6]
    down_nth = int(sys.argv[7]) if len(sys.argv) > 7 else 50
    up_nth = int(sys.argv[8]) if len(sys.argv) > 8 else 20
    from_ue, from_relay = bound(ue_facing), bound(relay_facing)
    log = open(log_path, "a", buffering=1)
    log.write("proxy up: UE -> %d -> relay %d, relay -> %d -> UE %d\n" % (ue_facing, relay_sl, relay_facing, ue_sl))
    armed = False
    down_seen = up_seen = 0
    down_done = up_done = False
    while True:
        ready, _, _ = select.select([from_ue, from_relay], [], [], 0.2)
        if not armed and os.path.exists(arm_file):
            armed = True
            log.write("armed\n")
        for s in ready:
            frame = bytearray(s.recv(65536))
            if s is from_relay:
                if armed and not down_done and user_data(frame) and len(frame) - FRAME_HEADER >= 1000:
                    down_seen += 1
                    if down_seen == down_nth:
                        frame[-1] ^= 0x5A
                        down_done = True
                        log.write("flipped the last octet of downlink user-data PDU %d (%d octets)\n" %
                                  (down_seen, len(frame) - FRAME_HEADER))
                from_relay.sendto(frame, ("127.0.0.1", ue_sl))
            else:
                if armed and not up_done and user_data(frame):
                    up_seen += 1
                    if up_seen == up_nth:
                        up_done = True
                        log.write("truncated uplink user-data PDU %d from %d to %d octets\n" %
                                  (up_seen, len(frame) - FRAME_HEADER, len(frame) - FRAME_HEADER - 4))
                        del frame[-4:]
                from_ue.sendto(frame, ("127.0.0.1", relay_sl))


if __name__ == "__main__":
    main()
