#!/usr/bin/env python3
"""An OpenID Connect relying party we did not write (Authlib's OAuth2 client), against an OpenID
provider: discovery, JWKS, the authorization code flow with PKCE for the public client and with
client_secret_basic (and PKCE) for the confidential one, the ID token verified with Authlib's JOSE, and
every refusal the provider must make. (Authlib's own JOSE is deprecated for joserfc, by the same
author, which checks the ID token here.) This script also plays the browser: it fetches the login page,
fills in `pid` and submits the form, and reads the code off the redirect without following it.

Usage: oidc-client.py ISSUER CA_FILE BROKER_SECRET PID
Prints one JSON object: for each case, what the provider answered.
Or:    oidc-client.py browse URL CA_FILE PID
The browser alone, for a login another program started (`samtykke login`): opens URL, logs in as PID
and follows the provider's redirect to the loopback once; prints what the loopback answered.
"""
import html.parser
import json
import sys
import urllib.parse

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet

if sys.argv[1] == "browse":
    url, ca, pid = sys.argv[2:5]
else:
    issuer, ca, broker_secret, pid = sys.argv[1:5]
CLI, BROKER = "samtykke-cli", "samtykke-broker"
# Never contacted: the browser here reads the code off the redirect instead of following it.
REDIRECT = "http://127.0.0.1:9/callback"
http = requests.Session()
# Else REQUESTS_CA_BUNDLE from the environment would win over `verify`.
http.trust_env = False
http.verify = ca
results = {}


class Form(html.parser.HTMLParser):
    """The login page's form: its action and every input's name and value."""

    def __init__(self):
        super().__init__()
        self.action, self.fields, self.inputs = None, {}, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action")
        elif tag == "input":
            self.inputs.append(attrs)
            if attrs.get("type") == "hidden":
                self.fields[attrs["name"]] = attrs.get("value", "")


def browse(url, person=pid):
    """Opens `url`, logs in as `person` on the page's form; returns the login answer (not followed)."""
    page = http.get(url, allow_redirects=False)
    if page.status_code != 200:
        return page, None
    form = Form()
    form.feed(page.text)
    fields = dict(form.fields, pid=person)
    return http.post(urllib.parse.urljoin(url, form.action), data=fields, allow_redirects=False), form


def query(location):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


if sys.argv[1] == "browse":
    answer, _ = browse(url)
    location = answer.headers["Location"]
    # The loopback is plain http on 127.0.0.1; only the provider needed the CA.
    print(json.dumps({"login": answer.status_code, "location": location, "page": http.get(location, timeout=30).text}))
    sys.exit(0)

config = http.get(issuer + "/.well-known/openid-configuration").json()
jwks = http.get(config["jwks_uri"]).json()
results["discovery"] = config
results["jwks"] = jwks
keys = KeySet.import_key_set(jwks)


