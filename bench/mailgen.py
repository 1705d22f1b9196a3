#!/usr/bin/env python3
"""Writes a Maildir of N varied synthetic messages for the ingest benchmark:
plain and HTML mail, replies with threading headers and case references,
attachments, other charsets and encoded words, a few malformed ones.
Everything is made up. Usage: mailgen.py DIR N [SEED]"""
import base64, os, random, sys

def main():
    out, n = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    firsts = ["Aisha", "Ben", "Carmen", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Kofi", "Leila"]
    lasts = ["Abbott", "Chen", "Dubois", "Gill", "Haddad", "Jensen", "Mbeki", "Patel", "Rossi", "Singh", "Tremblay"]
    topics = ["my pension", "a passport renewal", "the pothole on Elm Street", "a work permit", "housing repairs", "disability support"]
    attachment = base64.encodebytes(os.urandom(6000)).decode()
    for i in range(n):
        first, last = rng.choice(firsts), rng.choice(lasts)
        sender = f"{first.lower()}.{last.lower()}{i % 5000}@example.net"
        topic = rng.choice(topics)
        kind = rng.random()
        mid = f"<bench{i}@example.net>"
        headers = [f"From: {first} {last} <{sender}>", "To: office@riverside.example", f"Message-ID: {mid}",
                   f"Date: Tue, 24 Nov 2026 {i % 24:02d}:{i % 60:02d}:00 +0000", "MIME-Version: 1.0"]
        body = f"Dear Member,\n\nI am writing about {topic}. " + "It has been weeks and nobody has answered. " * rng.randint(1, 8) + f"\n\nThank you,\n{first} {last}\n{rng.randint(1, 400)} Maple Avenue\nRiverside, MB R2C {rng.randint(0,9)}A{rng.randint(0,9)}\n"
        if kind < 0.45:
            msg = headers + [f"Subject: About {topic}", "Content-Type: text/plain; charset=utf-8", "", body]
        elif kind < 0.65:
            msg = headers + [f"Subject: Re: [CW-2026-{rng.randint(1, 99999):05d}] {topic}", f"In-Reply-To: <bench{max(0, i - 1)}@example.net>",
                             f"References: <bench{max(0, i - 2)}@example.net> <bench{max(0, i - 1)}@example.net>",
                             "Content-Type: text/plain; charset=utf-8", "", "> earlier text\n" + body]
        elif kind < 0.8:
            html = "<html><body><p>" + body.replace("\n", "<br>") + "</p><img src=\"https://tracker.example/p.gif\"></body></html>"
            msg = headers + [f"Subject: =?utf-8?q?Question_about_{topic.replace(' ', '_')}?=", "Content-Type: multipart/alternative; boundary=\"alt\"", "",
                             "--alt", "Content-Type: text/plain; charset=iso-8859-1", "", body, "--alt", "Content-Type: text/html; charset=utf-8", "", html, "--alt--"]
        elif kind < 0.95:
            msg = headers + [f"Subject: Documents for {topic}", "Content-Type: multipart/mixed; boundary=\"mix\"", "",
                             "--mix", "Content-Type: text/plain; charset=utf-8", "", body,
                             "--mix", "Content-Type: application/pdf; name=\"letter.pdf\"", "Content-Disposition: attachment; filename=\"letter.pdf\"",
                             "Content-Transfer-Encoding: base64", "", attachment, "--mix--"]
        else:
            msg = [f"From: broken <{sender}", "Subject: =?bogus?x?zzz?=", "Content-Type: multipart/mixed; boundary=", "", body + "\x00\xff"]
        data = "\r\n".join(msg).encode("utf-8", "surrogateescape")
        with open(os.path.join(out, "new", f"{i}.bench:2,"), "wb") as f:
            f.write(data)

if __name__ == "__main__":
    main()
