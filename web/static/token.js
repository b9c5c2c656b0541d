// The page's credentials: the teacher token from the address and the
// classroom it names.
//
// The token is a JWT (RFC 7519) in compact form. The page only reads the
// payload's "sub" claim, the classroom id. The server verifies the
// signature when the page sends hello.

export class TokenError extends Error {}

function decodeBase64Url(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

// Returns the token's claims. Throws TokenError when it is not a JWT.
export function readClaims(token) {
  const parts = String(token || '').split('.');
  if (parts.length !== 3 || parts[1] === '') {
    throw new TokenError('the token is not a JSON Web Token (three dot-separated parts)');
  }
  let claims;
  try {
    claims = JSON.parse(decodeBase64Url(parts[1]));
  } catch (error) {
    throw new TokenError(`the token's payload is not base64url-encoded JSON: ${error.message}`);
  }
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
    throw new TokenError("the token's payload is not a JSON object");
  }
  return claims;
}

const IDENTIFIER = /^[A-Za-z0-9._-]{1,64}$/;

// Returns the classroom id of a classroom or teacher token ("sub").
export function classroomOfToken(token) {
  const subject = readClaims(token).sub;
  if (typeof subject !== 'string' || !IDENTIFIER.test(subject)) {
    throw new TokenError('the token names no classroom (its "sub" claim is missing or invalid)');
  }
  return subject;
}

// Tells whether the token's "exp" claim lies before nowSeconds.
export function tokenExpired(token, nowSeconds) {
  const expires = readClaims(token).exp;
  return typeof expires === 'number' && expires <= nowSeconds;
}
