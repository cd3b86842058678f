// Enrolment with a code from the facilitator, at a kecamatan hub: a producer's phone that was never
// online trades the code for its tokens, and the producer chooses the PIN that opens the app on this
// phone from then on (kept as a slow hash, as after a login: see auth.js).
import { makeCredential } from "./auth.js";
import { TransportError } from "./replica.js";

export const CODE_LENGTH = 8;

/** The code as the server reads it: letters and digits only, in capitals. */
export function typedCode(text) {
  return String(text || "")
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "");
}

/** A code shown to be read aloud or typed: two groups of four (ABCD-EFGH). */
export function shownCode(code) {
  return code.length === CODE_LENGTH ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
}

/**
 * Claim this phone for the producer the code was made for. Answers {session, credential}, or
 * {error: "<i18n key>" | {message}}. Nothing is kept: the caller adopts the session (auth.js).
 */
export async function claimPhone(transport, deviceId, codeText, pin, pinAgain) {
  const code = typedCode(codeText);
  if (code.length !== CODE_LENGTH) return { error: "claim_code_length" };
  if (!/^[0-9]{6}$/.test(pin)) return { error: "pin_six_digits" };
  if (pin !== pinAgain) return { error: "pins_differ" };
  let answer;
  try {
    answer = await transport("POST", "/api/v1/hub/claim", { body: { code, device_id: deviceId } });
  } catch (error) {
    if (!(error instanceof TransportError)) throw error;
    return { error: "claim_needs_hub" };
  }
  if (answer.status !== 200) return { error: { message: errorMessage(answer) } };
  const { user, access_token, refresh_token } = answer.body;
  const session = { user, phone: user.phone, access_token, refresh_token };
  return { session, credential: await makeCredential(user.phone, pin, user.id) };
}

/** Ask the hub for a code for the producer with this phone: {code, url, qr, expires_at} or {error}, as above. */
export async function askForCode(transport, phone) {
  let answer;
  try {
    answer = await transport("POST", "/api/v1/hub/claim-codes", { body: { phone } });
  } catch (error) {
    if (!(error instanceof TransportError)) throw error;
    return { error: "claim_needs_hub" };
  }
  return answer.status === 201 ? answer.body : { error: { message: errorMessage(answer) } };
}

function errorMessage(answer) {
  const error = answer.body && answer.body.error;
  return (error && error.message) || `HTTP ${answer.status}`;
}
