#!/usr/bin/env python3
"""test_openapi.py - the contract and the HTTP conventions of issue 15 (parts 1 and 4),
through the real nginx -> edge -> user-svc -> template-svc -> Redis stack:

- GET /v1/openapi.json is docs/openapi.yaml, as JSON, with an ETag and 304;
- the contract check every test gets (openapi_check.py via inkwell_test.Http) does fail on
  an answer that breaks the document;
- list answers carry RFC 8288 `Link: <...>; rel="next"`: following it to the end gives
  the same items, in the same order, as paging with next_cursor (library and gallery);
  the last page, and the one-page reports list, have none;
- a quota answer (429) and nginx's rate limit (429) carry Retry-After;
- docs/API.md names exactly the operations openapi.yaml has.
"""

import copy
import re
import unittest
from urllib.parse import parse_qs, urlsplit

import yaml

import inkwell_test as it
import openapi_check
from test_templates import Client, photo_bytes

QUOTA = 3
LINK_NEXT = re.compile(r'^<([^>]+)>; rel="next"$')


def next_link(headers):
    """The target of the answer's Link rel="next", or None; fails on any other Link."""
    links = headers.get_all("Link") or []
    if not links:
        return None
    assert len(links) == 1, links
    m = LINK_NEXT.match(links[0])
    assert m, "not an RFC 8288 next link: %r" % links[0]
    return m.group(1)


class Anonymous:
    """A client without a token (Client's req, for pages())."""

    def __init__(self, test):
        self.t = test

    def req(self, method, path, body=None, headers=None):
        return self.t.req(method, path, body, headers)


