"""Render captured Block Kit payloads the way Slack draws them, and screenshot them.

Why: a payload that validates can still read badly (a survey where one question was meant, a
caption repeated twice, a code that wraps on a phone). The only way to know is to look, so
this turns what the bot really sent (the Slack double records every call; the surface tests
dump them as JSON) into an HTML page styled like Slack and screenshots it with headless
Chromium at desktop (1000 px) and phone (390 px) widths.

    python scripts/render_slack.py CAPTURE.json --out docs/screenshots [--html-only]

CAPTURE.json is a list of {"name", "kind": message|modal|home, "title", "payload"} where
payload is a view (modal, home) or {"text", "blocks"} (message). The renderer is an
approximation of Slack's look (fonts, spacing, buttons, inputs), not a pixel copy; it draws
every block type the bot uses and says so in red when it meets one it does not know.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

WIDTHS = {"desktop": 1000, "phone": 390}
EMOJI = {
    "white_check_mark": "✅", "x": "❌", "information_source": "ℹ️", "wave": "👋",
    "warning": "⚠️", "lock": "🔒", "bar_chart": "📊", "arrow_up": "⬆️", "arrow_down": "⬇️",
    "small_red_triangle": "🔺", "small_red_triangle_down": "🔻", "hourglass": "⏳",
    "bulb": "💡", "speech_balloon": "💬", "mailbox_with_mail": "📬", "clipboard": "📋",
    "heavy_minus_sign": "➖", "seedling": "🌱", "construction": "🚧", "key": "🔑",
    "busts_in_silhouette": "👥", "bust_in_silhouette": "👤", "calendar": "📅", "memo": "📝",
    "no_entry_sign": "🚫", "thumbsup": "👍", "pray": "🙏", "heavy_check_mark": "✔️",
    "white_circle": "⚪", "large_green_circle": "🟢", "large_yellow_circle": "🟡",
    "red_circle": "🔴", "arrow_right": "➡️", "mag": "🔍", "shield": "🛡️", "tada": "🎉",
    "question": "❓", "grey_question": "❔", "envelope": "✉️", "gear": "⚙️",
    "chart_with_upwards_trend": "📈", "alarm_clock": "⏰", "rocket": "🚀", "recycle": "♻️",
    "hourglass_flowing_sand": "⏳", "no_entry": "⛔",
}  # fmt: skip

CSS = """
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: #1d1c1d; font: 15px/1.46668 -apple-system,
  BlinkMacSystemFont, "Segoe UI", "Noto Sans", "DejaVu Sans", Helvetica, Arial, sans-serif; }
.frame { padding: 16px 20px 24px; }
.surface-title { font-size: 12px; color: #616061; margin-bottom: 8px; text-transform: uppercase;
  letter-spacing: .04em; }
.msg { display: flex; gap: 8px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #4a154b; color: #fff;
  font-weight: 700; display: flex; align-items: center; justify-content: center; flex: none; }
