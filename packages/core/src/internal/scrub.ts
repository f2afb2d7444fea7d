/*
 * Scrubbing of what a response quotes back. A reflecting proxy, a debugging endpoint or a misconfigured gateway may
 * echo the request it received (headers and body) in an error page; the client quotes error bodies in its errors, so
 * the session token and the signature it sent would end up in messages, logs and spans. Everything quoted from a
 * response on an error path goes through `scrub` with the headers of the request that got it. Only error paths, and
 * cheap there: a text shorter than every secret is returned as it is (a Gone answer's short message and request id
 * cost a few comparisons), and nothing is computed before a text needs it.
 *
 * What is scrubbed: the session token and the signature, as they are, percent-encoded or with `/` escaped as JSON
 * encoders may, and any run of at least `MIN_PIECE` of their characters (a server may echo a header cut short); and
 * the whole `Authorization` value, exactly (its other parts, the credential scope and the signed header names, are not
 * secret, and AWS quotes them in its own signature errors). The access key id is not a secret (`AwsCredentialIdentity`
 * keeps it in the clear) and stays where it appears on its own. The secret access key is never sent.
 */

/** What replaces a secret in quoted text. */
export const REDACTED = "[redacted]"

/** The headers a request was sent with: where its secrets are found. */
export type Sent = Readonly<Record<string, string>> | undefined

/** Runs of at least this many characters of a secret are redacted too. */
const MIN_PIECE = 16
const STRIDE = MIN_PIECE / 2

/** Forms a secret takes when echoed: as is, percent-encoded, and with `/` escaped as JSON encoders may. */
const forms = (secret: string): ReadonlyArray<string> => {
  const out = [secret]
  const encoded = encodeURIComponent(secret)
  if (encoded !== secret) out.push(encoded)
  const escaped = secret.replaceAll("/", "\\/")
  if (escaped !== secret) out.push(escaped)
  return out
}

// One token serves many requests: its forms are computed once.
let lastToken: string | undefined
let lastTokenForms: ReadonlyArray<string> = []
const tokenForms = (token: string): ReadonlyArray<string> => {
  if (token !== lastToken) {
    lastTokenForms = forms(token)
    lastToken = token
  }
  return lastTokenForms
}

const signatureOf = (authorization: string): string | undefined => {
  const at = authorization.indexOf("Signature=")
  if (at === -1) return undefined
  const signature = authorization.slice(at + 10).trim()
  return signature.length >= MIN_PIECE ? signature : undefined
}

const secretsIn = (sent: Sent) => {
  const authorization = sent?.["authorization"]
  const token = sent?.["x-amz-security-token"]
  return {
    authorization: typeof authorization === "string" && authorization !== "" ? authorization : undefined,
    token: typeof token === "string" && token !== "" ? token : undefined
  }
}

/**
 * Whether `text` is too short to hold any secret of the request: shorter than a piece and than the token (the
 * signature and the `Authorization` value are longer than a piece).
 */
const tooShort = (text: string, token: string | undefined) =>
  text.length < MIN_PIECE && (token === undefined || text.length < token.length)

const replaceAll = (text: string, secret: string): string =>
  secret.length === 0 || secret.length > text.length || !text.includes(secret)
    ? text
    : text.split(secret).join(REDACTED)

/** Redacts every run of at least `MIN_PIECE` characters of `secret` in `text` (and `secret` whole). */
const redactPieces = (text: string, secret: string): string => {
  if (text.length < MIN_PIECE || secret.length < MIN_PIECE) return replaceAll(text, secret)
  // Any common run of MIN_PIECE + STRIDE - 1 characters holds one of these windows; shorter runs are found when they
  // happen to hold one.
  for (let start = 0;; start += STRIDE) {
    const from = Math.min(start, secret.length - MIN_PIECE)
    const window = secret.slice(from, from + MIN_PIECE)
    let at = text.indexOf(window)
    while (at !== -1) {
      // Grow the match both ways over what text and secret share.
      let left = at
      let s = from
      while (left > 0 && s > 0 && text[left - 1] === secret[s - 1]) {
        left--
        s--
      }
      let right = at + MIN_PIECE
      let e = from + MIN_PIECE
      while (right < text.length && e < secret.length && text[right] === secret[e]) {
        right++
        e++
      }
      text = text.slice(0, left) + REDACTED + text.slice(right)
      at = text.indexOf(window, left + REDACTED.length)
    }
    if (from + MIN_PIECE >= secret.length) return text
  }
}

/** Replaces the request's Authorization value whole, then its signature and the session token with `replace`. */
const scrubWith = (replace: (text: string, secret: string) => string) => (text: string, sent: Sent): string => {
  if (sent === undefined) return text
  const { authorization, token } = secretsIn(sent)
  if (tooShort(text, token)) return text
  if (authorization !== undefined) {
    text = replaceAll(text, authorization)
    const signature = signatureOf(authorization)
    if (signature !== undefined) text = replace(text, signature)
  }
  if (token !== undefined) { for (const form of tokenForms(token)) text = replace(text, form) }
  return text
}

/** `text` with the request's secrets replaced whole: cheap, for header values and for long text before it is cut. */
export const scrubExact: (text: string, sent: Sent) => string = scrubWith(replaceAll)

/** `text` with the request's secrets replaced whole and in pieces: for free text as it will be shown (short). */
export const scrub: (text: string, sent: Sent) => string = scrubWith(redactPieces)
