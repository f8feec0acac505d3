#!/usr/bin/env node
// Render captured Adaptive Cards the way Teams draws them, with the official renderer, and
// screenshot them at desktop (1000 px) and phone (390 px) widths.
//
// Why: a card that validates against the schema can still read badly (a survey where one
// question was meant, buttons that wrap into a wall on a phone). The only way to know is to
// look, so this takes what the bot really sent (the Bot Connector double records every card;
// `TEAMS_CARDS_OUT=dir pytest -k teams` keeps them as JSON) and draws each one with
// Microsoft's `adaptivecards` renderer (the one Teams' web client is built on), a host config
// modelled on Teams' light theme and a chat or dialog frame around it.
//
//   npm install --prefix .cache/render-teams adaptivecards@3 markdown-it@15 puppeteer-core@24
//   node scripts/render_teams.mjs CAPTURE_DIR_OR_JSON... --out docs/screenshots \
//        [--only name,name] [--chromium /usr/bin/chromium]
//
// A capture file is a list of {"name", "kind": "message"|"dialog"|"image", "title", "payload"}
// (the Slack captures' format; payload is the card, or {"image": data URL}). The look
// around the card (avatar, bubble, dialog chrome, fonts) is an approximation of Teams, not a
// pixel copy; the card itself is laid out by the official renderer. Nothing here runs in the
// test suite.

import { createRequire } from "node:module";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = process.env.RENDER_TEAMS_MODULES || path.join(here, "..", ".cache", "render-teams");
if (!existsSync(path.join(modules, "node_modules", "adaptivecards"))) {
  console.error(
    `render_teams: the renderer is not installed; run\n  npm install --prefix ${modules} ` +
      "adaptivecards@3 markdown-it@15 puppeteer-core@24",
  );
  process.exit(2);
}
const require = createRequire(path.join(modules, "package.json"));
const puppeteer = require("puppeteer-core");
const dist = (name, file) => path.join(modules, "node_modules", name, "dist", file);
const acScript = dist("adaptivecards", "adaptivecards.min.js");
const acCss = dist("adaptivecards", "adaptivecards.css");
const mdScript = dist("markdown-it", "browser/markdown-it.umd.min.js");

const WIDTHS = { desktop: 1000, phone: 390 };
const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--font-render-hinting=none",
];

const COLORS = {
  default: { default: "#242424", subtle: "#616161" },
  accent: { default: "#5B5FC7", subtle: "#7579EB" },
  attention: { default: "#C4314B", subtle: "#C4314B" },
  good: { default: "#237B4B", subtle: "#237B4B" },
  warning: { default: "#835C00", subtle: "#835C00" },
};

// Teams' light theme, as far as the card is concerned (fonts, colours, spacing, actions).
const HOST_CONFIG = {
  supportsInteractivity: true,
  fontFamily: "'Segoe UI', 'Noto Sans', 'DejaVu Sans', system-ui, sans-serif",
  spacing: { small: 8, default: 12, medium: 16, large: 20, extraLarge: 24, padding: 16 },
  separator: { lineThickness: 1, lineColor: "#E1DFDD" },
  fontSizes: { small: 12, default: 14, medium: 16, large: 18, extraLarge: 24 },
  fontWeights: { lighter: 300, default: 400, bolder: 600 },
  imageSizes: { small: 32, medium: 52, large: 100 },
  containerStyles: {
    default: {
      backgroundColor: "#FFFFFF",
      foregroundColors: COLORS,
    },
    emphasis: {
      backgroundColor: "#F5F5F5",
      foregroundColors: COLORS,
    },
  },
  actions: {
    maxActions: 6, spacing: "default", buttonSpacing: 8, showCard: { actionMode: "inline" },
    actionsOrientation: "horizontal", actionAlignment: "left",
  },
  adaptiveCard: { allowCustomStyle: false },
  factSet: {
    title: { weight: "bolder", size: "default", color: "default", wrap: true, maxWidth: 150 },
    value: { size: "default", color: "default", wrap: true }, spacing: 12,
  },
  inputs: {
    label: {
      inputSpacing: "small",
      requiredInputs: { weight: "bolder", suffix: " *", suffixColor: "attention" },
      optionalInputs: { weight: "bolder" },
    },
    errorMessage: { size: "small", color: "attention" },
  },
};

