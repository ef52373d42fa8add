#!/bin/sh
# Regenerates the JWT test fixtures (test-only keys; never use them anywhere else).
# Keys come from the openssl CLI; the JWKS and the reference tokens from
# Debian's python3-jwt (PyJWT), so the C++ verifier is checked against an
# independent implementation. Run from this directory with Debian's python3.
set -eu
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa_private.pem
openssl pkey -in rsa_private.pem -pubout -out rsa_public.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec256_private.pem
openssl pkey -in ec256_private.pem -pubout -out ec256_public.pem
openssl genpkey -algorithm ED25519 -out ed25519_private.pem
openssl pkey -in ed25519_private.pem -pubout -out ed25519_public.pem
/usr/bin/python3 - <<'PY'
import json, jwt
from jwt.algorithms import RSAAlgorithm, ECAlgorithm, OKPAlgorithm
from cryptography.hazmat.primitives.serialization import load_pem_public_key
keys = []
for kid, path, alg in [("rsa1", "rsa_public.pem", RSAAlgorithm), ("ec1", "ec256_public.pem", ECAlgorithm),
                       ("ed1", "ed25519_public.pem", OKPAlgorithm)]:
    pub = load_pem_public_key(open(path, "rb").read())
    jwk = json.loads(alg.to_jwk(pub))
    jwk["kid"] = kid
    jwk["use"] = "sig"
    keys.append(jwk)
json.dump({"keys": keys}, open("jwks.json", "w"), indent=1)
claims = {"sub": "user-42", "iss": "https://auth.example.com", "aud": ["chat", "other"],
          "iat": 1700000000, "nbf": 1700000000, "exp": 4102444800, "role": "admin"}
tokens = {
    "RS256": jwt.encode(claims, open("rsa_private.pem").read(), algorithm="RS256", headers={"kid": "rsa1"}),
    "PS384": jwt.encode(claims, open("rsa_private.pem").read(), algorithm="PS384", headers={"kid": "rsa1"}),
    "ES256": jwt.encode(claims, open("ec256_private.pem").read(), algorithm="ES256", headers={"kid": "ec1"}),
    "EdDSA": jwt.encode(claims, open("ed25519_private.pem").read(), algorithm="EdDSA", headers={"kid": "ed1"}),
    "HS256": jwt.encode(claims, "fixture-secret-0123456789abcdef!", algorithm="HS256"),
}
json.dump(tokens, open("pyjwt_tokens.json", "w"), indent=1)
PY
