// Photos: shrunk on the phone before they are stored (at most 1280 px, about 200 KB of JPEG),
// named by their sha256, and uploaded after their product's op, resumably (HEAD tells the
// offset the server holds; PUT sends the rest in pieces with Content-Range).
import { BY_STATE, OUTBOX, PENDING, PHOTOS } from "./db.js";
import { SyncError, TransportError } from "./replica.js";

export const MAX_SIDE = 1280;
export const TARGET_BYTES = 200 * 1024;
export const PIECE_BYTES = 128 * 1024;

function canvasBlob(canvas, quality) {
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
}

async function decode(file) {
  if (typeof createImageBitmap === "function") return createImageBitmap(file);
  const url = URL.createObjectURL(file);
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    return image;
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** A camera photo as a JPEG of at most 1280 px a side and, where quality allows, ~200 KB. */
export async function shrinkPhoto(file) {
  const image = await decode(file);
  let scale = Math.min(1, MAX_SIDE / Math.max(image.width, image.height));
  let blob = null;
  for (let attempt = 0; attempt < 6; attempt++) {
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(image.width * scale));
    canvas.height = Math.max(1, Math.round(image.height * scale));
    canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
    blob = await canvasBlob(canvas, attempt < 3 ? 0.82 - attempt * 0.12 : 0.5);
    if (blob.size <= TARGET_BYTES) break;
    if (attempt >= 2) scale *= 0.8; // quality alone was not enough: fewer pixels
  }
  if (image.close) image.close();
  return blob;
}

export async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Upload one photo from where the server's partial copy ends; true when the server has it. */
export async function uploadPhoto(transport, photo) {
  const path = `/api/v1/blobs/${photo.sha256}`;
  const head = await transport("HEAD", path);
  if (head.status === 200) return true;
  if (head.status !== 404) throw new SyncError(head.status, head.body);
  let offset = Number(head.headers.get("Upload-Offset") || 0);
  const total = photo.blob.size;
  const type = photo.blob.type || "image/jpeg";
  for (;;) {
    const end = Math.min(total, offset + PIECE_BYTES) - 1;
    const headers = { "Content-Type": type, "Content-Range": `bytes ${offset}-${end}/${total}` };
    const answer = await transport("PUT", path, { raw: photo.blob.slice(offset, end + 1), headers });
    if (answer.status === 200 || answer.status === 201) return true;
    if (answer.status === 202 || answer.status === 416) {
      offset = Number(answer.headers.get("Upload-Offset") || 0);
    } else if (answer.status === 409 || answer.status === 429 || answer.status === 503) {
      throw new TransportError(`upload busy: ${answer.status}`); // try again later (429: photos a minute spent)
    } else {
      throw new SyncError(answer.status, answer.body);
    }
  }
}

/** Upload every stored photo whose product's ops the server has accepted. */
export async function uploadPendingPhotos(db, transport) {
  const photos = (await db.getAll(PHOTOS)).filter((photo) => !photo.uploaded && !photo.error);
  if (!photos.length) return 0;
  const waiting = new Set((await db.getAllFromIndex(OUTBOX, BY_STATE, PENDING)).map((op) => op.entity_id));
  let sent = 0;
  for (const photo of photos) {
    if (waiting.has(photo.product_id)) continue; // the product's op goes first
    try {
      await uploadPhoto(transport, photo);
      await db.put(PHOTOS, { ...photo, uploaded: true });
      sent += 1;
    } catch (error) {
      if (!(error instanceof SyncError) || error.status === 401) throw error;
      await db.put(PHOTOS, { ...photo, error: error.body && error.body.error ? error.body.error : { code: "http" } });
    }
  }
  return sent;
}