// What Teams adds around the renderer's own CSS: its buttons, inputs and choice sets.
const TEAMS_CSS = `
* { box-sizing: border-box; }
body { margin: 0; background: #F5F5F5; font-family: ${HOST_CONFIG.fontFamily}; color: #242424; }
.frame { padding: 20px 24px; }
.phone .frame { padding: 12px 8px; }
.msg { display: flex; gap: 10px; align-items: flex-start; }
.avatar { width: 32px; height: 32px; border-radius: 6px; background: #5B5FC7; color: #fff;
  font-weight: 700; font-size: 13px; display: flex; align-items: center; justify-content: center;
  flex: none; }
.phone .avatar { display: none; }
.meta { font-size: 12px; color: #616161; margin: 0 0 4px 2px; }
.meta b { color: #242424; font-weight: 600; margin-right: 6px; }
.bubble { background: #fff; border: 1px solid #E0E0E0; border-radius: 6px; max-width: 580px;
  overflow: hidden; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.phone .bubble { max-width: none; }
.dialog { background: #fff; border-radius: 8px; max-width: 600px; margin: 0 auto;
  box-shadow: 0 12px 40px rgba(0,0,0,.25); overflow: hidden; }
.phone .dialog { max-width: none; border-radius: 0; box-shadow: none; }
.dialog-head { display: flex; justify-content: space-between; align-items: center;
  padding: 16px 20px 8px; font-size: 18px; font-weight: 700; }
.dialog-head .x { font-weight: 400; color: #616161; }
.image img { max-width: 100%; border-radius: 6px; border: 1px solid #E0E0E0; background: #fff; }
.ac-pushButton { font-family: inherit; font-size: 14px; font-weight: 600; color: #242424;
  background: #fff; border: 1px solid #D1D1D1; border-radius: 4px; padding: 5px 12px;
  min-height: 32px; cursor: pointer; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.ac-pushButton.style-positive, .ac-pushButton.primary { background: #5B5FC7; color: #fff;
  border-color: #5B5FC7; }
.ac-pushButton.style-destructive { color: #C4314B; border-color: #C4314B; }
.ac-input, .ac-textInput, .ac-numberInput, select.ac-input { font-family: inherit; font-size: 14px;
  border: 1px solid #D1D1D1; border-bottom-color: #616161; border-radius: 4px; padding: 6px 10px;
  background: #fff; color: #242424; width: 100%; }
textarea.ac-textInput { min-height: 64px; }
.ac-choiceSetInput-expanded, .ac-choiceSetInput-multiSelect, .ac-toggleInput {
  border: none !important; padding: 0 !important; background: transparent !important; }
.ac-choiceSetInput-expanded label, .ac-toggleInput label { font-size: 14px; }
.ac-choiceSetInput-expanded > div { margin: 4px 0; }
input[type=radio], input[type=checkbox] { accent-color: #5B5FC7; width: 16px; height: 16px;
  margin: 0 8px 0 0; vertical-align: -3px; }
.ac-textRun { white-space: pre-wrap; }
`;