class OpenapiTest(it.StackTestCase):
    ENV = {"TEMPLATE_QUOTA": str(QUOTA), "NGINX_AUTH_RATE": "1000r/s"}

    def test_document_served_with_etag(self):
        st, h, doc = self.req("GET", "/v1/openapi.json")
        self.assertEqual(st, 200, doc)
        self.assertEqual(h["Content-Type"].split(";")[0], "application/json")
        with open(openapi_check.DOC_PATH, encoding="utf-8") as f:
            self.assertEqual(doc, yaml.safe_load(f), "the edge serves docs/openapi.yaml")
        etag = h["ETag"]
        self.assertRegex(etag, r'^"[0-9a-f]{32}"$')
        self.assertIn("no-cache", h["Cache-Control"])
        st, h2, body = self.req("GET", "/v1/openapi.json", headers={"If-None-Match": etag})
        self.assertEqual(st, 304)
        self.assertEqual(body, b"")
        self.assertEqual(h2["ETag"], etag)

    def test_contract_check_fails_on_a_bad_answer(self):
        st, h, live = self.req("GET", "/livez")
        self.assertEqual(st, 200)
        c = openapi_check.contract()
        self.assertEqual(c.check("GET", "/livez", 200, "application/health+json", b"{}", live),
                         "/livez")
        bad = [
            ("GET", "/livez", 200, "application/health+json", dict(live, uptime=1)),
            ("GET", "/livez", 200, "application/json", live),
            ("GET", "/v1/users/me", 401, "application/problem+json", {"title": "no type"}),
            ("DELETE", "/v1/templates/" + "a" * 32, 204, "application/json", {}),
            ("GET", "/v1/gallery?limit=2", 200, "application/json", {"items": []}),
        ]
        for method, url, status, ctype, body in bad:
            with self.subTest(url=url, body=body):
                with self.assertRaises(openapi_check.ContractError):
                    c.check(method, url, status, ctype, b"{...}", body)
        # not Inkwell's to check: no such path, or no such operation (a 405)
        self.assertIsNone(c.check("GET", "/index.html", 200, "text/html", b"<p>", b"<p>"))
        self.assertIsNone(c.check("PUT", "/v1/gallery", 405, "application/problem+json",
                                  b"{}", {}))

    def test_every_request_is_checked(self):
        # The hook in inkwell_test.Http.req: under a contract that forbids what /livez
        # really sends, the test's own request fails.
        strict = copy.deepcopy(openapi_check.contract().doc)
        strict["components"]["schemas"]["Health"]["properties"].pop("service")
        saved = openapi_check._contract
        openapi_check._contract = openapi_check.Contract(strict)
        try:
            with self.assertRaisesRegex(openapi_check.ContractError, "service"):
                self.req("GET", "/livez")
        finally:
            openapi_check._contract = saved
        self.assertEqual(self.req("GET", "/livez")[0], 200)

    def pages(self, client, path, limit):
        """Every page of a list, following Link rel="next"; and following next_cursor.
        Returns (items by Link, items by cursor, number of pages)."""
        by_link, by_cursor, pages = [], [], 0
        url = "%s?limit=%d" % (path, limit)
        while url is not None:
            st, h, page = client.req("GET", url)
            self.assertEqual(st, 200, page)
            by_link += page["items"]
            pages += 1
            self.assertLessEqual(pages, 50, "the next links never end")
            url = next_link(h)
            if page["next_cursor"] is None:
                self.assertIsNone(url, "the last page has no next link")
            else:
                self.assertIsNotNone(url, "a page with next_cursor has a next link")
                target = urlsplit(url)
                self.assertEqual(target.path, path)
                self.assertEqual(parse_qs(target.query),
                                 {"limit": [str(limit)], "cursor": [page["next_cursor"]]})
        cursor = ""
        while True:
            st, _, page = client.req("GET", "%s?limit=%d%s" % (path, limit, cursor))
            self.assertEqual(st, 200, page)
            by_cursor += page["items"]
            if page["next_cursor"] is None:
                break
            cursor = "&cursor=" + page["next_cursor"]
        return by_link, by_cursor, pages

    def test_link_paging_and_quota_retry_after(self):
        alice = Client(self)
        png = photo_bytes("PNG", (160, 120))
        made = []
        for _ in range(QUOTA):
            st, _, t = alice.upload(png)
            self.assertEqual(st, 201, t)
            made.append(t["id"])
        # the quota answer says when to try again
        st, h, b = alice.upload(png)
        self.assertProblem(st, h, b, 429)
        self.assertGreaterEqual(int(h["Retry-After"]), 1)

        st, h, whole = alice.req("GET", "/v1/templates?limit=100")
        self.assertEqual(st, 200, whole)
        self.assertIsNone(next_link(h), "one page: no next link")
        newest_first = [t["id"] for t in whole["items"]]
        self.assertEqual(newest_first, made[::-1])
        for limit in (1, 2):
            with self.subTest(limit=limit):
                by_link, by_cursor, pages = self.pages(alice, "/v1/templates", limit)
                self.assertEqual([t["id"] for t in by_link], newest_first)
                self.assertEqual(by_link, by_cursor)
                self.assertEqual(pages, -(-QUOTA // limit))

        # the gallery, anonymous (through nginx's micro-cache) and signed in
        published = []
        for tid in made:
            st, h, g = alice.req("POST", "/v1/templates/%s/publish" % tid)
            self.assertEqual(st, 201, g)
            published.append(g["gallery_id"])
        for who in (Anonymous(self), alice):
            by_link, by_cursor, pages = self.pages(who, "/v1/gallery", 1)
            self.assertEqual([g["gallery_id"] for g in by_link], published[::-1])
            self.assertEqual(by_link, by_cursor)
            self.assertEqual(pages, QUOTA)

        # the reports list is one page: next_cursor null, no Link
        carol = Client(self)
        self.grant_admin(carol.name)
        st, _, rep = alice.req("POST", "/v1/gallery/%s/reports" % published[0],
                               {"reason": "spam"})
        self.assertEqual(st, 201, rep)
        st, h, reports = carol.req("GET", "/v1/admin/reports")
        self.assertEqual(st, 200, reports)
        self.assertEqual([x["report_id"] for x in reports["items"]], [rep["report_id"]])
        self.assertIsNone(reports["next_cursor"])
        self.assertIsNone(next_link(h))


class GuideAgreesTest(unittest.TestCase):
    """docs/API.md names every operation of docs/openapi.yaml as `METHOD /path` (with the
    document's {parameter} names), and names no other: the guide may say less about a
    route, never a route the contract does not have. No stack needed."""

    def test_api_md_routes_are_the_documents(self):
        guide = (openapi_check.DOC_PATH.parent / "API.md").read_text(encoding="utf-8")
        named = set(re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`?\s]*)", guide))
        doc = openapi_check.contract().doc
        ops = {(m.upper(), p) for p, item in doc["paths"].items() for m in item
               if m in ("get", "put", "post", "patch", "delete")}
        self.assertEqual(sorted(named - ops), [], "in docs/API.md, not in openapi.yaml")
        self.assertEqual(sorted(ops - named), [], "in openapi.yaml, not in docs/API.md")


class RateLimitTest(it.StackTestCase):
    """nginx's limit on the auth routes, in front of the real edge."""
    ENV = {"NGINX_AUTH_RATE": "1r/m", "NGINX_AUTH_BURST": "2"}

    def test_rate_limited_answer_says_when_to_retry(self):
        answers = [self.req("POST", "/v1/sessions", {"username": "nobody", "password": "x" * 12})
                   for _ in range(4)]
        codes = [a[0] for a in answers]
        self.assertEqual(codes[:3], [401, 401, 401], "burst 2: the first three reach the edge")
        st, h, body = answers[3]
        self.assertProblem(st, h, body, 429)
        self.assertEqual(h["Retry-After"], "60", "1r/m frees one request a minute")
        # the edge's own answers beside it: 401 with its challenge, no Retry-After
        self.assertIn("Bearer", answers[0][1]["WWW-Authenticate"])
        self.assertIsNone(answers[0][1].get("Retry-After"))


if __name__ == "__main__":
    it.main()
