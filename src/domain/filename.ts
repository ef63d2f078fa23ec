const MAX_BYTES = 200;

/**
 * A file name that is safe to show and to put in a Content-Disposition header: no directories, no control or
 * reserved characters, bounded length. Object keys never use names (they are content-addressed), so this is about
 * display and download, not about where bytes land.
 */
export function safeFilename(raw: string | null | undefined): string {
  let name = (raw ?? '').normalize('NFC');
  name = name.split(/[/\\]/).pop() ?? '';
  name = name
    .replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '')
    .replace(/[<>:"|?*]/g, '_')
    .replace(/^[.\s]+/, '')
    .trim();
  while (Buffer.byteLength(name) > MAX_BYTES) name = truncateKeepingExtension(name);
  return name || 'unnamed';
}

function truncateKeepingExtension(name: string): string {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : '';
  const stem = [...name.slice(0, name.length - ext.length)];
  stem.pop();
  return stem.join('') + ext;
}
