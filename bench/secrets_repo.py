#!/usr/bin/env python3
"""Generates the secrets benchmark's repository with `git fast-import`.

A main line of COMMITS commits in which every 25th commit merges a 4-commit side branch, each
commit adding or changing files of code-like text (about BLOB_KIB KiB each, every blob
distinct), and secrets planted at known places: in ordinary commits, in files deleted later,
in merge commits' own changes (a conflict resolution), on an unmerged branch, behind an
annotated tag to a commit nothing else reaches, and on a remote-tracking ref. Secret values are
drawn at run time; the list goes to PLANTED (one JSON object per line: rule, value, where).

Also writes a tree of placeholders (PLACEHOLDERS): things a naive scanner flags and none of
which is a credential.

usage: secrets_repo.py REPO PLANTED PLACEHOLDERS [COMMITS] [TARGET_MB]
"""

import json
import os
import random
import subprocess
import sys

REPO, PLANTED, PLACEHOLDERS = sys.argv[1], sys.argv[2], sys.argv[3]
COMMITS = int(sys.argv[4]) if len(sys.argv) > 4 else 10_000
TARGET_MB = int(sys.argv[5]) if len(sys.argv) > 5 else 200
rng = random.Random(14)
B62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
HEX = "0123456789abcdef"


def noise(n, alphabet=B62):
    return "".join(rng.choice(alphabet) for _ in range(n))


# Secrets, one maker per format: (rule, value, line holding it).
def aws():
    v = "AKIA" + noise(16, B32)
    return "aws-access-key-id", v, f'AWS_ACCESS_KEY_ID = "{v}"'


def github():
    v = "ghp_" + noise(36)
    return "github-pat", v, f"export GITHUB_TOKEN={v}"


def slack():
    v = f"xoxb-{noise(11, '0123456789')}-{noise(12, '0123456789')}-{noise(24)}"
    return "slack-token", v, f'slack_client = WebClient(token="{v}")'


def stripe():
    v = "sk_live_" + noise(32)
    return "stripe-secret-key", v, f"Stripe.api_key = '{v}'"


def gitlab():
    v = "glpat-" + noise(20)
    return "gitlab-token", v, f"  GITLAB_TOKEN: {v}"


def sendgrid():
    v = f"SG.{noise(22)}.{noise(43)}"
    return "sendgrid-api-key", v, f'SENDGRID = "{v}"'


def google():
    v = "AIza" + noise(35)
    return "google-api-key", v, f"const mapsKey = '{v}';"


def npm():
    v = "npm_" + noise(36)
    return "npm-token", v, f"//registry.npmjs.org/:_authToken={v}"


def postgres():
    v = noise(20)
    return "database-url-password", v, f'DATABASE_URL = "postgresql://app:{v}@db.internal:5432/app"'


def amqp():
    v = noise(18)
    return "broker-url-password", v, f"BROKER_URL = 'amqp://worker:{v}@mq.internal:5672//'"


def generic():
    v = noise(24)
    return "generic-secret-assignment", v, f'client_secret = "{v}"'


def jwt():
    v = f"eyJhbGciOiJIUzI1NiJ9.eyJ{noise(40)}.{noise(43)}"
    return "jwt", v, f"Authorization: Bearer {v}"


def private_key():
    body = "\n".join(noise(64) for _ in range(10))
    v = f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----"
    return "private-key", v, v


MAKERS = [aws, github, slack, stripe, gitlab, sendgrid, google, npm, postgres, amqp, generic, jwt, private_key]

# Code-like text: lines from a pool, with the words scanners key on used as code does.
WORDS = "user order item price total cache request response handler session query row column index page limit".split()
POOL = []
for _ in range(6000):
    a, b, c = rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS)
    n = rng.randrange(1000)
    POOL.append(rng.choice([
        f"def {a}_{b}_{n}({c}, limit={n}):",
        f"    {a}_{n} = {b}.get('{c}', {n})",
        f"    if {a}.{b} > {n}: return {c}[{n}]",
        f"    password = request.form['password']  # {a} {b}",
        f"    token = os.environ['{a.upper()}_TOKEN']",
        f"    secret_key = settings.{a.upper()}_{b.upper()}",
        f"# {a} {b} {c}: see https://docs.example.com/{a}/{b}",
        f"    logger.info('{a} %s {b} %d', {c}, {n})",
        f"    return {{'{a}': {b}_{n}, '{c}': None}}",
        f"class {a.title()}{b.title()}{n}({c.title()}):",
    ]))


