"""Security headers on every response: pages, API answers, static files and error pages alike.

The tween sits above the exception view, so a 404, a 429 or a 500 carries them too. A view may
set its own value of any of them (e.g. a stricter Content-Security-Policy); the defaults only
fill in what is missing.
"""

from __future__ import annotations

# No 'unsafe-inline' for scripts or styles: pages load /static files only; QR codes are inline
# SVG elements, which need neither.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "SAMEORIGIN",  # for browsers that ignore frame-ancestors
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}


def security_headers_tween_factory(handler, registry):
    def security_headers_tween(request):
        response = handler(request)
        headers = response.headers
        for name, value in HEADERS.items():
            headers.setdefault(name, value)
        # Only over HTTPS: a browser ignores it over HTTP, and announcing it there would
        # promise something the plain-HTTP development server cannot keep.
        if request.scheme == "https":
            headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        return response

    return security_headers_tween
