/** The panel's HTML: a strict CSP (nothing but our own script, by nonce, and our own stylesheet) and two mount points. */
import { randomBytes } from 'node:crypto';

export interface PanelResources {
  /** The webview's `cspSource`: the origin our bundled files are served from. */
  readonly cspSource: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly nonce?: string;
}

export const newNonce = (): string => randomBytes(18).toString('base64');

/**
 * `default-src 'none'` denies everything not listed: no remote content, no inline script or style, no frames, no
 * network. Our script runs by nonce; styles come only from the extension's files (the web components use constructed
 * stylesheets, which CSP does not govern); the canvas needs no image source.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src ${cspSource}`, `font-src ${cspSource}`, `img-src ${cspSource}`].join('; ');
}

const escapeAttribute = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function panelHtml(r: PanelResources): string {
  const nonce = r.nonce ?? newNonce();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(contentSecurityPolicy(r.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttribute(r.styleUri)}">
<title>NetMend</title>
</head>
<body>
<div id="busy" hidden><vscode-progress-bar indeterminate aria-label="NetMend is working"></vscode-progress-bar><span class="busy-text muted"></span></div>
<main id="root"></main>
<script nonce="${escapeAttribute(nonce)}" src="${escapeAttribute(r.scriptUri)}"></script>
</body>
</html>
`;
}
