#!/usr/bin/env python3
"""A bank that has only private keys, written with libraries the broker did not come with: the
RFC 7523 grant assertion from PyJWT, RFC 9449 DPoP proofs from joserfc, HTTP from urllib.

  key-bank-client.py keys DIR                     makes two banks' keys: DIR/a.jwks, DIR/b.jwks (public,
                                                  ES256 kid "ec-1", RS256 kid "rsa-1", ES256 kid "retired")
                                                  and DIR/a.private.json, DIR/b.private.json
  key-bank-client.py flow DIR BROKER PUBLIC ORG_A ORG_B PERSON ID_TOKEN
                                                  the whole bank flow and every refusal; prints JSON
                                                  {case: {status, error, challenge, ...}}
  key-bank-client.py replay DIR BROKER_1 BROKER_2 PUBLIC ORG_A
                                                  one assertion and one DPoP proof sent to both; prints JSON
"""
import base64
import hashlib
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import jwt  # PyJWT
from joserfc import jwt as jose_jwt
from joserfc.jwk import ECKey, RSAKey

GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_keys(directory):
    for bank in ("a", "b"):
        keys = {"ec-1": ECKey.generate_key("P-256"), "rsa-1": RSAKey.generate_key(2048), "retired": ECKey.generate_key("P-256")}
        public = []
        for kid, key in keys.items():
            member = key.as_dict(private=False)
            member["kid"] = kid
            public.append(member)
        with open(f"{directory}/{bank}.jwks", "w") as out:
            json.dump({"keys": public}, out)
        with open(f"{directory}/{bank}.private.json", "w") as out:
            json.dump({kid: key.as_pem(private=True).decode() for kid, key in keys.items()}, out)


class Bank:
    def __init__(self, directory, name, org, public):
        self.org = org
        self.public = public.rstrip("/")
        self.pems = json.load(open(f"{directory}/{name}.private.json"))
        self.dpop_key = ECKey.generate_key("P-256")

    def claims(self, **changes):
        now = int(time.time())
        claims = {"iss": self.org, "sub": self.org, "aud": self.public + "/v1/token", "iat": now, "exp": now + 60,
                  "jti": str(uuid.uuid4()), "scope": "samtykke:bank"}
        claims.update(changes)
        return {name: value for name, value in claims.items() if value is not None}

    def assertion(self, kid="ec-1", alg=None, key=None, **changes):
        alg = alg or ("RS256" if kid.startswith("rsa") else "ES256")
        return jwt.encode(self.claims(**changes), key if key is not None else self.pems.get(kid), algorithm=alg, headers={"kid": kid})

    def proof(self, method, url, token=None, key=None, private_jwk=False, **changes):
        key = key or self.dpop_key
        claims = {"jti": str(uuid.uuid4()), "htm": method, "htu": url, "iat": int(time.time())}
        if token is not None:
            claims["ath"] = b64(hashlib.sha256(token.encode()).digest())
        claims.update(changes)
        header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=private_jwk)}
        return jose_jwt.encode(header, claims, key)


