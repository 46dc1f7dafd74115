// Loads a report in a real browser (Debian's chromium, headless), once per page: the page is copied with
// two small scripts added (an error collector first in <head>, a layout check last in <body>) that write
// their findings into the DOM, and one chromium launch both dumps that DOM and keeps a screenshot under
// test-artifacts/ (gitignored) for a person to look at. Standalone SVG files are loaded as they are.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { REPO } from '../helpers/shared.ts';

export const ARTIFACTS = path.join(REPO, 'test-artifacts');

/** The chromium binary ($CHROMIUM, else the first of chromium / chromium-browser / google-chrome on PATH), or null. */
export function findChromium(): string | null {
  const fromEnv = process.env.CHROMIUM;
  if (fromEnv) return fs.existsSync(fromEnv) ? fromEnv : null;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter))
    for (const name of ['chromium', 'chromium-browser', 'google-chrome'])
      if (dir && fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  return null;
}

export interface PageCheck {
  /** Uncaught errors and console.error calls on the page. */
  errors: string[];
  scrollWidth: number;
  innerWidth: number;
  /** Elements whose right edge is past the window (outside any scrolling box), as tag.class. */
  overflowing: string[];
  /** Text nodes (and attribute values) with NaN, undefined, null or [object. */
  badText: string[];
  /** Each <svg>: its laid-out size, its shapes, and those drawn outside its box (tag and text). */
  svgs: { cls: string; width: number; height: number; shapes: number; outside: string[] }[];
  title: string;
}

const COLLECTOR = `<script>window.__mcuErrors=[];addEventListener('error',function(e){__mcuErrors.push('error: '+(e.message||(e.target&&e.target.outerHTML)||e))},true);(function(){var ce=console.error;console.error=function(){__mcuErrors.push('console.error: '+Array.prototype.join.call(arguments,' '));ce.apply(console,arguments)}})();</script>`;

// Runs after the page is parsed; layout queries force layout, so the figures are those of the page as shown.
const CHECK = `<script>(function(){
var d=document.documentElement, W=innerWidth, r={errors:__mcuErrors,scrollWidth:d.scrollWidth,innerWidth:W,overflowing:[],badText:[],svgs:[],title:document.title};
function scrolls(el){for(var p=el.parentElement;p;p=p.parentElement){var o=getComputedStyle(p).overflowX;if(o==='auto'||o==='scroll'||o==='hidden')return true}return false}
document.querySelectorAll('body *').forEach(function(el){if(el.id==='mcu-nas-check'||el.closest('svg')&&el.tagName!=='svg')return;var b=el.getBoundingClientRect();if(b.right>W+0.5&&!scrolls(el))r.overflowing.push(el.tagName.toLowerCase()+(el.getAttribute('class')?'.'+el.getAttribute('class'):''))});
var bad=/\\bNaN\\b|\\bundefined\\b|\\[object|\\bnull\\b/;var w=document.createTreeWalker(document.body,NodeFilter.SHOW_TEXT);var n;while(n=w.nextNode()){if(n.parentElement&&n.parentElement.tagName==='SCRIPT')continue;if(bad.test(n.nodeValue))r.badText.push(n.nodeValue.trim().slice(0,120))}
document.querySelectorAll('body *').forEach(function(el){if(el.tagName==='SCRIPT')return;for(var i=0;i<el.attributes.length;i++){var a=el.attributes[i];if(bad.test(a.value))r.badText.push(el.tagName+'@'+a.name+'='+a.value.slice(0,80))}});
document.querySelectorAll('svg').forEach(function(s){var b=s.getBoundingClientRect(),shapes=0,out=[];s.querySelectorAll('rect,circle,line,path,text,polygon').forEach(function(e){shapes++;var g=e.getBoundingClientRect();if(g.left<b.left-1||g.top<b.top-1||g.right>b.right+1||g.bottom>b.bottom+1)out.push(e.tagName+' '+(e.textContent||'').slice(0,40))});r.svgs.push({cls:s.getAttribute('class')||'',width:b.width,height:b.height,shapes:shapes,outside:out})});
var pre=document.createElement('pre');pre.id='mcu-nas-check';pre.style.display='none';pre.textContent=JSON.stringify(r);document.body.appendChild(pre);
})();</script>`;

/** One chromium run with a profile folder of its own (launches at the same time cannot share one). */
function runChromium(binary: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-chromium-'));
  return new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile(binary, [`--user-data-dir=${profile}`, ...args], { maxBuffer: 64 << 20, timeout: 90_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${binary}: ${err.message}\n${stderr}`)) : resolve({ stdout, stderr }),
    );
  }).finally(() => fs.rmSync(profile, { recursive: true, force: true }));
}

function chromiumArgs(size: { width: number; height: number }, screenshot: string, url: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    // One process (no zygote, no renderer/GPU processes): about half the start-up time, same page.
    '--single-process',
    '--no-zygote',
    '--hide-scrollbars',
    '--no-first-run',
    '--disable-extensions',
    '--enable-logging=stderr',
    '--v=0',
    `--window-size=${size.width},${size.height}`,
    `--screenshot=${screenshot}`,
    '--dump-dom',
    url,
  ];
}

/** Console messages chromium logged for the page (its own dbus/GPU chatter left out). */
function consoleLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /CONSOLE|Uncaught/.test(l));
}

/** One launch: the page's DOM checks, the console lines, and the screenshot at test-artifacts/<name>.png. */
export async function checkPage(binary: string, html: string, name: string, size = { width: 1280, height: 1000 }): Promise<{ check: PageCheck; console: string[]; screenshot: string; dom: string }> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const page = path.join(ARTIFACTS, `${name}.html`);
  const withHead = html.replace(/<head>/i, `<head>${COLLECTOR}`);
  if (withHead === html || !/<\/body>/i.test(html)) throw new Error(`${name}: not a full HTML page (no <head> or </body>)`);
  fs.writeFileSync(page, withHead.replace(/<\/body>(?![\s\S]*<\/body>)/i, `${CHECK}</body>`));
  const screenshot = path.join(ARTIFACTS, `${name}.png`);
  fs.rmSync(screenshot, { force: true });
  const { stdout, stderr } = await runChromium(binary, chromiumArgs(size, screenshot, `file://${page}`));
  const m = /<pre id="mcu-nas-check"[^>]*>([\s\S]*?)<\/pre>/.exec(stdout);
  if (!m) throw new Error(`${name}: the check script did not run (no #mcu-nas-check in the dumped DOM)`);
  const json = m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  return { check: JSON.parse(json) as PageCheck, console: consoleLines(stderr), screenshot, dom: stdout };
}

/** A standalone SVG file as the browser opens it: its dumped DOM (an XML error shows as <parsererror>) and a screenshot. */
export async function checkSvgFile(binary: string, file: string, name: string, size = { width: 1200, height: 400 }): Promise<{ dom: string; console: string[]; screenshot: string }> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const screenshot = path.join(ARTIFACTS, `${name}.png`);
  fs.rmSync(screenshot, { force: true });
  const { stdout, stderr } = await runChromium(binary, chromiumArgs(size, screenshot, `file://${path.resolve(file)}`));
  return { dom: stdout, console: consoleLines(stderr), screenshot };
}

/** A screenshot's size and the share of its pixels that are not (near) white: 0 means nothing was drawn. */
export function screenshotInfo(file: string): { width: number; height: number; inked: number } {
  const png = PNG.sync.read(fs.readFileSync(file));
  let inked = 0;
  const d = png.data;
  for (let i = 0; i < d.length; i += 4) if (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235) inked++;
  return { width: png.width, height: png.height, inked: inked / (png.width * png.height) };
}
