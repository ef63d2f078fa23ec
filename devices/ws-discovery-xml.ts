/**
 * WS-Discovery SOAP envelopes read with xml2js (the parser the `onvif` package itself uses), for the two places
 * that look at more than `onvif` hands back: the header's RelatesTo of a ProbeMatches, and the simulator's reading
 * of a Probe. Namespace prefixes are stripped: cameras use any prefix they like for the same namespaces.
 */
import xml2js from 'xml2js';

export interface SoapEnvelope {
  header: Record<string, unknown>;
  body: Record<string, unknown>;
}

/** Rejects when the text is not XML or not a SOAP envelope. */
export async function parseSoapEnvelope(xml: string): Promise<SoapEnvelope> {
  const doc = (await xml2js.parseStringPromise(xml, {
    explicitArray: false,
    trim: true,
    tagNameProcessors: [xml2js.processors.stripPrefix],
    attrNameProcessors: [xml2js.processors.stripPrefix],
  })) as { Envelope?: { Header?: unknown; Body?: unknown } } | null;
  const env = doc?.Envelope;
  if (!env || typeof env !== 'object' || !env.Body || typeof env.Body !== 'object') throw new Error('not a SOAP envelope');
  return { header: typeof env.Header === 'object' && env.Header ? (env.Header as Record<string, unknown>) : {}, body: env.Body as Record<string, unknown> };
}

/** The text of an element as xml2js gives it: a string, or {_: text, $: attributes} when it has attributes. */
export function textOf(v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v).trim();
  if (v && typeof v === 'object' && '_' in v) return String((v as { _: unknown })._).trim();
  return '';
}

/** A whitespace-separated list (XAddrs, Scopes, Types). */
export function listOf(v: unknown): string[] {
  return textOf(v).split(/\s+/).filter(Boolean);
}