function page(item, widthName, width) {
  const kind = item.kind || "message";
  const head = `<meta charset="utf-8"><link rel="stylesheet" href="file://${acCss}">
<style>${TEAMS_CSS}</style><script src="file://${mdScript}"></script>
<script src="file://${acScript}"></script>`;
  let frame;
  if (kind === "dialog") {
    frame = `<div class="dialog"><div class="dialog-head"><span>${escapeHtml(item.title || "")}</span>
<span class="x">✕</span></div><div id="card"></div></div>`;
  } else if (kind === "image") {
    frame = `<div class="msg"><div class="avatar">AI</div><div style="flex:1;min-width:0">
<div class="meta"><b>AI Leverage</b>10:02</div><div class="image"><img src="${item.payload.image}"></div>
</div></div>`;
  } else {
    frame = `<div class="msg"><div class="avatar">AI</div><div style="flex:1;min-width:0">
<div class="meta"><b>AI Leverage</b>10:02</div><div class="bubble"><div id="card"></div></div>
</div></div>`;
  }
  const script = kind === "image" ? "" : `<script>
const md = window.markdownit({ linkify: false, breaks: false });
AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
  result.outputHtml = md.render(text); result.didProcess = true; };
const card = new AdaptiveCards.AdaptiveCard();
card.hostConfig = new AdaptiveCards.HostConfig(${JSON.stringify(HOST_CONFIG)});
const problems = [];
const context = new AdaptiveCards.SerializationContext();
card.parse(${JSON.stringify(item.payload)}, context);
for (let i = 0; i < context.eventCount; i++) problems.push(context.getEventAt(i).message);
const rendered = card.render();
for (const event of card.validateProperties().validationEvents) problems.push(event.message);
document.getElementById("card").appendChild(rendered);
window.__problems = problems;
</script>`;
  return `<!doctype html><html><head>${head}</head><body class="${widthName}">
<div class="frame" id="frame" style="width:${width}px">${frame}</div>${script}</body></html>`;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

function captures(inputs) {
  const items = [];
  for (const input of inputs) {
    const files = statSync(input).isDirectory()
      ? readdirSync(input).filter((f) => f.endsWith(".json")).sort().map((f) => path.join(input, f))
      : [input];
    for (const file of files) items.push(...JSON.parse(readFileSync(file, "utf8")));
  }
  return items;
}

async function main() {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const i = args.indexOf(name);
    if (i < 0) return fallback;
    const [value] = args.splice(i, 2).slice(1);
    return value;
  };
  const out = option("--out", "teams-screenshots");
  const only = option("--only", "");
  const chromium = option("--chromium", process.env.CHROMIUM || "/usr/bin/chromium");
  const wanted = only ? new Set(only.split(",")) : null;
  const items = captures(args).filter((item) => !wanted || wanted.has(item.name));
  if (!items.length) {
    console.error("render_teams: nothing to draw (no captures, or --only matched none)");
    process.exit(1);
  }
  mkdirSync(out, { recursive: true });
  const browser = await puppeteer.launch({ executablePath: chromium, args: CHROMIUM_FLAGS });
  let failed = 0;
  const scratch = mkdtempSync(path.join(tmpdir(), "render-teams-"));
  try {
    const tab = await browser.newPage();
    const errors = [];
    tab.on("pageerror", (error) => errors.push(String(error)));
    tab.on("requestfailed", (request) => errors.push(`cannot load ${request.url()}`));
    for (const item of items) {
      for (const [widthName, width] of Object.entries(WIDTHS)) {
        await tab.setViewport({ width, height: 800, deviceScaleFactor: 1 });
        const html = path.join(scratch, `${item.name}-${widthName}.html`);
        writeFileSync(html, page(item, widthName, width));
        await tab.goto(`file://${path.resolve(html)}`, { waitUntil: "load" });
        const fallback = item.kind === "image" ? [] : ["the card did not render"];
        const problems = await tab.evaluate((none) => window.__problems || none, fallback);
        problems.push(...errors.splice(0));
        if (problems.length) {
          failed += 1;
          console.error(`${item.name}: the renderer reports ${problems.join("; ")}`);
        }
        const frame = await tab.$("#frame");
        const target = path.join(out, `teams-${item.name}-${widthName}.png`);
        await frame.screenshot({ path: target });
        console.log(target);
      }
    }
  } finally {
    await browser.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
