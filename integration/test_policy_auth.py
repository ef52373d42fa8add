"""Edge policy end to end: Origin (SPEC §3 step 5) and JWT auth (step 6, §4 expiry row).

Tokens are made by PyJWT (Debian python3-jwt) and keys by the openssl CLI, so
wsedge's verifier is checked against independent implementations.
"""
import base64
import hashlib
import hmac
import json
import subprocess
import time

import jwt
import pytest
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from cryptography.hazmat.primitives.serialization import load_pem_public_key

import wsedge_harness as h

ISS = "https://auth.example.com"
AUD = "chat"
HS_SECRET = "integration-secret-0123456789abcdef!"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """Private keys (openssl CLI) and the JWKS of their public halves (PyJWT)."""
    d = tmp_path_factory.mktemp("keys")
    specs = {
        "rsa": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        "ec256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "ec384": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
        "ed": ["-algorithm", "ED25519"],
    }
    out = {"dir": d}
    jwks = []
    for name, args in specs.items():
        priv, pub = d / f"{name}.pem", d / f"{name}.pub.pem"
        subprocess.run(["openssl", "genpkey", *args, "-out", str(priv)], check=True,
                       capture_output=True)
        subprocess.run(["openssl", "pkey", "-in", str(priv), "-pubout", "-out", str(pub)],
                       check=True, capture_output=True)
        out[name] = priv.read_text()
        out[name + "_pub"] = pub.read_text()
        alg = {"rsa": RSAAlgorithm, "ec256": ECAlgorithm, "ec384": ECAlgorithm,
               "ed": OKPAlgorithm}[name]
        jwk = json.loads(alg.to_jwk(load_pem_public_key(pub.read_bytes())))
        jwk.update(kid=name, use="sig")
        jwks.append(jwk)
    (d / "jwks.json").write_text(json.dumps({"keys": jwks}))
    (d / "secret.txt").write_text(HS_SECRET + "\n")
    out["jwks"] = str(d / "jwks.json")
    out["secret_file"] = str(d / "secret.txt")
    return out


ALGS = {  # alg -> (key name, kid or None)
    "HS256": ("hs", None), "HS384": ("hs", None), "HS512": ("hs", None),
    "RS256": ("rsa", "rsa"), "RS384": ("rsa", "rsa"), "RS512": ("rsa", "rsa"),
    "PS256": ("rsa", "rsa"), "PS384": ("rsa", "rsa"), "PS512": ("rsa", "rsa"),
    "ES256": ("ec256", "ec256"), "ES384": ("ec384", "ec384"), "EdDSA": ("ed", "ed"),
}


def claims(**over):
    now = int(time.time())
    c = {"sub": "user-42", "iss": ISS, "aud": AUD, "iat": now, "nbf": now, "exp": now + 600}
    c.update(over)
    return {k: v for k, v in c.items() if v is not None}


def token(keys, alg="HS256", headers=None, **over):
    name, kid = ALGS[alg]
    key = HS_SECRET if name == "hs" else keys[name]
    hdr = dict(headers or {})
    if kid and "kid" not in hdr:
        hdr["kid"] = kid
    return jwt.encode(claims(**over), key, algorithm=alg, headers=hdr or None)


def start(env, backend, auth=None, route_extra=None, limits=None, timeouts=None, log_level="debug"):
    """wsedge with one route "/" to backend, optionally with [auth.users]."""
    route = {"path_prefix": "/", "pool": "echo"}
    route.update(route_extra or {})
    if auth is not None:
        route["auth"] = "users"
    port = h.free_port()
    text = h.render_config(port, {"echo": {"servers": [backend.address]}}, [route],
                           {"log_level": log_level}, timeouts, limits)
    if auth is not None:
        text += "\n[auth.users]\n" + "\n".join(f"{k} = {v}" for k, v in auth.items()) + "\n"
    return env.start_proxy(env.write_config(text, f"wsedge.{port}.toml"), port)


def jwt_auth(keys, **over):
    a = {"type": '"jwt"',
         "algorithms": h.toml_value(list(ALGS)),
         "secret_file": h.toml_value(keys["secret_file"]),
         "jwks_file": h.toml_value(keys["jwks"]),
         "issuer": h.toml_value(ISS),
         "audience": h.toml_value(AUD),
         "leeway": '"0"'}
    a.update(over)
    return a


def bearer(tok):
    return [("Authorization", f"Bearer {tok}")]


def attempt(px, path="/", extra=None):
    """(status, headers) of one upgrade; the connection is closed afterwards."""
    c = h.RawConn(px.address)
    try:
        return c.handshake(path, extra=extra)
    finally:
        c.close()


def request_headers(backend, path):
    recs = backend.wait_record(lambda r: r.get("event") == "request" and r["path"] == path,
                               what=f"request {path}")
    return recs[-1]["headers"]