def send(broker, method, path, body=None, headers=None, form=None):
    headers = dict(headers or {})
    data = None
    if form is not None:
        data = "&".join(f"{k}={urllib.parse.quote(v, safe='')}" for k, v in form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(broker.rstrip("/") + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def summary(answer):
    status, headers, body = answer
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = {}
    return {"status": status, "error": parsed.get("error") if isinstance(parsed, dict) else None,
            "challenge": headers.get("WWW-Authenticate"), "cacheControl": headers.get("Cache-Control"), "body": parsed}


def token(broker, bank, assertion=None, proof=True, form=None):
    url = bank.public + "/v1/token"
    headers = {"DPoP": bank.proof("POST", url)} if proof else {}
    return summary(send(broker, "POST", "/v1/token", headers=headers, form=form or [("grant_type", GRANT), ("assertion", assertion or bank.assertion())]))


def api(broker, bank, method, path, access_token, proof=None, body=None):
    proof = proof if proof is not None else bank.proof(method, bank.public + path.split("?")[0], access_token)
    return summary(send(broker, method, path, body=body, headers={"Authorization": f"DPoP {access_token}", "DPoP": proof}))


def consent_request(person):
    year = time.gmtime().tm_year - 1
    valid_until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
    return {"personId": person, "scopes": ["income"], "years": [year], "purpose": {"code": "loan-application", "text": "Mortgage"},
            "validUntil": valid_until, "maxUses": 2}


def flow(directory, broker, public, org_a, org_b, person, id_token):
    a, b = Bank(directory, "a", org_a, public), Bank(directory, "b", org_b, public)
    out = {}
    granted = token(broker, a)
    out["token"] = granted
    access = granted["body"]["access_token"]
    out["tokenRS256"] = token(broker, a, a.assertion("rsa-1"))
    out["tokenBearer"] = token(broker, a, proof=False)

    created = api(broker, a, "POST", "/v1/consents", access, body=consent_request(person))
    out["create"] = created
    consent = created["body"]["id"]
    out["grant"] = summary(send(broker, "POST", f"/v1/me/consents/{consent}/grant", headers={"Authorization": f"Bearer {id_token}"}))
    out["bundle"] = api(broker, a, "POST", f"/v1/consents/{consent}/bundles", access)
    out["show"] = api(broker, a, "GET", f"/v1/consents/{consent}", access)
    out["list"] = api(broker, a, "GET", "/v1/consents?limit=10", access)
    theirs = token(broker, b)["body"]["access_token"]
    out["otherBankReads"] = api(broker, b, "GET", f"/v1/consents/{consent}", theirs)

    # The grant: each case one broken rule.
    out["unregisteredKey"] = token(broker, a, a.assertion("stranger", alg="ES256", key=ECKey.generate_key("P-256").as_pem(private=True)))
    out["removedKey"] = token(broker, a, a.assertion("retired"))
    out["algNone"] = token(broker, a, a.assertion("ec-1", alg="none", key=""))
    out["algHS256"] = token(broker, a, a.assertion("ec-1", alg="HS256", key="an HMAC secret of at least thirty-two bytes"))
    out["wrongAudience"] = token(broker, a, a.assertion(aud="https://another-broker.test/v1/token"))
    out["issIsNotSub"] = token(broker, a, a.assertion(sub=org_b))
    now = int(time.time())
    out["expired"] = token(broker, a, a.assertion(iat=now - 100, exp=now - 40))
    out["tooLongLived"] = token(broker, a, a.assertion(iat=now, exp=now + 121))
    once = a.assertion()
    out["firstUse"] = token(broker, a, once)
    out["replayedJti"] = token(broker, a, once)
    out["repeatedParameter"] = token(broker, a, form=[("grant_type", GRANT), ("assertion", a.assertion()), ("assertion", a.assertion())])
    out["wrongScope"] = token(broker, a, form=[("grant_type", GRANT), ("assertion", a.assertion()), ("scope", "samtykke:admin")])
    out["wrongGrantType"] = token(broker, a, form=[("grant_type", "client_credentials"), ("assertion", a.assertion())])

    # The proofs at the API: each case one broken rule.
    path = "/v1/consents"
    url = public.rstrip("/") + path
    out["proofWrongMethod"] = api(broker, a, "GET", path, access, a.proof("POST", url, access))
    out["proofWrongURL"] = api(broker, a, "GET", path, access, a.proof("GET", public.rstrip("/") + "/v1/events", access))
    out["proofStaleIat"] = api(broker, a, "GET", path, access, a.proof("GET", url, access, iat=int(time.time()) - 90))
    reused = a.proof("GET", url, access)
    out["proofFirstUse"] = api(broker, a, "GET", path, access, reused)
    out["proofReusedJti"] = api(broker, a, "GET", path, access, reused)
    out["proofWrongAth"] = api(broker, a, "GET", path, access, a.proof("GET", url, access + "x"))
    out["proofPrivateKey"] = api(broker, a, "GET", path, access, a.proof("GET", url, access, private_jwk=True))
    other_token = token(broker, a)["body"]["access_token"]
    out["proofForAnotherToken"] = api(broker, a, "GET", path, access, a.proof("GET", url, other_token))
    out["tokenWithAnotherBanksKey"] = api(broker, a, "GET", path, access, b.proof("GET", url, access))
    # A normalised htu (upper-case scheme and host, the default port, an escaped unreserved letter) still matches.
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    same = f"{parts.scheme.upper()}://{parts.hostname.upper()}:{port}/v1/%63onsents"
    out["proofNormalisedURL"] = api(broker, a, "GET", path, access, a.proof("GET", same, access))
    json.dump(out, sys.stdout)


def replay(directory, first, second, public, org):
    a = Bank(directory, "a", org, public)
    out = {}
    once = a.assertion()
    out["first"] = token(first, a, once)
    out["second"] = token(second, a, once)
    access = token(first, a)["body"]["access_token"]
    proof = a.proof("GET", public.rstrip("/") + "/v1/consents", access)
    out["proofFirst"] = api(first, a, "GET", "/v1/consents", access, proof)
    out["proofSecond"] = api(second, a, "GET", "/v1/consents", access, proof)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    {"keys": make_keys, "flow": flow, "replay": replay}[command](*arguments)
