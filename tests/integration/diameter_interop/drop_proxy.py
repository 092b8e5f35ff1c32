#!/usr/bin/env python3
"""A TCP proxy for one Diameter link that loses answers on request.

usage: drop_proxy.py LISTEN_PORT TARGET_PORT CONTROL_DIR

Forwards every connection on 127.0.0.1:LISTEN_PORT to 127.0.0.1:TARGET_PORT, byte for byte. While the file
CONTROL_DIR/drop-gpa exists, the next GBA-Push-Info answer (command 312, R flag clear) coming back from the target
is not forwarded, the file is removed and CONTROL_DIR/dropped-gpa is written: the test's "lost answer".
"""
import os
import socket
import sys
import threading

LISTEN, TARGET, CONTROL = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
GPA = 312


def pump(src, dst, frame_answers):
    buf = b""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if not frame_answers:
                dst.sendall(data)
                continue
            buf += data
            while len(buf) >= 4:
                length = int.from_bytes(buf[1:4], "big")
                if length < 20 or len(buf) < length:
                    break
                msg, buf = buf[:length], buf[length:]
                flags, code = msg[4], int.from_bytes(msg[5:8], "big")
                trigger = os.path.join(CONTROL, "drop-gpa")
                if code == GPA and not flags & 0x80 and os.path.exists(trigger):
                    os.remove(trigger)
                    with open(os.path.join(CONTROL, "dropped-gpa"), "w") as f:
                        f.write(msg[16:20].hex() + "\n")  # the End-to-End Identifier
                    continue
                dst.sendall(msg)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", LISTEN))
    lsock.listen(8)
    while True:
        client, _ = lsock.accept()
        upstream = socket.create_connection(("127.0.0.1", TARGET))
        threading.Thread(target=pump, args=(client, upstream, False), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, client, True), daemon=True).start()


if __name__ == "__main__":
    main()
