"""JWT verification with PyJWT: HS256 with a shared secret, RS256/ES256 with a PEM or a JWKS.

Which key verifies a token is decided by the token's `alg` header, but only among the algorithms
the configured keys allow: the secret only ever verifies HS256, a public key only the algorithm
of its own type, a JWKS only asymmetric algorithms. So `alg: none` is refused, and so is the
classic confusion attack (an HS256 token "signed" with the RSA public key as the HMAC secret):
HS256 is never tried with anything but RAPPORT_JWT_SECRET.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from core.settings import Settings

ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "ES256", "ES384", "ES512"})
_EC_ALGORITHMS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
_MIN_RSA_BITS = 2048


class JwtConfigError(ValueError):
    """The JWT settings cannot work (bad PEM, weak key…)."""


class JwtRejected(Exception):
    """The token is not acceptable; the message is safe to show to its bearer."""


def _load_public_key(value: str) -> tuple[Any, str]:
    text = value.strip()
    if not text.startswith("-----BEGIN"):
        path = Path(text).expanduser()
        if not path.is_file():
            raise JwtConfigError("RAPPORT_JWT_PUBLIC_KEY is neither a PEM nor a readable file")
        text = path.read_text()
    try:
        key = load_pem_public_key(text.encode())
    except ValueError as exc:
        raise JwtConfigError(f"RAPPORT_JWT_PUBLIC_KEY is not a PEM public key: {exc}") from exc
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < _MIN_RSA_BITS:
            raise JwtConfigError(f"RSA keys need at least {_MIN_RSA_BITS} bits")
        return key, "RS256"
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in _EC_ALGORITHMS:
        return key, _EC_ALGORITHMS[key.curve.name]
    raise JwtConfigError("RAPPORT_JWT_PUBLIC_KEY must be an RSA or a P-256/384/521 EC key")


class JwtVerifier:
    """Verifies a token's signature and its exp, nbf, iss and aud; returns its claims."""

    def __init__(self, settings: Settings) -> None:
        secret = settings.jwt_secret
        self._secret = secret.get_secret_value().encode() if secret is not None else None
        self._public_key: Any = None
        self._public_alg: str | None = None
        if settings.jwt_public_key:
            self._public_key, self._public_alg = _load_public_key(settings.jwt_public_key)
        self._jwks = (
            jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True, lifespan=300, timeout=5)
            if settings.jwt_jwks_url
            else None
        )
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._leeway = settings.jwt_leeway_s

    @classmethod
    def from_settings(cls, settings: Settings) -> JwtVerifier | None:
        """None when no JWT key of any kind is configured (API keys only)."""
        if settings.jwt_secret or settings.jwt_public_key or settings.jwt_jwks_url:
            return cls(settings)
        return None

    async def _key_for(self, token: str, alg: str) -> Any:
        if alg == "HS256" and self._secret is not None:
            return self._secret
        if alg in ASYMMETRIC_ALGORITHMS:
            if self._public_key is not None and alg == self._public_alg:
                return self._public_key
            if self._jwks is not None:
                try:  # PyJWKClient fetches over blocking urllib: keep it off the event loop
                    jwk = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
                except jwt.PyJWKClientError as exc:
                    raise JwtRejected(f"no usable signing key in the JWKS: {exc}") from exc
                if jwk.algorithm_name != alg or alg not in ASYMMETRIC_ALGORITHMS:
                    raise JwtRejected(f"the JWKS key does not allow algorithm {alg}")
                return jwk.key
        raise JwtRejected(f"algorithm {alg!r} is not accepted by this server")

    async def decode(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError as exc:
            raise JwtRejected("malformed token") from exc
        alg = header.get("alg")
        if not isinstance(alg, str):
            raise JwtRejected("token header has no algorithm")
        key = await self._key_for(token, alg)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[alg],  # exactly the one _key_for vetted for this key
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise JwtRejected("token has expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise JwtRejected("token is not valid yet (nbf/iat in the future)") from exc
        except jwt.InvalidIssuerError as exc:
            raise JwtRejected("token has the wrong issuer (iss)") from exc
        except jwt.InvalidAudienceError as exc:
            raise JwtRejected("token has the wrong audience (aud)") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise JwtRejected(f"token lacks the {exc.claim!r} claim") from exc
        except jwt.InvalidSignatureError as exc:
            raise JwtRejected("token signature does not verify") from exc
        except jwt.InvalidTokenError as exc:
            raise JwtRejected(f"invalid token: {exc}") from exc
        for claim in ("exp", "nbf", "iat"):  # PyJWT accepts "exp": "1999999999"; RFC 7519 not
            value = claims.get(claim)
            if claim in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise JwtRejected(f"the {claim!r} claim must be a number (NumericDate)")
        return claims
