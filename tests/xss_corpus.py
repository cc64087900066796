"""An XSS corpus written for Newsstand (issue 15, item 2), and the check that markup is inert.

Every vector tries to run ``alert(1)`` (the browser test watches for it) through one way in:
script elements, event handlers, javascript:, vbscript: and data: URLs, SVG and MathML, CSS,
srcset, forms, meta refresh and base, malformed and nested markup, and encodings (entities,
mixed case, control characters, UTF-7, full-width characters). Handwritten vectors come first;
the rest are every event handler on a set of elements, and every dangerous URL in every URL
attribute.

``problems(html)`` reads markup the way a browser's tokenizer would and lists what could run.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

RUN = "alert(1)"

HANDWRITTEN = [
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<script src=https://evil.example/x.js></script>",
    "<script/src=data:,alert(1)></script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script>alert(1)//",
    "<<script>alert(1)//<</script>",
    "<script\x00>alert(1)</script>",
    "<script type=module>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<img src=x onerror='alert(1)'//>",
    '<img src="x" onerror="alert(1)">',
    "<img src=x:alert(1) onerror=eval(src)>",
    "<img/src=x/onerror=alert(1)>",
    "<img src=x onerror\x0b=alert(1)>",
    "<img src=`x` onerror=alert(1)>",
    '<img """><script>alert(1)</script>">',
    "<img src=x oNeRrOr=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><script xlink:href=data:,alert(1)></script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><set attributeName=onload to=alert(1)>",
    "<svg><a xlink:href=javascript:alert(1)><text x=20 y=20>x</text></a></svg>",
    "<svg><use href=data:image/svg+xml,<svg%20id='x'%20xmlns='http://www.w3.org/2000/svg'><image%20href='1'%20onerror='alert(1)'/></svg>#x></use></svg>",
    "<svg><foreignObject><iframe srcdoc='<script>alert(1)</script>'></iframe></foreignObject></svg>",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math href=javascript:alert(1)>click</math>",
    "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    "<math><annotation-xml encoding=text/html><img src=x onerror=alert(1)></annotation-xml></math>",
    "<a href=javascript:alert(1)>x</a>",
    "<a href=JaVaScRiPt:alert(1)>x</a>",
    "<a href=' javascript:alert(1)'>x</a>",
    "<a href='java\tscript:alert(1)'>x</a>",
    "<a href='java\nscript:alert(1)'>x</a>",
    "<a href='&#106;avascript:alert(1)'>x</a>",
    "<a href='&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)'>x</a>",
    "<a href='javascript&colon;alert(1)'>x</a>",
    "<a href='jav&#x09;ascript:alert(1)'>x</a>",
    "<a href='\x01javascript:alert(1)'>x</a>",
    "<a href=vbscript:msgbox(1)>x</a>",
    "<a href='data:text/html,<script>alert(1)</script>'>x</a>",
    "<a href='data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=='>x</a>",
    "<a href=x onclick=alert(1)>x</a>",
    "<a href=x onmouseover=alert(1) style=display:block;width:100%;height:100%>x</a>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<iframe src='data:text/html,<script>alert(1)</script>'></iframe>",
    "<iframe src=https://www.youtube.com/embed/x onload=alert(1)></iframe>",
    "<iframe src=https://www.youtube.com/embed/x><script>alert(1)</script></iframe>",
    "<iframe src=https://www.youtube.com/embed/../../evil></iframe>",
    "<iframe src=https://www.youtube.com.evil.example/embed/x></iframe>",
    "<object data=javascript:alert(1)></object>",
    "<object data='data:text/html,<script>alert(1)</script>'></object>",
    "<embed src=javascript:alert(1)>",
    "<embed src='data:image/svg+xml,<svg onload=alert(1)>'>",
    "<form action=javascript:alert(1)><input type=submit></form>",
    "<form><button formaction=javascript:alert(1)>x</button></form>",
    "<input autofocus onfocus=alert(1)>",
    "<select autofocus onfocus=alert(1)></select>",
    "<textarea autofocus onfocus=alert(1)></textarea>",
    "<keygen autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<body onpageshow=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    "<video><source onerror=alert(1)></video>",
    "<video src=x onerror=alert(1)></video>",
    "<video poster=javascript:alert(1)></video>",
    "<audio src=x onerror=alert(1)></audio>",
    "<img srcset='x 1x, javascript:alert(1) 2x'>",
    "<picture><source srcset=javascript:alert(1)><img src=x></picture>",
    "<img src=x srcset=',,,,x onerror=alert(1)'>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<meta charset=utf-7>+ADw-script+AD4-alert(1)+ADw-/script+AD4-",
    "+ADw-script+AD4-alert(1)+ADw-/script+AD4-",
    "<base href=javascript:alert(1)//><a href=x>x</a>",
    "<link rel=stylesheet href=javascript:alert(1)>",
    "<link rel=import href=data:text/html,<script>alert(1)</script>>",
    "<style>@import 'javascript:alert(1)';</style>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<div style=background:url(javascript:alert(1))>x</div>",
    "<div style=x:expression(alert(1))>x</div>",
    "<div style='behavior:url(x.htc)'>x</div>",
    "<p style='-moz-binding:url(x.xml#xss)'>x</p>",
    "<x onclick=alert(1)>click</x>",
    "<custom-element onmouseenter=alert(1)>x</custom-element>",
    "<noscript><p title='</noscript><img src=x onerror=alert(1)>'></noscript>",
    "<template><img src=x onerror=alert(1)></template>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<noembed><img src=x onerror=alert(1)></noembed>",
    "<noframes><img src=x onerror=alert(1)></noframes>",
    "<title><img src=x onerror=alert(1)></title>",
    "<plaintext><img src=x onerror=alert(1)>",
    "<textarea><img src=x onerror=alert(1)></textarea>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<!--><img src=x onerror=alert(1)>-->",
    "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    "<![CDATA[<img src=x onerror=alert(1)>]]>",
    "<?xml-stylesheet href=javascript:alert(1)?>",
    "<div><p><b><i><a href=javascript:alert(1)>nested</a></i></b></p></div>",
    "<table><td background=javascript:alert(1)>x</td></table>",
    "<table><caption><img src=x onerror=alert(1)></caption></table>",
    "<p>text</p><img src=x onerror=alert(1)",
    "<img src=x onerror=alert(1)//",
    "<div <img src=x onerror=alert(1)>>",
    "</p><img src=x onerror=alert(1)>",
    '<a href="x" title=""><img src=x onerror=alert(1)>">',
    '<a title="x" href="x" "onclick=alert(1)">x</a>',
    "<img alt='\"><img src=x onerror=alert(1)>'>",
    "&lt;img src=x onerror=alert(1)&gt;",
    "&#60;img src=x onerror=alert(1)&#62;",
    "\\u003cimg src=x onerror=alert(1)\\u003e",
    "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
    "＜img src=x onerror=alert(1)＞",
    "<img src=x on\u200berror=alert(1)>",
    "<a href='javascript\u2028:alert(1)'>x</a>",
    "<button popovertarget=p>x</button><div popover id=p onbeforetoggle=alert(1)>y</div>",
    "<object data=x.swf type=application/x-shockwave-flash>"
    "<param name=AllowScriptAccess value=always></object>",
    "<applet code=x>",
    "<isindex type=image src=1 onerror=alert(1)>",
    "<frameset onload=alert(1)>",
    "<frame src=javascript:alert(1)>",
    "<bgsound src=javascript:alert(1)>",
    "<portal src=javascript:alert(1)></portal>",
    "<a href=# onfocus=alert(1) autofocus>x</a>",
    "<img src=data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+>",
    "<img src='data:text/html,<script>alert(1)</script>'>",
    "<q cite=javascript:alert(1)>x</q>",
    "<blockquote cite=javascript:alert(1)>x</blockquote>",
    "<del cite=javascript:alert(1)>x</del>",
    "<area href=javascript:alert(1)>",
    "<svg><image href=x onerror=alert(1)></svg>",
    "<svg><feImage href=javascript:alert(1)></svg>",
]

