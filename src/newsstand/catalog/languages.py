"""Names readers see for the language codes (ISO 639-1) the catalog's publishers write in."""

from __future__ import annotations

# English names, with the language's own name where it differs, so a reader finds theirs.
LANGUAGE_NAMES = {
    "ar": "Arabic (العربية)",
    "bg": "Bulgarian (български)",
    "ca": "Catalan (català)",
    "cs": "Czech (čeština)",
    "da": "Danish (dansk)",
    "de": "German (Deutsch)",
    "el": "Greek (Ελληνικά)",
    "en": "English",
    "es": "Spanish (español)",
    "et": "Estonian (eesti)",
    "fa": "Persian (فارسی)",
    "fi": "Finnish (suomi)",
    "fr": "French (français)",
    "he": "Hebrew (עברית)",
    "hi": "Hindi (हिन्दी)",
    "hr": "Croatian (hrvatski)",
    "hu": "Hungarian (magyar)",
    "id": "Indonesian (Bahasa Indonesia)",
    "it": "Italian (italiano)",
    "ja": "Japanese (日本語)",
    "ko": "Korean (한국어)",
    "lt": "Lithuanian (lietuvių)",
    "lv": "Latvian (latviešu)",
    "nl": "Dutch (Nederlands)",
    "no": "Norwegian (norsk)",
    "pl": "Polish (polski)",
    "pt": "Portuguese (português)",
    "ro": "Romanian (română)",
    "ru": "Russian (русский)",
    "sk": "Slovak (slovenčina)",
    "sl": "Slovenian (slovenščina)",
    "sr": "Serbian (српски)",
    "sv": "Swedish (svenska)",
    "sw": "Swahili (Kiswahili)",
    "th": "Thai (ไทย)",
    "tr": "Turkish (Türkçe)",
    "uk": "Ukrainian (українська)",
    "ur": "Urdu (اردو)",
    "vi": "Vietnamese (Tiếng Việt)",
    "zh": "Chinese (中文)",
}


def language_name(code: str) -> str:
    """The name shown for ``code`` (a region suffix such as "pt-BR" is kept): the code
    itself when the table has no name for it."""
    base, _, region = code.partition("-")
    name = LANGUAGE_NAMES.get(base.lower())
    if name is None:
        return code
    return f"{name}, {region.upper()}" if region else name