def assert_no_token_in_logs(px, tokens):
    text = px.log_text()
    for t in tokens:
        # The signature part alone must not show up either.
        assert t not in text, "a token appears in the log"
        sig = t.split(".")[-1]
        assert len(sig) < 16 or sig not in text, "a token signature appears in the log"


# ------------------------------------------------------------------ JWT

def test_every_algorithm_is_accepted(env, keys):
    b = env.echo_backend()
    px = start(env, b, jwt_auth(keys))
    toks = []
    for i, alg in enumerate(ALGS):
        tok = token(keys, alg)
        toks.append(tok)
        status, _ = attempt(px, f"/alg{i}", bearer(tok))
        assert status == 101, alg
    assert len(b.records("request")) == len(ALGS)
    assert_no_token_in_logs(px, toks)


def bad_tokens(keys):
    """(name, token) pairs that must each get 401 invalid_token."""
    now = int(time.time())
    good = token(keys, "RS256")
    h64, p64, s64 = good.split(".")
    wrong_sig = ".".join([h64, p64, b64url(b"\0" * 256)])
    none_tok = ".".join([b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode()),
                         b64url(json.dumps(claims()).encode()), ""])
    # The classic confusion: HS256 with the RSA public key PEM as the HMAC secret.
    conf_head = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa"}).encode())
    conf_body = b64url(json.dumps(claims()).encode())
    conf_sig = hmac.new(keys["rsa_pub"].encode(), f"{conf_head}.{conf_body}".encode(),
                        hashlib.sha256).digest()
    return [
        ("expired", token(keys, "HS256", exp=now - 120, iat=now - 600, nbf=now - 600)),
        ("not_yet_valid", token(keys, "ES256", nbf=now + 600)),
        ("wrong_iss", token(keys, "RS256", iss="https://evil.example.com")),
        ("wrong_aud", token(keys, "EdDSA", aud="other")),
        ("bad_signature", wrong_sig),
        ("truncated", good[:-12]),
        ("too_large", token(keys, "HS256", pad="x" * 16384)),
        ("unknown_kid", token(keys, "RS256", headers={"kid": "nobody"})),
        ("alg_none", none_tok),
        ("hs256_with_rsa_public_key", f"{conf_head}.{conf_body}.{b64url(conf_sig)}"),
    ]


def test_bad_tokens_get_401_and_never_reach_the_backend(env, keys):
    b = env.echo_backend()
    # A large head limit, so the 16 KiB token reaches the verifier (not a 431).
    px = start(env, b, jwt_auth(keys), limits={"max_request_head": "64KiB"})
    cases = bad_tokens(keys)
    for name, tok in cases:
        status, headers = attempt(px, f"/{name}", bearer(tok))
        assert status == 401, name
        assert headers["www-authenticate"] == ['Bearer error="invalid_token"'], name
    status, headers = attempt(px, "/missing")
    assert status == 401 and headers["www-authenticate"] == ["Bearer"]
    lines = px.wait_access(lambda a: a.get("status") == 401, count=len(cases) + 1)
    assert all(a["reject_reason"] == "auth" for a in lines)
    assert b.saw_nothing()
    assert_no_token_in_logs(px, [t for _, t in cases])


def test_token_sources_in_order(env, keys):
    b = env.echo_backend()
    px = start(env, b, jwt_auth(keys, token_from=h.toml_value(
        ["header:Authorization", "query:access_token", "cookie:token", "subprotocol"])))
    tok = token(keys, "HS256")
    toks = [tok]

    assert attempt(px, "/h", bearer(tok))[0] == 101

    assert attempt(px, f"/q?room=1&access_token={tok}")[0] == 101
    rec = b.wait_record(lambda r: r.get("event") == "request" and r["path"].startswith("/q"))
    assert rec[-1]["path"] == "/q?room=1"  # the token is stripped from the path sent upstream

    assert attempt(px, "/c", [("Cookie", f"theme=dark; token={tok}")])[0] == 101

    status, headers = attempt(px, "/s", [("Sec-WebSocket-Protocol", f"bearer, {tok}")])
    assert status == 101
    # The backend chose no subprotocol: wsedge answers "bearer" itself.
    assert headers["sec-websocket-protocol"] == ["bearer"]
    fwd = request_headers(b, "/s")
    assert not [v for k, v in fwd if k.lower() == "sec-websocket-protocol"]
    assert tok not in json.dumps(fwd)

    # A bad token in the first source is not rescued by a good one later.
    bad = token(keys, "HS256", iss="https://evil.example.com")
    toks.append(bad)
    assert attempt(px, f"/order?access_token={tok}", bearer(bad))[0] == 401
    assert_no_token_in_logs(px, toks)