HANDLERS = [
    "onerror", "onload", "onclick", "onmouseover", "onfocus", "onblur", "onanimationstart",
    "onanimationend", "ontransitionend", "onbegin", "ontoggle", "onpointerenter", "onauxclick",
    "oncontextmenu", "onwheel", "oninput", "onscroll", "onbeforeprint", "onpageshow", "onresize",
]  # fmt: skip
ELEMENTS = [
    "img src=x",
    "svg",
    "body",
    "details open",
    "video src=x",
    "div",
    "a href=x",
    "p",
    "span",
    "iframe",
]
URLS = [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "&#106;avascript:alert(1)", "javascript&#58;alert(1)", "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>", "data:image/svg+xml,<svg onload=alert(1)>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
]  # fmt: skip
URL_PLACES = [
    "a href", "img src", "iframe src", "form action", "button formaction", "object data", "embed src",
    "video poster", "source src", "img srcset", "blockquote cite", "area href",
]  # fmt: skip


def vectors() -> list[str]:
    """Every vector of the corpus, handwritten first, without repeats."""
    made = [f"<{element} {handler}=alert(1)>x" for handler in HANDLERS for element in ELEMENTS[:6]]
    made += [f"<{place.split()[0]} {place.split()[1]}='{url}'>x" for url in URLS for place in URL_PLACES]
    return list(dict.fromkeys(HANDWRITTEN + made))


