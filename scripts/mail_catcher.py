#!/usr/bin/python3
"""A real SMTP server on loopback for the tests: aiosmtpd (Debian's python3-aiosmtpd) accepting every
message and writing each, as received, to DIR/<n>.eml (written under a temporary name, then renamed,
so a reader never sees half a message).

usage: mail_catcher.py DIR PORT
"""
import asyncio
import itertools
import os
import sys

from aiosmtpd.controller import Controller


class Catcher:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        name = f"{os.getpid()}-{next(self.counter):06d}"
        partial = os.path.join(self.directory, name + ".part")
        with open(partial, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(partial, os.path.join(self.directory, name + ".eml"))
        return "250 Message accepted for delivery"


async def main(directory, port):
    os.makedirs(directory, exist_ok=True)
    controller = Controller(Catcher(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"listening on 127.0.0.1:{port}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
