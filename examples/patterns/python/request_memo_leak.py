"""A class-level memo keyed by request id, a leak (written in session 6 as a held-out check, never
tuned on): a report service makes a ReportRenderer per request; the renderer memoizes rendered pages
in a dict that is a class attribute, so it is shared by every instance and outlives them all, and its
key holds the request id, so no entry is ever hit again or dropped. 150 requests a second; each keeps
a 1,400-character page (a 1,449-byte str, from malloc), its (request id, locale) tuple key (a 56-byte
tuple plus a 32-byte int, in pymalloc's arenas) and the dict's share (an entry of 24 bytes and its
index at up to 2/3 load: 24-50 bytes, in table reallocations that double): ~1,580 bytes a request,
~237,000 B/s, ~3.3 MB over 14 s on a ~12 MB interpreter. The per-request parse (a dict of headers)
and the template pieces are freed at once (churn, not a leak).
Truth: a leak, linear, ~237,000 B/s, all still reachable; the pages (92% of it) are made in
ReportRenderer.render, the top site.
Usage: request_memo_leak.py SECONDS
"""
import pacing

LOCALES = ("en-GB", "de-DE", "fr-FR", "es-ES")
TEMPLATE = "<section class='line'>{sku} x {qty} = {total:.2f}</section>"


class ReportRenderer:
    _rendered = {}  # the bug: a class attribute, so one dict for the whole process, never evicted

    def __init__(self, request):
        self.request = request

    def render(self):
        key = (self.request["id"], self.request["locale"])
        page = ReportRenderer._rendered.get(key)
        if page is None:
            lines = [TEMPLATE.format(sku=f"SKU{n:06d}", qty=n % 7 + 1, total=(n % 97) * 1.25)
                     for n in range(self.request["id"] % 50, self.request["id"] % 50 + 12)]
            page = "".join(lines).ljust(1400, " ")[:1400]
            ReportRenderer._rendered[key] = page
        return page


def parse_request(request_id):
    headers = {"x-request-id": str(request_id), "accept-language": LOCALES[request_id % 4],
               "user-agent": "report-client/2.3", "accept": "text/html"}
    return {"id": request_id, "locale": headers["accept-language"], "headers": headers}


def main():
    sent = [0]

    def tick(i, _t):
        for k in range(3):
            request_id = 7_000_000 + i * 3 + k
            sent[0] += len(ReportRenderer(parse_request(request_id)).render())

    # 50 ticks a second, 3 requests each.
    pacing.every(0.02, pacing.run_seconds(14), tick)
    print(len(ReportRenderer._rendered), "pages memoized,", sent[0], "bytes sent")


if __name__ == "__main__":
    main()
