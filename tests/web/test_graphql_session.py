"""/graphql from the hub's own pages: the browser session with its CSRF header is an access path,
and the session cookie alone (what a page of another site could make a browser send) is not."""

from __future__ import annotations

from typing import Any

from tests.web.browser import Visitor

ME = "{ me { name } }"
_FETCH = """async ([query, token]) => {
  const headers = {"content-type": "application/json"};
  if (token !== null) { headers["x-csrf-token"] = token; }
  const answer = await fetch("/graphql", {method: "POST", headers, body: JSON.stringify({query})});
  return {status: answer.status, body: await answer.text()};
}"""


def _post(visit: Visitor, token: str | None) -> dict[str, Any]:
    found: dict[str, Any] = visit.page.evaluate(_FETCH, [ME, token])
    return found


class TestGraphqlWithTheBrowserSession:
    def test_the_session_and_its_csrf_header_answer_as_the_signed_in_professional(self, visit: Visitor) -> None:
        page = visit.sign_in_as("Sarah Okafor")
        token = page.locator("input[name=csrf_token]").first.get_attribute("value")

        answered = _post(visit, token)

        assert answered["status"] == 200
        assert '"name":"Sarah Okafor"' in answered["body"]

    def test_the_session_cookie_without_the_header_is_refused(self, visit: Visitor) -> None:
        visit.sign_in_as("Sarah Okafor")

        assert _post(visit, None)["status"] == 401
        assert _post(visit, "not-the-session-token")["status"] == 401
        # The browser logs each refused fetch; those two were the point of the test.
        visit.problems[:] = [problem for problem in visit.problems if "status of 401" not in problem]