# --- the check ----------------------------------------------------------------------------------

_URL_ATTRIBUTES = {
    "href", "src", "cite", "poster", "srcset", "action", "formaction", "data", "background", "xlink:href",
    "codebase", "dynsrc", "lowsrc", "ping",
}  # fmt: skip
_NEVER = {
    "script", "style", "object", "embed", "applet", "form", "base", "meta", "svg", "math", "frame",
    "frameset", "portal", "template", "link", "input", "button", "select", "textarea", "keygen",
}  # fmt: skip
_PLAYERS = re.compile(
    r"^https://(www\.)?(youtube-nocookie\.com|youtube\.com)/embed/|^https://player\.vimeo\.com/video/"
)


class _Inspector(HTMLParser):
    def __init__(self, page: bool) -> None:
        super().__init__(convert_charrefs=False)  # escaped text stays escaped in handle_data
        self.page = page  # a whole page of ours: its own scripts, styles and forms are expected
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "script" and self.page and values.get("src", "").startswith("/static/"):
            pass
        elif tag in ("link", "meta", "form", "input", "button", "select", "textarea") and self.page:
            if tag == "link" and values.get("href", "").lower().lstrip().startswith(("javascript:", "data:")):
                self.found.append(f"<link href={values['href']!r}>")
            if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
                self.found.append("<meta http-equiv=refresh>")
        elif tag == "svg" and self.page:
            pass  # the app's own charts (their attributes are still checked below)
        elif tag in _NEVER:
            self.found.append(f"<{tag}>")
        if tag == "iframe" and not _PLAYERS.match(values.get("src", "")):
            self.found.append(f"<iframe src={values.get('src')!r}>")
        for name, value in values.items():
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                self.found.append(f"<{tag} {name}=...>")
            url = re.sub(r"[\x00-\x20]", "", value).lower()
            if name in _URL_ATTRIBUTES and re.search(r"(^|[\s,])(javascript|vbscript):", url):
                self.found.append(f"<{tag} {name}={value[:60]!r}>")
            if (
                name in _URL_ATTRIBUTES
                and url.startswith("data:")
                and not (
                    tag == "img" and name == "src" and re.match(r"data:image/(png|gif|jpe?g|webp|avif);", url)
                )
            ):
                self.found.append(f"<{tag} {name}={value[:60]!r}>")

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        # Text inside raw-text elements (an iframe's content) is where unescaped markup hides.
        hidden = "<script" in data.lower() or re.search(r"<img[^>]*onerror", data, re.I)
        if hidden and (self.lasttag not in ("script", "style") or not self.page):
            self.found.append(f"markup in raw text: {data[:60]!r}")


def problems(html: str, *, page: bool = False) -> list[str]:
    """What in ``html`` could run script; empty when it is inert. ``page`` allows a page of
    ours its own same-origin scripts, stylesheets and forms."""
    inspector = _Inspector(page)
    inspector.feed(html)
    inspector.close()
    return inspector.found