def blob_text(tag, kib):
    lines = [f"# {tag}"]
    size = 0
    while size < kib * 1024:
        line = rng.choice(POOL)
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines) + "\n"


class Stream:
    def __init__(self, out):
        self.out = out
        self.mark = 0
        self.time = 1_600_000_000

    def blob(self, data):
        self.mark += 1
        raw = data.encode()
        self.out.write(b"blob\nmark :%d\ndata %d\n" % (self.mark, len(raw)) + raw + b"\n")
        return self.mark

    def commit(self, ref, message, parents, files, deletes=()):
        marks = [(path, self.blob(text)) for path, text in files]
        self.mark += 1
        self.time += 600
        msg = message.encode()
        head = b"commit %s\nmark :%d\ncommitter Bench <bench@example.invalid> %d +0000\ndata %d\n%s\n" % (
            ref.encode(), self.mark, self.time, len(msg), msg)
        self.out.write(head)
        if parents:
            self.out.write(b"from :%d\n" % parents[0])
            for p in parents[1:]:
                self.out.write(b"merge :%d\n" % p)
        for path, m in marks:
            self.out.write(b"M 100644 :%d %s\n" % (m, path.encode()))
        for path in deletes:
            self.out.write(b"D %s\n" % path.encode())
        self.out.write(b"\n")
        return self.mark

    def tag(self, name, commit, message):
        msg = message.encode()
        self.out.write(b"tag %s\nfrom :%d\ntagger Bench <bench@example.invalid> %d +0000\ndata %d\n%s\n" % (
            name.encode(), commit, self.time, len(msg), msg))

    def reset(self, ref, commit):
        self.out.write(b"reset %s\nfrom :%d\n\n" % (ref.encode(), commit))


