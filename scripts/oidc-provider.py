#!/usr/bin/env python3
"""An independent OpenID provider for the tests (issue 29.5), on Authlib's authorization server (Flask):
HTTPS on 127.0.0.1 with a throwaway CA of its own, discovery, JWKS, the authorization code flow with PKCE
S256, client_secret_basic for the confidential client `samtykke-broker` and none for the public client
`samtykke-cli`, and ID tokens with ID-porten's `pid` and `acr` claims. Written apart from the dev
provider, on another library, so that the broker's login and `samtykke login` are tested against a
provider we did not write.

Usage: OIDC_CLIENT_SECRET=S oidc-provider.py DIR [--port P]
Writes DIR/ca.pem (trust it to reach the provider), listens on port P (default 0: a free one) and prints
`oidc provider listening on https://127.0.0.1:PORT` when it is ready. The login page has a text input
`pid` and a submit button; redirect URIs must be on a loopback host.
"""
import argparse
import datetime
import ipaddress
import os
import secrets
import ssl
import time
import urllib.parse

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.models import AuthorizationCodeMixin, ClientMixin
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import Flask, jsonify, render_template_string, request
from joserfc.jwk import ECKey
from werkzeug.serving import make_server

arguments = argparse.ArgumentParser()
arguments.add_argument("directory")
arguments.add_argument("--port", type=int, default=0)
arguments = arguments.parse_args()
broker_secret = os.environ["OIDC_CLIENT_SECRET"]
ACR = "idporten-loa-substantial"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def throwaway_tls(directory):
    """A CA and a server certificate for 127.0.0.1 signed by it; the CA goes to DIR/ca.pem."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "oidc-provider test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    server = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "oidc-provider")]))
              .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
              .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .sign(ca_key, hashes.SHA256()))
    paths = {name: os.path.join(directory, name) for name in ("ca.pem", "server.pem", "server.key")}
    with open(paths["ca.pem"], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths["server.pem"], "wb") as f:
        f.write(server.public_bytes(serialization.Encoding.PEM))
    with open(os.open(paths["server.key"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(paths["server.pem"], paths["server.key"])
    return context


def is_loopback(uri):
    parts = urllib.parse.urlsplit(uri)
    return parts.scheme in ("http", "https") and parts.hostname in LOOPBACK and not parts.fragment and not parts.username


class Client(ClientMixin):
    def __init__(self, client_id, secret):
        self.client_id, self.secret = client_id, secret

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        return " ".join(s for s in scope.split() if s == "openid")

    def check_redirect_uri(self, redirect_uri):
        return is_loopback(redirect_uri)

    def check_client_secret(self, client_secret):
        return self.secret is not None and secrets.compare_digest(client_secret, self.secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method == ("none" if self.secret is None else "client_secret_basic")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


CLIENTS = {"samtykke-broker": Client("samtykke-broker", broker_secret), "samtykke-cli": Client("samtykke-cli", None)}


class Code(AuthorizationCodeMixin):
    def __init__(self, code, client_id, redirect_uri, scope, nonce, challenge, method, pid):
        self.code, self.client_id, self.redirect_uri, self.scope, self.nonce = code, client_id, redirect_uri, scope, nonce
        self.code_challenge, self.code_challenge_method, self.pid = challenge, method, pid
        self.auth_time = int(time.time())

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return ACR

    def get_amr(self):
        return None


codes = {}
CODE_LIFETIME = 60


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "none"]

    def save_authorization_code(self, code, req):
        data = req.payload.data
        codes[code] = Code(code, req.client.get_client_id(), req.payload.redirect_uri, req.payload.scope, data.get("nonce"),
                           data.get("code_challenge"), data.get("code_challenge_method"), req.user)

    def query_authorization_code(self, code, client):
        found = codes.get(code)
        if found and found.client_id == client.get_client_id() and time.time() - found.auth_time < CODE_LIFETIME:
            return found
        return None

    def delete_authorization_code(self, authorization_code):
        codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code):
        return authorization_code.pid


signing_key = ECKey.generate_key("P-256", parameters={"use": "sig", "alg": "ES256"}, auto_kid=True)


class IDToken(OpenIDCode):
    def exists_nonce(self, nonce, req):
        return any(code.nonce == nonce and code.client_id == req.payload.client_id for code in codes.values())

    def resolve_client_private_key(self, client):
        return signing_key

    def get_client_algorithm(self, client):
        return "ES256"

    def get_encode_header(self, client):
        return {"alg": "ES256", "kid": signing_key.kid, "typ": "JWT"}

    def get_client_claims(self, client):
        return {"iss": issuer, "aud": [client.get_client_id()], "exp": int(time.time()) + 120}

    def generate_user_info(self, user, scope):
        return UserInfo(sub=user, pid=user)


app = Flask(__name__)
server = AuthorizationServer(app, query_client=CLIENTS.get, save_token=lambda token, req: None)
server.register_grant(CodeGrant, [CodeChallenge(required=True), IDToken(require_nonce=False)])

LOGIN = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Log in</title></head>
<body><main><h1>Log in</h1>
{% if error %}<p role="alert">{{ error }}</p>{% endif %}
<form method="post" action="/authorize">
{% for name, value in fields %}<input type="hidden" name="{{ name }}" value="{{ value }}">{% endfor %}
<label for="pid">National identity number</label> <input type="text" id="pid" name="pid">
<button type="submit">Log in</button>
</form></main></body></html>"""


@app.get("/.well-known/openid-configuration")
def discovery():
    return jsonify(issuer=issuer, authorization_endpoint=issuer + "/authorize", token_endpoint=issuer + "/token",
                   jwks_uri=issuer + "/jwks", response_types_supported=["code"], subject_types_supported=["public"],
                   id_token_signing_alg_values_supported=["ES256"], code_challenge_methods_supported=["S256"],
                   token_endpoint_auth_methods_supported=["client_secret_basic", "none"], acr_values_supported=[ACR],
                   grant_types_supported=["authorization_code"], scopes_supported=["openid"])


@app.get("/jwks")
def jwks():
    return jsonify(keys=[signing_key.as_dict(private=False)])


@app.route("/authorize", methods=["GET", "POST"])
def authorize():
    fields = request.values
    try:
        grant = server.get_consent_grant(end_user=None)
    except Exception as error:  # an unknown client or a redirect URI it may not use: refused here, never redirected
        if not (CLIENTS.get(fields.get("client_id")) and is_loopback(fields.get("redirect_uri", ""))):
            return render_template_string("<!DOCTYPE html><html lang=\"en\"><title>Refused</title><p>{{ e }}</p></html>", e=error), 400
        return server.handle_error_response(request, error)
    if request.method == "GET":
        return render_template_string(LOGIN, fields=[(k, v) for k, v in fields.items() if k != "pid"], error=None)
    pid = request.form.get("pid", "")
    if len(pid) != 11 or not pid.isdigit():
        return render_template_string(LOGIN, fields=[(k, v) for k, v in fields.items() if k != "pid"], error="11 digits, please"), 400
    return server.create_authorization_response(grant_user=pid, grant=grant)


@app.post("/token")
def token():
    return server.create_token_response()


context = throwaway_tls(arguments.directory)
http = make_server("127.0.0.1", arguments.port, app, ssl_context=context, threaded=True)
issuer = f"https://127.0.0.1:{http.server_port}"
print(f"oidc provider listening on {issuer}", flush=True)
http.serve_forever()
