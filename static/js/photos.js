// Shrinking a photo on the phone, before it is stored: a 4 MB camera JPEG becomes about 200 KB, which is what
// travels over 2G. The EXIF orientation is applied to the pixels (createImageBitmap 'from-image'), and the new JPEG
// is built from pixels only, so the camera's EXIF (GPS position, device serial) never leaves the phone.
// No DOM needed: OffscreenCanvas where the browser has it, a detached <canvas> otherwise.
// Once the server holds a photo, the phone keeps only a thumbnail of it (upload.js), to spare a shared phone's space.

export const MAX_PHOTOS = 5;
const MAX_EDGE = 1600;
// What the list shows once a photo is delivered (docs/sync-protocol.md: the server's own thumbnail is 320 px too).
const THUMB_EDGE = 320;
// Start at 0.8 and step down while the JPEG is still big; most photos stop at the first step.
const QUALITIES = [0.8, 0.7, 0.6, 0.5];
const ENOUGH_BYTES = 300 * 1024;

export class PhotoProblem extends Error {}

function canvasOf(width, height) {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

const encode = (canvas, quality) => (canvas.convertToBlob
  ? canvas.convertToBlob({ type: 'image/jpeg', quality })
  : new Promise((resolve) => { canvas.toBlob(resolve, 'image/jpeg', quality); }));

export async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

// The bitmap drawn at most `maxEdge` pixels on its long side, on white (a transparent PNG would turn black in a JPEG).
function drawScaled(bitmap, maxEdge) {
  const scale = Math.min(1, maxEdge / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = canvasOf(width, height);
  const context = canvas.getContext('2d');
  context.fillStyle = '#fff';
  context.fillRect(0, 0, width, height);
  context.imageSmoothingQuality = 'high';
  context.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return canvas;
}

async function jpegOf(canvas, quality) {
  const blob = await encode(canvas, quality);
  // A canvas that cannot make JPEG silently answers PNG (or nothing): that is no photo we should send.
  if (!blob || blob.type !== 'image/jpeg') {
    throw new PhotoProblem('HP ini tidak dapat mengecilkan foto ke JPEG. Coba browser Chrome versi terbaru.');
  }
  return blob;
}

// Resolves with {blob, sha256, size, mime, width, height}; rejects with a PhotoProblem the member can read.
export async function shrink(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    throw new PhotoProblem('Berkas ini tidak dapat dibuka sebagai foto. Pilih foto JPEG, PNG atau WebP.');
  }
  const canvas = drawScaled(bitmap, MAX_EDGE);
  let blob = null;
  for (const quality of QUALITIES) {
    blob = await jpegOf(canvas, quality);
    if (blob.size <= ENOUGH_BYTES) break;
  }
  const { width, height } = canvas;
  return { blob, sha256: await sha256Hex(blob), size: blob.size, mime: blob.type, width, height };
}

// A small JPEG of an already shrunk (upright) photo, kept for the list once the server holds the photo itself.
export async function thumbnail(blob) {
  return jpegOf(drawScaled(await createImageBitmap(blob), THUMB_EDGE), 0.7);
}

const NUMBER = new Intl.NumberFormat('id-ID', { maximumFractionDigits: 1 });

export function formatBytes(bytes) {
  if (bytes >= 1024 * 1024) return `${NUMBER.format(bytes / (1024 * 1024))} MB`;
  return `${Math.max(bytes > 0 ? 1 : 0, Math.round(bytes / 1024))} KB`;
}