def main():
    os.makedirs(REPO, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", REPO], check=True)
    fi = subprocess.Popen(["git", "-C", REPO, "fast-import", "--quiet", "--done"], stdin=subprocess.PIPE)
    s = Stream(fi.stdin)
    planted = []
    files_per_commit = 2
    # Main commits add two blobs, side commits one (4 in every 25 commits): 1.84 a commit.
    kib = max(1.0, TARGET_MB * 1024 / (COMMITS * 1.84))
    paths = [f"src/{d}/{w}_{i}.py" for d in ("api", "core", "jobs", "web") for w in WORDS for i in range(8)]
    # Where the secrets go: commit numbers spread over the history.
    plant_at = {n: MAKERS[i % len(MAKERS)] for i, n in enumerate(range(137, COMMITS, max(1, COMMITS // 26)))}
    delete_later = {}
    head = None
    n = 0
    while n < COMMITS:
        files = [(rng.choice(paths), blob_text(f"main {n} {k}", kib)) for k in range(files_per_commit)]
        deletes = [p for p, at in delete_later.items() if at <= n]
        for p in deletes:
            del delete_later[p]
        if n in plant_at:
            rule, value, line = plant_at[n]()
            path = f"config/planted_{n}.py"
            files.append((path, f"# settings\n{line}\n"))
            if n % 2 == 0:
                delete_later[path] = n + 3
            planted.append({"rule": rule, "value": value, "where": f"{path} @ commit {n}" + (" (deleted later)" if n % 2 == 0 else "")})
        if n % 25 == 24 and head is not None:
            # A side branch of 4 commits merged back; every 200th merge's resolution holds a secret.
            side = head
            for k in range(4):
                side = s.commit("refs/heads/side", f"side {n}.{k}", [side], [(rng.choice(paths), blob_text(f"side {n} {k}", kib))])
                n += 1
            merge_files = files
            if n % 1000 < 29:
                rule, value, line = MAKERS[(n // 1000) % len(MAKERS)]()
                merge_files = files + [("config/resolved.py", f"# resolved conflict\n{line}\n")]
                planted.append({"rule": rule, "value": value, "where": f"config/resolved.py in merge {n}"})
            head = s.commit("refs/heads/main", f"merge side {n}", [head, side], merge_files, deletes)
        else:
            head = s.commit("refs/heads/main", f"commit {n}", [head] if head else [], files, deletes)
        n += 1
    # An unmerged branch, an annotated tag to an otherwise unreachable commit, a remote-tracking ref.
    for ref, kind in (("refs/heads/wip/unmerged", "branch"), ("refs/heads/tmp/tagged", "tag"), ("refs/remotes/origin/hotfix", "remote")):
        rule, value, line = MAKERS[len(planted) % len(MAKERS)]()
        c = s.commit(ref, f"{kind} secret", [head], [(f"config/{kind}.py", f"{line}\n")])
        planted.append({"rule": rule, "value": value, "where": f"config/{kind}.py on {kind}"})
        if kind == "tag":
            s.tag("v0.0-orphan", c, "a tag to a commit no branch reaches")
            s.reset("refs/heads/tmp/tagged", head)
    s.reset("refs/heads/side", head)
    fi.stdin.write(b"done\n")
    fi.stdin.close()
    if fi.wait() != 0:
        sys.exit("fast-import failed")
    subprocess.run(["git", "-C", REPO, "update-ref", "-d", "refs/heads/tmp/tagged"], check=True)
    subprocess.run(["git", "-C", REPO, "update-ref", "-d", "refs/heads/side"], check=True)
    subprocess.run(["git", "-C", REPO, "checkout", "-q", "-f", "main"], check=True)
    with open(PLANTED, "w") as f:
        for p in planted:
            f.write(json.dumps(p) + "\n")
    placeholders()


def placeholders():
    """Things that look like secrets and are not: a scanner should report none of them."""
    os.makedirs(PLACEHOLDERS, exist_ok=True)
    uuid = f"{noise(8, HEX)}-{noise(4, HEX)}-4{noise(3, HEX)}-a{noise(3, HEX)}-{noise(12, HEX)}"
    files = {
        "README.md": "Set `AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE` and `AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`.\n"
                     "Stripe test card docs use `sk_test_4eC39HqLyjWDarjtT1zdp7dc`.\n",
        ".env.example": "DATABASE_URL=postgresql://app:changeme@localhost/app\nSECRET_KEY=<your-secret-key>\nAPI_TOKEN=YOUR_API_TOKEN\n",
        "config/settings.py": "import os\npassword = os.environ['DB_PASSWORD']\napi_key = \"${API_KEY}\"\ntoken = \"{{ vault_token }}\"\n"
                              "secret = \"xxxxxxxxxxxxxxxxxxxx\"\nDATABASE_URL = 'postgres://postgres:postgres@localhost/test'\n",
        "config/app.yml": "db:\n  password: ${POSTGRES_PASSWORD}\nsecret: REPLACE_ME\nredis: redis://localhost:6379/0\n",
        "package-lock.json": "{\"integrity\": \"sha512-" + noise(86) + "==\"}\n",
        "src/ids.py": f"REQUEST_ID = \"{uuid}\"\nCHECKSUM = \"{noise(64, HEX)}\"\ncommit_token_sha = \"{noise(40, HEX)}\"\n",
        "deploy/id_ed25519.pub": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + noise(43) + " deploy@host\n",
        "deploy/public.pem": "-----BEGIN PUBLIC KEY-----\n" + noise(64) + "\n-----END PUBLIC KEY-----\n",
        "web/pay.js": "const stripe = Stripe('pk_live_" + noise(24) + "');\nconst publishable_key = \"" + noise(32) + "\";\n",
        "docs/jwt.md": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c\n",
        "docs/keys.md": "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n",
        "src/auth.py": "password_hash = \"$2b$12$" + noise(53) + "\"\nif password == confirm_password:\n    pass\n",
    }
    for path, text in files.items():
        full = os.path.join(PLACEHOLDERS, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)


main()