def test_claims_forwarded_and_spoofed_copies_removed(env, keys):
    b = env.echo_backend()
    px = start(env, b, jwt_auth(keys, forward_claims='{ sub = "X-User-Id", role = "X-Role" }'))
    tok = token(keys, "RS256", role="admin")
    spoof = bearer(tok) + [("X-User-Id", "root"), ("X-Role", "god"), ("x-user-id", "root2")]
    assert attempt(px, "/claims", spoof)[0] == 101
    fwd = request_headers(b, "/claims")
    assert [v for k, v in fwd if k.lower() == "x-user-id"] == ["user-42"]
    assert [v for k, v in fwd if k.lower() == "x-role"] == ["admin"]
    # Unverified: no claim headers at all reach the backend.
    assert attempt(px, "/spoof-only", [("X-User-Id", "root")])[0] == 401
    assert not b.records("request")[1:]


def test_close_on_expiry_sends_1008_and_1001(env, keys):
    b = env.echo_backend()
    px = start(env, b, jwt_auth(keys, close_on_expiry="true"))
    tok = token(keys, "ES256", exp=int(time.time()) + 2)
    c = h.RawConn(px.address, timeout=8)
    try:
        t0 = time.time()
        assert c.handshake("/expiring", extra=bearer(tok))[0] == 101
        c.send(h.encode_frame(0x1, b"still valid"))
        assert c.recv_frame()[2] == b"still valid"
        code, _ = c.recv_close()
        took = time.time() - t0
    finally:
        c.close()
    assert code == 1008
    assert 0.5 < took < 4.5, took
    rec = b.wait_record(lambda r: r.get("event") == "close" and r["path"] == "/expiring")
    assert rec[0]["code"] == 1001
    a = px.wait_access(lambda a: a.get("path") == "/expiring")[0]
    assert a["closed_by"] == "proxy:token_expired" and a["close_code"] == 1008
    assert_no_token_in_logs(px, [tok])


def test_bad_auth_config_is_reported_at_its_key(env, keys, tmp_path):
    b = env.echo_backend()
    port = h.free_port()
    text = h.render_config(port, {"echo": {"servers": [b.address]}},
                           [{"path_prefix": "/", "pool": "echo", "auth": "users",
                             "allowed_origins": ["https://ok.example.com", "ftp//nope"]}])
    text += ('\n[auth.users]\ntype = "jwt"\nalgorithms = ["RS256"]\n'
             'jwks_file = "/nonexistent/jwks.json"\n')
    cfg = env.write_config(text, "bad.toml")
    r = subprocess.run([h.wsedge_bin(), "--check-config", "-c", str(cfg)],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1
    lines = text.splitlines()
    jwks_line = next(i for i, l in enumerate(lines, 1) if l.startswith("jwks_file"))
    origin_line = next(i for i, l in enumerate(lines, 1) if l.startswith("allowed_origins"))
    assert f"{cfg}:{jwks_line}:13: auth.users.jwks_file: " in r.stderr, r.stderr
    assert f"{cfg}:{origin_line}:" in r.stderr and "allowed_origins[1]" in r.stderr, r.stderr


# ------------------------------------------------------------------ Origin

def test_origin_policy(env):
    b = env.echo_backend()
    px = start(env, b, route_extra={
        "allowed_origins": ["https://app.example.com", "https://*.example.com",
                            "http://127.0.0.1:3000"]})
    cases = [
        ("https://app.example.com", 101),
        ("https://APP.Example.com:443", 101),      # host case-insensitive, default port
        ("https://a.b.example.com", 101),          # wildcard, any depth
        ("https://example.com", 403),              # the wildcard never matches the bare domain
        ("https://app.example.com:8443", 403),     # port mismatch
        ("http://app.example.com", 403),           # scheme mismatch
        ("http://127.0.0.1:3000", 101),
        ("http://127.0.0.1:3001", 403),
        ("null", 403),                             # only when listed
        (None, 101),                               # no Origin: allowed unless require_origin
    ]
    for i, (origin, want) in enumerate(cases):
        extra = [("Origin", origin)] if origin else []
        assert attempt(px, f"/o{i}", extra)[0] == want, origin
    rejected = [c for c in cases if c[1] == 403]
    lines = px.wait_access(lambda a: a.get("status") == 403, count=len(rejected))
    assert all(a["reject_reason"] == "origin" for a in lines)
    assert len(b.records("request")) == len(cases) - len(rejected)


def test_require_origin_and_origin_before_auth(env, keys):
    b = env.echo_backend()
    px = start(env, b, jwt_auth(keys), route_extra={
        "allowed_origins": ["https://app.example.com"], "require_origin": True})
    assert attempt(px, "/none", bearer(token(keys)))[0] == 403          # missing Origin
    # A cross-site page without a token is refused for its Origin, not its token.
    assert attempt(px, "/evil", [("Origin", "https://evil.com")])[0] == 403
    ok = [("Origin", "https://app.example.com")] + bearer(token(keys))
    assert attempt(px, "/good", ok)[0] == 101
    assert attempt(px, "/notoken", [("Origin", "https://app.example.com")])[0] == 401
    assert [r["path"] for r in b.records("request")] == ["/good"]