.msg-body { flex: 1; min-width: 0; }
.sender { font-weight: 900; } .sender .app { font-size: 10px; background: #e8e8e8;
  color: #616061; border-radius: 2px; padding: 1px 3px; margin-left: 4px; font-weight: 700; }
.sender .time { font-weight: 400; color: #616061; font-size: 12px; margin-left: 6px; }
.ephemeral { font-size: 12px; color: #616061; margin-top: 4px; }
.modal { border: 1px solid #ddd; border-radius: 8px; box-shadow: 0 18px 48px rgba(0,0,0,.25);
  max-width: 520px; margin: 0 auto; background: #fff; }
.phone .modal { max-width: none; border-radius: 0; box-shadow: none; border: none; }
.modal-head { display: flex; justify-content: space-between; align-items: center;
  padding: 16px 20px; border-bottom: 1px solid #ddd; font-size: 22px; font-weight: 900; }
.modal-head .closex { font-weight: 400; color: #616061; font-size: 20px; }
.modal-body { padding: 8px 20px 12px; }
.modal-foot { display: flex; justify-content: flex-end; gap: 8px; padding: 16px 20px;
  border-top: 1px solid #ddd; }
.home-tabs { display: flex; gap: 20px; border-bottom: 1px solid #ddd; margin-bottom: 12px;
  font-weight: 700; color: #616061; }
.home-tabs span { padding: 6px 0; } .home-tabs .on { color: #1d1c1d;
  border-bottom: 2px solid #1264a3; }
.block { margin: 8px 0; word-wrap: break-word; overflow-wrap: anywhere; }
.section { display: flex; gap: 12px; align-items: flex-start; }
.section .text { flex: 1; min-width: 0; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 16px; margin-top: 4px; }
.header { font-size: 18px; font-weight: 900; line-height: 1.33; }
hr.divider { border: none; border-top: 1px solid #ddd; margin: 12px 0; }
.context { color: #616061; font-size: 13px; line-height: 1.385; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; }
.btn { display: inline-block; border: 1px solid rgba(29,28,29,.3); border-radius: 4px;
  padding: 0 12px; height: 32px; line-height: 30px; font-weight: 700; font-size: 15px;
  background: #fff; white-space: nowrap; }
.btn.primary { background: #007a5a; color: #fff; border-color: #007a5a; }
.btn.danger { background: #fff; color: #e01e5a; border-color: #e01e5a; }
.btn.url::after { content: " ↗"; font-weight: 400; }
.input label.lbl { display: block; font-weight: 700; margin-bottom: 6px; }
.input .opt { font-weight: 400; color: #616061; }
.input .hint { color: #616061; font-size: 13px; margin-top: 4px; }
.field { border: 1px solid rgba(29,28,29,.3); border-radius: 4px; padding: 8px 12px;
  min-height: 40px; color: #616061; }
.field.multi { min-height: 84px; } .field.filled { color: #1d1c1d; white-space: pre-wrap; }
.field.select::after { content: "▾"; float: right; color: #1d1c1d; }
.choice { display: flex; gap: 8px; align-items: flex-start; margin: 4px 0; }
.box { width: 18px; height: 18px; border: 1px solid #868686; border-radius: 4px; flex: none;
  margin-top: 2px; } .box.radio { border-radius: 50%; }
.box.on { background: #1264a3; border-color: #1264a3; box-shadow: inset 0 0 0 3px #fff; }
.choice .desc { color: #616061; font-size: 13px; }
.mrk b { font-weight: 700; } code { font: 12px Monaco, Menlo, Consolas, monospace;
  color: #e01e5a; background: #f6f6f6; border: 1px solid #e8e8e8; border-radius: 3px;
  padding: 1px 3px; }
pre { font: 12px/1.5 Monaco, Menlo, Consolas, monospace; background: #f8f8f8;
  border: 1px solid #e8e8e8; border-radius: 4px; padding: 8px; margin: 4px 0;
  white-space: pre-wrap; }
blockquote { margin: 2px 0; padding-left: 10px; border-left: 4px solid #ddd; }
a { color: #1264a3; text-decoration: none; }
.unknown { color: #e01e5a; font-weight: 700; }
img.accessory { width: 88px; height: 88px; border-radius: 4px; object-fit: cover; }
"""


def _emoji(text: str) -> str:
    return re.sub(r":([a-z0-9_+-]+):", lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def _mention(target: str) -> str:
    """What Slack shows for a mention without a label: a user group by its handle (here its
    id in lower case, as the double has no handles), a user or channel by its id."""
    kind, _, ident = target.partition("^")
    return ident.lower() if kind == "subteam" else target


def _inline(text: str) -> str:
    """Slack mrkdwn inline styles on already-escaped text."""
    text = re.sub(
        r"&lt;((?:https?|mailto):[^|&]+?)(?:\|(.+?))?&gt;",
        lambda m: f'<a href="#">{m.group(2) or m.group(1)}</a>', text,
    )  # fmt: skip
    text = re.sub(
        r"&lt;[@#!]([^&|]+)(?:\|([^&]+))?&gt;",
        lambda m: f"<a>@{(m.group(2) or _mention(m.group(1))).lstrip('@')}</a>",
        text,
    )
    text = re.sub(r"(?<![\w`])\*(?!\s)(.+?)(?<!\s)\*(?![\w])", r"<b>\1</b>", text)
    text = re.sub(r"(?<![\w`])_(?!\s)(.+?)(?<!\s)_(?![\w])", r"<i>\1</i>", text)
    text = re.sub(r"(?<![\w`])~(?!\s)(.+?)(?<!\s)~(?![\w])", r"<s>\1</s>", text)
    return _emoji(text)


def mrkdwn(text: str) -> str:
    """Slack's mrkdwn (code blocks, inline code, quotes, bold, italics, links) as HTML.

    Slack sends `&amp; &lt; &gt;` escaped; unescape once, then escape for HTML, so the page
    shows exactly the characters a person would see.
    """
    raw = html.unescape(text)
    out: list[str] = []
    for i, part in enumerate(re.split(r"```", raw)):
        if i % 2:
            out.append(f"<pre>{html.escape(part.strip(chr(10)))}</pre>")
            continue
        lines = []
        for line in part.split("\n"):
            quoted = line.startswith(">")
            body = line[1:] if quoted else line
            pieces = re.split(r"(`[^`\n]+`)", html.escape(body, quote=False))
            rendered = "".join(
                f"<code>{p[1:-1]}</code>" if p.startswith("`") and p.endswith("`") and len(p) > 1
                else _inline(p) for p in pieces
            )  # fmt: skip
            lines.append(f"<blockquote>{rendered}</blockquote>" if quoted else rendered)
        joined = "<br>".join(lines)
        out.append(re.sub(r"</blockquote><br><blockquote>", "<br>", joined))
    return f'<span class="mrk">{"".join(out)}</span>'


def text_obj(obj: Any) -> str:
    if obj is None:
        return ""
    if isinstance(obj, str):
        return html.escape(obj)
    if obj.get("type") == "mrkdwn":
        return mrkdwn(obj.get("text", ""))
    return _emoji(html.escape(obj.get("text", "")))


def element(el: dict[str, Any]) -> str:
    kind = el.get("type")
    if kind == "button":
        style = el.get("style", "")
        url = " url" if el.get("url") else ""
        return f'<span class="btn {style}{url}">{text_obj(el.get("text"))}</span>'
    if kind == "image":
        return '<img class="accessory" alt="">'
    if kind in ("static_select", "external_select", "users_select", "conversations_select"):
        initial = el.get("initial_option")
        label = text_obj(initial["text"] if initial else el.get("placeholder")) or "Select"
        return f'<div class="field select{" filled" if initial else ""}">{label}</div>'
    if kind in ("radio_buttons", "checkboxes"):
        chosen = {o["value"] for o in el.get("initial_options") or []}
        if el.get("initial_option"):
            chosen.add(el["initial_option"]["value"])
        radio = " radio" if kind == "radio_buttons" else ""
        rows = []
        for option in el.get("options", []):
            on = " on" if option["value"] in chosen else ""
            desc = option.get("description")
            extra = f'<div class="desc">{text_obj(desc)}</div>' if desc else ""
            rows.append(
                f'<div class="choice"><span class="box{radio}{on}"></span>'
                f"<div>{text_obj(option['text'])}{extra}</div></div>"
            )
        return "".join(rows)
    if kind in ("plain_text_input", "number_input", "email_text_input", "url_text_input"):
        value = el.get("initial_value")
        multi = " multi" if el.get("multiline") else ""
        if value:
            return f'<div class="field filled{multi}">{html.escape(str(value))}</div>'
        return f'<div class="field{multi}">{text_obj(el.get("placeholder"))}</div>'
    if kind == "overflow":
        return '<span class="btn">⋯</span>'
    return f'<span class="unknown">[element {html.escape(str(kind))}]</span>'


def block(b: dict[str, Any]) -> str:
    kind = b.get("type")
    if kind == "header":
        return f'<div class="block header">{text_obj(b.get("text"))}</div>'
    if kind == "divider":
        return '<hr class="divider">'
    if kind == "context":
        parts = [text_obj(e) if e.get("type") != "image" else "▫" for e in b.get("elements", [])]
        return f'<div class="block context">{" ".join(parts)}</div>'
    if kind == "actions":
        return f'<div class="block actions">{"".join(element(e) for e in b["elements"])}</div>'
    if kind == "section":
        text = text_obj(b.get("text"))
        fields = "".join(f"<div>{text_obj(f)}</div>" for f in b.get("fields") or [])
        fields_html = f'<div class="fields">{fields}</div>' if fields else ""
        accessory = element(b["accessory"]) if b.get("accessory") else ""
        return (
            f'<div class="block section"><div class="text">{text}{fields_html}</div>'
            f"{accessory}</div>"
        )
    if kind == "input":
        optional = ' <span class="opt">(optional)</span>' if b.get("optional") else ""
        hint = f'<div class="hint">{text_obj(b["hint"])}</div>' if b.get("hint") else ""
        return (
            f'<div class="block input"><label class="lbl">{text_obj(b.get("label"))}{optional}'
            f"</label>{element(b.get('element', {}))}{hint}</div>"
        )
    if kind == "image":
        return '<div class="block"><img class="accessory" alt=""></div>'
    return f'<div class="block unknown">[block {html.escape(str(kind))}]</div>'


def blocks_html(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(block(b) for b in blocks)


def surface_html(item: dict[str, Any]) -> str:
    """One surface as the body of a page: a DM, a modal or the Home tab."""
    payload, kind = item["payload"], item.get("kind", "message")
    title = html.escape(item.get("title") or item["name"])
    head = f'<div class="surface-title">{title}</div>'
    if kind == "modal":
        foot = "".join(
            f'<span class="btn{" primary" if key == "submit" else ""}">'
            f"{text_obj(payload[key])}</span>"
            for key in ("close", "submit")
            if payload.get(key)
        )
        return (
            f'{head}<div class="modal"><div class="modal-head">{text_obj(payload.get("title"))}'
            f'<span class="closex">✕</span></div><div class="modal-body">'
            f"{blocks_html(payload.get('blocks', []))}</div>"
            f"{f'<div class=modal-foot>{foot}</div>' if foot else ''}</div>"
        )
    if kind == "home":
        tabs = '<div class="home-tabs"><span class="on">Home</span><span>Messages</span></div>'
        return f"{head}{tabs}{blocks_html(payload.get('blocks', []))}"
    body = blocks_html(payload["blocks"]) if payload.get("blocks") else mrkdwn(payload["text"])
    note = '<div class="ephemeral">👁 Only visible to you</div>' if item.get("ephemeral") else ""
    return (
        f'{head}<div class="msg"><div class="avatar">AI</div><div class="msg-body">'
        f'<div class="sender">AI Leverage<span class="app">APP</span>'
        f'<span class="time">10:02</span></div>{body}{note}</div></div>'
    )


def page(item: dict[str, Any], width_class: str) -> str:
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><style>{CSS}</style></head>'
        f'<body class="{width_class}"><div class="frame">{surface_html(item)}</div></body></html>'
    )


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("render_slack: Chromium not found (apt-get install -y chromium)")


def screenshot(browser: str, page_file: Path, png: Path, width: int) -> None:
    """Headless Chromium at `width`, then the empty space below the content cropped away."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}",
                f"--screenshot={png}", f"--window-size={width},2600", page_file.as_uri(),
            ],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    _crop(png)


def _crop(png: Path) -> None:
    from PIL import Image, ImageChops

    with Image.open(png) as image:
        rgb = image.convert("RGB")
        box = ImageChops.difference(rgb, Image.new("RGB", rgb.size, (255, 255, 255))).getbbox()
        bottom = min(rgb.height, (box[3] if box else 40) + 24)
        rgb.crop((0, 0, rgb.width, bottom)).quantize(colors=128).save(png, optimize=True)


def render(capture: list[dict[str, Any]], out: Path, *, html_only: bool = False) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    browser = "" if html_only else chromium()
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as scratch:
        for item in capture:
            for label, width in WIDTHS.items():
                page_file = Path(scratch) / f"{item['name']}-{label}.html"
                page_file.write_text(page(item, label), encoding="utf-8")
                if html_only:
                    target = out / page_file.name
                    shutil.copy(page_file, target)
                else:
                    target = out / f"{item['name']}-{label}.png"
                    screenshot(browser, page_file, target, width)
                written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("capture", type=Path, help="a JSON capture, or a directory of them")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--only", default="", help="render only names containing this")
    parser.add_argument("--html-only", action="store_true", help="write HTML, no screenshots")
    args = parser.parse_args(argv)
    files = sorted(args.capture.glob("*.json")) if args.capture.is_dir() else [args.capture]
    capture = [item for f in files for item in json.loads(f.read_text(encoding="utf-8"))]
    chosen = [c for c in capture if args.only in c["name"]]
    for path in render(chosen, args.out, html_only=args.html_only):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