def verified(id_token, audience, nonce):
    token = jwt.decode(id_token, keys, algorithms=["ES256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer}, aud={"essential": True, "value": audience}, nonce={"essential": True, "value": nonce},
        exp={"essential": True}, iat={"essential": True},
    ).validate(token.claims)
    return token.claims, token.header


def flow(name, client):
    """The whole code flow on `client`: the login page, the redirect, the token, the verified ID token."""
    verifier, nonce = generate_token(48), generate_token(20)
    url, state = client.create_authorization_url(
        config["authorization_endpoint"], code_verifier=verifier, nonce=nonce, acr_values="idporten-loa-substantial")
    answer, form = browse(url)
    location = answer.headers.get("Location", "")
    returned = query(location)
    token = client.fetch_token(config["token_endpoint"], authorization_response=location, code_verifier=verifier)
    claims, header = verified(token["id_token"], client.client_id, nonce)
    results[name] = {
        "loginStatus": answer.status_code, "stateReturned": returned.get("state") == state, "issReturned": returned.get("iss"),
        "pidInput": any(i.get("name") == "pid" and i.get("type") == "text" for i in form.inputs), "claims": claims, "header": header,
    }
    return returned["code"], verifier


def token_request(form, auth=None):
    answer = http.post(config["token_endpoint"], data=form, auth=auth)
    body = answer.json() if answer.headers.get("Content-Type", "").startswith("application/json") else {}
    return {"status": answer.status_code, "error": body.get("error"), "cacheControl": answer.headers.get("Cache-Control"),
            "challenge": answer.headers.get("WWW-Authenticate")}


def code_for(client_id, challenge=None, redirect=REDIRECT):
    params = {"response_type": "code", "scope": "openid", "client_id": client_id, "redirect_uri": redirect, "state": "s", "nonce": generate_token(20)}
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    answer, _ = browse(config["authorization_endpoint"] + "?" + urllib.parse.urlencode(params))
    return query(answer.headers["Location"])["code"]


cli = OAuth2Session(CLI, scope="openid", redirect_uri=REDIRECT, code_challenge_method="S256", token_endpoint_auth_method="none")
cli.trust_env = False
cli.verify = ca
used_code, used_verifier = flow("cliFlow", cli)
broker = OAuth2Session(BROKER, broker_secret, scope="openid", redirect_uri=REDIRECT, code_challenge_method="S256",
                       token_endpoint_auth_method="client_secret_basic")
broker.trust_env = False
broker.verify = ca
flow("brokerFlow", broker)

# Refusals at the token endpoint.
results["replayedCode"] = token_request({"grant_type": "authorization_code", "code": used_code, "redirect_uri": REDIRECT,
                                         "client_id": CLI, "code_verifier": used_verifier})
verifier = generate_token(48)
challenge = create_s256_code_challenge(verifier)
results["missingVerifier"] = token_request({"grant_type": "authorization_code", "code": code_for(CLI, challenge), "redirect_uri": REDIRECT,
                                            "client_id": CLI})
results["wrongVerifier"] = token_request({"grant_type": "authorization_code", "code": code_for(CLI, challenge), "redirect_uri": REDIRECT,
                                          "client_id": CLI, "code_verifier": generate_token(48)})
results["wrongSecret"] = token_request({"grant_type": "authorization_code", "code": code_for(BROKER, challenge), "redirect_uri": REDIRECT,
                                        "code_verifier": verifier}, auth=(BROKER, broker_secret + "x"))
results["unknownClientAtToken"] = token_request({"grant_type": "authorization_code", "code": code_for(CLI, challenge), "redirect_uri": REDIRECT,
                                                 "code_verifier": verifier}, auth=("samtykke-evil", "secret"))
results["publicClientPosingAsBroker"] = token_request({"grant_type": "authorization_code", "code": code_for(BROKER, challenge),
                                                       "redirect_uri": REDIRECT, "client_id": BROKER, "code_verifier": verifier})
results["otherRedirectAtToken"] = token_request({"grant_type": "authorization_code", "code": code_for(CLI, challenge),
                                                 "redirect_uri": "http://127.0.0.1:9/other", "client_id": CLI, "code_verifier": verifier})
results["codeOfAnotherClient"] = token_request({"grant_type": "authorization_code", "code": code_for(CLI, challenge), "redirect_uri": REDIRECT,
                                                "code_verifier": verifier}, auth=(BROKER, broker_secret))


# Refusals at the login page: a page, never a redirect, while the client or the redirect URI is bad.
def authorize(client_id, redirect, challenge=challenge):
    params = {"response_type": "code", "scope": "openid", "client_id": client_id, "redirect_uri": redirect, "state": "s"}
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    answer = http.get(config["authorization_endpoint"] + "?" + urllib.parse.urlencode(params), allow_redirects=False)
    return {"status": answer.status_code, "location": answer.headers.get("Location"),
            "html": answer.headers.get("Content-Type", "").startswith("text/html")}


for name, redirect in [("nonLoopbackRedirect", "https://bank.example/callback"), ("lookalikeRedirect", "http://127.0.0.1.bank.example/cb"),
                       ("localhostLookalike", "http://localhost.bank.example/cb")]:
    results[name] = authorize(CLI, redirect)
results["unknownClient"] = authorize("samtykke-evil", REDIRECT)
results["publicClientWithoutPKCE"] = authorize(CLI, REDIRECT, challenge=None)
answer, _ = browse(config["authorization_endpoint"] + "?" + urllib.parse.urlencode(
    {"response_type": "code", "scope": "openid", "client_id": CLI, "redirect_uri": REDIRECT, "code_challenge": challenge,
     "code_challenge_method": "S256"}), person="12345678901")
results["invalidPid"] = {"status": answer.status_code, "location": answer.headers.get("Location")}
# A POST of the form with its hidden fields changed is checked again like the page's request.
answer = http.post(config["authorization_endpoint"], data={"response_type": "code", "scope": "openid", "client_id": CLI,
                                                           "redirect_uri": "https://bank.example/cb", "code_challenge": challenge,
                                                           "code_challenge_method": "S256", "pid": pid}, allow_redirects=False)
results["forgedFormRedirect"] = {"status": answer.status_code, "location": answer.headers.get("Location")}
print(json.dumps(results))
