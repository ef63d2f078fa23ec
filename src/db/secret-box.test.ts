import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openSecret, sealSecret } from './secret-box.js';

describe('sealed dock credentials', () => {
  const key = randomBytes(32).toString('hex');

  it('round-trips with the key and hides the secret from whoever reads the row', () => {
    const sealed = sealSecret('ftp-pässword', key);
    expect(sealed).toMatch(/^gcm1:/);
    expect(sealed).not.toContain('ftp-p');
    expect(sealSecret('ftp-pässword', key)).not.toBe(sealed); // fresh IV every time
    expect(openSecret(sealed, key)).toBe('ftp-pässword');
  });

  it('refuses with a stable code when the key is missing or different, or the value was altered', () => {
    const sealed = sealSecret('secret', key);
    expect(() => openSecret(sealed, undefined)).toThrow(expect.objectContaining({ code: 'EVM_DOCK_CREDENTIALS_LOCKED' }));
    expect(() => openSecret(sealed, randomBytes(32).toString('hex'))).toThrow(expect.objectContaining({ code: 'EVM_DOCK_CREDENTIALS_LOCKED' }));
    const tampered = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => openSecret(tampered, key)).toThrow(expect.objectContaining({ code: 'EVM_DOCK_CREDENTIALS_LOCKED' }));
  });

  it('without a key keeps the value readable, marked as such', () => {
    expect(sealSecret('secret', undefined)).toBe('plain:secret');
    expect(openSecret('plain:secret', undefined)).toBe('secret');
    expect(openSecret('plain:secret', key)).toBe('secret');
  });
});
