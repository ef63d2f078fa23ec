// xml2js (the XML parser the `onvif` package is built on) ships no types and @types/xml2js is not installed:
// declare the little of its API this project uses.
declare module 'xml2js' {
  export interface ParserOptions {
    explicitArray?: boolean;
    ignoreAttrs?: boolean;
    trim?: boolean;
    tagNameProcessors?: Array<(name: string) => string>;
    attrNameProcessors?: Array<(name: string) => string>;
  }
  export function parseStringPromise(xml: string, options?: ParserOptions): Promise<unknown>;
  export const processors: { stripPrefix(name: string): string; firstCharLowerCase(name: string): string };
  const xml2js: { parseStringPromise: typeof parseStringPromise; processors: typeof processors };
  export default xml2js;
}
